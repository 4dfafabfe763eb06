"""Ingest: source documents -> records -> RDF under the jixiao ontology."""
