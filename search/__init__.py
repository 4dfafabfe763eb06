"""Semantic search over the graph: texts, embeddings, the vector and lexical indexes, the service."""

# jixiao.companions looks for this line: the package is jixiao's, not another of the same name.
__jixiao_part__ = True
