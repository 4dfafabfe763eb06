"""Rendering SPARQL results and exporting the store, for the CLI."""

from __future__ import annotations

from rdflib import Dataset, Graph
from rdflib.query import Result
from rich.console import Console
from rich.table import Table

from ontology import bind_prefixes


def render(result: Result, fmt: str, console: Console) -> str | None:
    """Text to print for `fmt` (json | csv), or None after printing a table to `console`."""
    if result.type == "ASK":
        answer = bool(result.askAnswer)
        if fmt == "json":
            return f'{{"head": {{}}, "boolean": {str(answer).lower()}}}\n'
        return f"{str(answer).lower()}\n"
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        return str(result.graph.serialize(format="turtle"))
    if fmt in ("json", "csv"):
        serialized = result.serialize(format=fmt)
        assert serialized is not None  # None only when a destination file is given
        return serialized.decode("utf-8")
    table = Table(show_lines=False)
    variables = [str(v) for v in result.vars or []]
    for name in variables:
        table.add_column(name, overflow="fold")
    count = 0
    for row in result:
        table.add_row(*("" if term is None else str(term) for term in row))  # type: ignore[union-attr]
        count += 1
    console.print(table)
    console.print(f"[dim]{count} rows[/]")
    return None


def union_graph(dataset: Dataset) -> Graph:
    """All documents' triples in one in-memory graph (for SHACL and Turtle export)."""
    graph = Graph()
    bind_prefixes(graph)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def export(dataset: Dataset, fmt: str) -> str:
    if fmt == "ttl":
        return str(union_graph(dataset).serialize(format="turtle"))
    bind_prefixes(dataset)
    if fmt == "nq":
        return str(dataset.serialize(format="nquads"))
    if fmt == "jsonld":
        return str(dataset.serialize(format="json-ld", indent=2))
    raise ValueError(f"unknown export format {fmt!r}")
