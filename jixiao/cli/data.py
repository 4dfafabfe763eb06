"""Reading the store as a whole: `jixiao stats`, `jixiao export`, `jixiao validate` (SHACL)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rdflib import URIRef
from rich.table import Table

from jixiao import query_output
from jixiao import stats as stats_module
from jixiao.cli.common import (
    DataOption,
    err,
    load_settings,
    open_store_or_exit,
    out,
)
from jixiao.describe import describe
from jixiao.query_output import union_graph


def stats(
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    data: DataOption = None,
) -> None:
    """Counts of units, projects, objectives, indicators, targets by type, and triples."""
    store = open_store_or_exit(load_settings(data))
    figures = stats_module.compute(store)
    if as_json:
        store.close()
        sys.stdout.write(json.dumps(figures.model_dump(mode="json"), ensure_ascii=False) + "\n")
        return
    # Each document's size is counted here, for this listing only: it reads every quad.
    documents = [(d, store.graph_size(d.graph)) for d in store.documents()]
    store.close()
    table = Table(title="jixiao stats")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("units", "projects", "objectives", "indicators"):
        table.add_row(key, str(getattr(figures, key)))
    for kind, count in figures.targets.model_dump().items():
        table.add_row(f"targets: {kind}", str(count))
    table.add_row("triples", str(figures.triples))
    out.print(table)
    for d, size in documents:
        out.print(
            f"  {d.file_name}  [dim]{d.layout}, {size} triples, sha256 {d.sha256[:12]}…[/]",
            highlight=False,
        )


class ExportFormat(StrEnum):
    ttl = "ttl"
    nq = "nq"
    jsonld = "jsonld"


def export(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="ttl (all documents merged), nq or jsonld (graphs kept)")
    ] = (ExportFormat.ttl),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write (default: stdout)")
    ] = None,
    data: DataOption = None,
) -> None:
    """Export the whole store."""
    store = open_store_or_exit(load_settings(data))
    text = query_output.export(store.dataset(), fmt.value)
    store.close()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


def validate(
    show_all: Annotated[
        bool, typer.Option("--all", help="list every finding, not the first 10 per group")
    ] = False,
    data: DataOption = None,
) -> None:
    """Check the store against the SHACL shapes; exit 1 on violations."""
    # Deferred: pyshacl takes about 0.25 s to import, which every other command would pay.
    from ontology.shacl import validate as run_shacl

    store = open_store_or_exit(load_settings(data))
    graph = union_graph(store.dataset())
    store.close()
    report = run_shacl(graph)
    groups: dict[tuple[str, str], list[str]] = {}
    for finding in report.findings:
        groups.setdefault((finding.severity, finding.message), []).append(finding.focus)
    for severity in ("violation", "warning"):
        selected = {msg: foci for (sev, msg), foci in groups.items() if sev == severity}
        count = sum(len(f) for f in selected.values())
        colour = "red" if severity == "violation" else "yellow"
        out.print(f"[bold {colour}]{severity}s: {count}[/]")
        for message, foci in sorted(selected.items(), key=lambda item: -len(item[1])):
            out.print(f"  [{colour}]{len(foci):>4}[/] {message}", highlight=False)
            shown = foci if show_all else foci[:10]
            for focus in shown:
                name = describe(graph, URIRef(focus))
                out.print(f"         {name}  [dim]{focus}[/]", highlight=False, soft_wrap=True)
            if len(foci) > len(shown):
                out.print(f"         [dim]… and {len(foci) - len(shown)} more (--all lists them)[/]")
    if not report.conforms:
        raise typer.Exit(1)
