"""Ingest: source documents -> records -> RDF under the jixiao ontology."""

# jixiao.companions looks for this line: the package is jixiao's, not another of the same name.
__jixiao_part__ = True
