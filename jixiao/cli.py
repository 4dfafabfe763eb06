"""The `jixiao` command: ingest, remove, stats, validate, sparql, export."""

from __future__ import annotations

import json
import sys
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rdflib import URIRef
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from ingest.decode import IngestError
from ingest.iri import IriMinter
from ingest.pipeline import TARGET_KINDS, IngestResult, ingest_file
from jixiao import query_output
from jixiao import stats as stats_module
from jixiao.describe import describe
from jixiao.query_output import union_graph
from jixiao.settings import Settings, load_settings
from jixiao.store import EmbeddedStore, StoreError, open_store

app = typer.Typer(
    help="jixiao 绩效: a knowledge graph of budget performance targets. / 预算绩效目标知识图谱",
    no_args_is_help=True,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data", help="data directory (default: the user data dir; env JIXIAO_DATA)", show_default=False
    ),
]


def _open(settings: Settings) -> EmbeddedStore:
    try:
        return open_store(settings)
    except StoreError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="source documents (.txt)", show_default=False)],
    layout: Annotated[str | None, typer.Option(help="force a layout: paragraph-table, form-lines")] = None,
    data: DataOption = None,
) -> None:
    """Read documents into the store, one named graph each (re-ingesting replaces)."""
    settings = load_settings(data)
    store = _open(settings)
    minter = IriMinter(settings.base_iri)
    results: list[IngestResult] = []
    failures: list[tuple[Path, str]] = []
    with Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        console=err, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("", total=len(files))
        for path in files:
            progress.update(task, description=path.name)
            try:
                results.append(ingest_file(path, store, minter, layout))
            except IngestError as exc:
                failures.append((path, str(exc)))
            except Exception as exc:  # a reader bug must not stop the other files
                failures.append((path, f"unexpected error ({type(exc).__name__}: {exc}); please report it"))
            progress.advance(task)
    store.close()
    if results:
        _print_summary(results)
    for path, problem in failures:
        err.print(f"[red]error:[/] {path}: {problem}", highlight=False, soft_wrap=True)
    if failures:
        raise typer.Exit(2)


def _print_summary(results: list[IngestResult]) -> None:
    # One short block per file rather than a wide table: it stays readable in an 80-column
    # Windows console, where a twelve-column table truncates every header.
    total: Counter[str] = Counter()
    for r in results:
        typed = sum(v for k, v in r.targets.items() if k != "unparsed")
        share = f"{100 * typed / r.indicators:.1f}%" if r.indicators else "-"
        replaced = " [dim](replaced the earlier version)[/]" if r.replaced else ""
        out.print(
            f"[bold]{r.file_name}[/]  {r.layout}, {r.encoding}{replaced}", highlight=False, soft_wrap=True
        )
        out.print(
            f"  units {r.units} · projects {r.projects} · objectives {r.objectives}"
            f" · indicators {r.indicators} · warnings {len(r.warnings)}",
            highlight=False,
            soft_wrap=True,
        )
        kinds = " · ".join(f"{k} {r.targets.get(k, 0)}" for k in TARGET_KINDS)
        out.print(
            f"  targets: {kinds} (typed {typed}/{r.indicators}, {share})", highlight=False, soft_wrap=True
        )
        total.update(r.targets)
    if len(results) > 1:
        typed = sum(v for k, v in total.items() if k != "unparsed")
        out.print(f"[bold]all files[/]: targets typed {typed}/{sum(total.values())}", highlight=False)
    for r in results:
        for warning in r.warnings:
            out.print(f"[yellow]warning:[/] {r.file_name}: {warning}", highlight=False, soft_wrap=True)


@app.command()
def remove(
    file: Annotated[str, typer.Argument(help="the document's file name or path")],
    data: DataOption = None,
) -> None:
    """Remove a document's named graph (everything ingested from it)."""
    settings = load_settings(data)
    store = _open(settings)
    graph = IriMinter(settings.base_iri).source_document(Path(file).name)
    if not store.has_document(graph):
        store.close()
        err.print(f"[red]error:[/] {Path(file).name}: not in the store (see `jixiao stats`)")
        raise typer.Exit(1)
    removed = store.remove_document(graph)
    store.close()
    out.print(f"removed {Path(file).name}: {removed} triples")


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    data: DataOption = None,
) -> None:
    """Counts of units, projects, objectives, indicators, targets by type, and triples."""
    store = _open(load_settings(data))
    figures = stats_module.compute(store)
    documents = store.documents()
    store.close()
    if as_json:
        sys.stdout.write(json.dumps(figures, ensure_ascii=False) + "\n")
        return
    table = Table(title="jixiao stats")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("units", "projects", "objectives", "indicators"):
        table.add_row(key, str(figures[key]))
    for kind, count in figures["targets"].items():
        table.add_row(f"targets: {kind}", str(count))
    table.add_row("triples", str(figures["triples"]))
    out.print(table)
    for d in documents:
        out.print(
            f"  {d.file_name}  [dim]{d.layout}, {d.quads} triples, sha256 {d.sha256[:12]}…[/]",
            highlight=False,
        )


class ResultFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def sparql(
    query: Annotated[
        str, typer.Argument(help="a SPARQL query; the default graph is the union of all documents")
    ],
    fmt: Annotated[ResultFormat, typer.Option("--format", help="output format")] = ResultFormat.table,
    data: DataOption = None,
) -> None:
    """Run a SPARQL query against the store."""
    store = _open(load_settings(data))
    try:
        result = store.query(query)
        text = query_output.render(result, fmt.value, out)
    except (SyntaxError, ValueError) as exc:
        err.print(f"[red]error:[/] SPARQL: {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        store.close()
    if text is not None:
        sys.stdout.write(text)


class ExportFormat(StrEnum):
    ttl = "ttl"
    nq = "nq"
    jsonld = "jsonld"


@app.command()
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
    store = _open(load_settings(data))
    text = query_output.export(store.dataset(), fmt.value)
    store.close()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


@app.command()
def validate(
    show_all: Annotated[
        bool, typer.Option("--all", help="list every finding, not the first 10 per group")
    ] = False,
    data: DataOption = None,
) -> None:
    """Check the store against the SHACL shapes; exit 1 on violations."""
    # Deferred: pyshacl takes about 0.25 s to import, which every other command would pay.
    from ontology.shacl import validate as run_shacl

    store = _open(load_settings(data))
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
