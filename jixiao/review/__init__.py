"""Review (审核): rules a finance bureau applies to target tables, run over the graph.

    context = ReviewContext(store, index)      # index: the search index, for the copy-paste rule
    review = run_review(context)               # every registered rule
    store.replace_document(review_graph(review, review_graph_iri(settings.base_iri)))

Rules (jixiao/review/rules/) read the graph by SPARQL only, never ingest's records, so they
review whatever is in the store: ingested tables, drafts, data loaded over SPARQL Update.
"""

from __future__ import annotations

from jixiao.review.model import REGISTRY, Finding, ReviewContext, Rule, RuleSkipped, Severity
from jixiao.review.rdf import review_graph, review_graph_iri
from jixiao.review.run import ProjectInfo, Review, ReviewError, run_review

__all__ = [
    "REGISTRY",
    "Finding",
    "ProjectInfo",
    "Review",
    "ReviewContext",
    "ReviewError",
    "Rule",
    "RuleSkipped",
    "Severity",
    "review_graph",
    "review_graph_iri",
    "run_review",
]
