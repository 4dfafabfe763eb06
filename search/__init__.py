"""Semantic search over the graph (embeddings, FAISS, BM25). Built in issue 3; nothing here yet."""
