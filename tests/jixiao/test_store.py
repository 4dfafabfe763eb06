"""The store's write is one transaction: a replacement that fails keeps the old document whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef

from jixiao.settings import Settings
from jixiao.store import open_store
from ontology.namespace import JX

DOC = URIRef("https://example.org/id/source/a.txt")


def document(*labels: str) -> Graph:
    graph = Graph(identifier=DOC)
    graph.add((DOC, RDF.type, JX.SourceDocument))
    for i, label in enumerate(labels):
        graph.add((URIRef(f"https://example.org/id/project/{i}"), JX.projectAttribute, Literal(label)))
    return graph


def test_replace_then_remove(tmp_path: Path) -> None:
    store = open_store(Settings(data=tmp_path))
    store.replace_document(document("a", "b"))
    assert store.quad_count() == 3
    store.replace_document(document("c"))
    assert store.quad_count() == 2  # replaced, not added to
    assert store.has_document(DOC)
    assert store.remove_document(DOC) == 2
    assert store.quad_count() == 0 and not store.has_document(DOC)
    store.close()


def test_failed_replacement_leaves_the_old_document(tmp_path: Path) -> None:
    store = open_store(Settings(data=tmp_path))
    store.replace_document(document("a", "b"))
    broken = document("c")
    # A relative IRI: rdflib writes it, Oxigraph refuses it (no base). A store that dropped the old
    # graph in one step and inserted in another would lose document "a, b" here; one update must not.
    broken.add((URIRef("relative/iri"), JX.projectAttribute, Literal("x")))
    with pytest.raises(SyntaxError):
        store.replace_document(broken)
    assert store.quad_count() == 3
    labels = {str(o) for o in store.dataset().objects(None, JX.projectAttribute)}
    assert labels == {"a", "b"}
    store.close()


def test_store_survives_reopening(tmp_path: Path) -> None:
    store = open_store(Settings(data=tmp_path))
    store.replace_document(document("a"))
    store.close()
    again = open_store(Settings(data=tmp_path))
    assert again.has_document(DOC) and again.quad_count() == 2
    again.close()
