"""The `jixiao` command: ingest, remove, stats, validate, review, sparql, export, search, similar,
reindex, draft, serve."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rdflib import URIRef
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from ingest.bulk import BulkLoader
from ingest.decode import IngestError
from ingest.iri import IriMinter
from ingest.limits import DEFAULT_LIMITS, IngestLimits, limits_from
from ingest.pipeline import TARGET_KINDS, IngestResult, ingest_file
from jixiao import check as checks
from jixiao import query_output, upload_client
from jixiao import settings as settings_module
from jixiao import stats as stats_module
from jixiao.describe import describe
from jixiao.drafting.draft import Draft, Drafter, DraftRequest, default_table
from jixiao.drafting.export import draft_turtle, draft_xlsx
from jixiao.query_output import union_graph
from jixiao.review import ReviewContext, ReviewError, review_graph, review_graph_iri, run_review
from jixiao.review.report import finding_json, print_review
from jixiao.settings import Settings
from jixiao.store import Store, StoreError, open_store
from jixiao.store_interface import BulkLoading, ListsGraphs
from jixiao.terminal import shown
from search.encoder import Encoder, EncoderError, load_encoder
from search.entries import Kind
from search.index import IndexUnavailable, SearchIndex
from search.service import Filters, Hit, Mode, QueryError, SearchService
from search.sync import SyncReport, graph_state, load_index, open_service, stale_documents, sync

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


# The store is a global option (`jixiao --store URL COMMAND`): `review` has a --store/--no-store flag.
_global_store: str | None = None


@app.callback()
def _global_options(
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="keep the graph in a SPARQL 1.1 server, e.g. sparql+http://127.0.0.1:7878 (`oxigraph serve"
            " --union-default-graph`: its default graph must be the union of its named graphs); the"
            " search index stays in --data. Give it before the command. Default: embedded in --data;"
            " env JIXIAO_STORE",
            show_default=False,
        ),
    ] = None,
) -> None:
    global _global_store
    if store is not None:
        try:
            settings_module.load_settings(store=store)
        except ValidationError as exc:
            problem = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            raise typer.BadParameter(problem, param_hint="--store") from None
    _global_store = store


def load_settings(data: Path | None = None) -> Settings:
    """A command's settings: the environment, then its --data and the global --store."""
    return settings_module.load_settings(data, _global_store)


def _open(settings: Settings) -> Store:
    try:
        return open_store(settings)
    except StoreError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        if checks._locked(exc):  # a running `jixiao serve` (issue 19)
            hint = upload_client.store_locked_message(upload_client.running_server(settings))
            err.print(escape(hint), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


# What a directory is searched for. Anything else in it is listed as skipped; a file named
# on the command line is always tried, whatever its name (the format is sniffed from bytes).
TABLE_SUFFIXES = frozenset(
    {".txt", ".csv", ".tsv", ".xlsx", ".docx", ".pdf", ".xls", ".doc", ".html", ".htm", ".mhtml", ".mht"}
)


class SkipReason(StrEnum):
    NOT_A_TABLE = "not tables"
    HIDDEN = 'hidden (the name starts with ".")'
    LOCK_FILE = "Office lock files (~$…, left by an open Excel or Word)"


@dataclass(frozen=True)
class Skipped:
    path: Path
    why: SkipReason


def find_inputs(paths: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """Files to ingest (directories searched recursively, in name order), and what was skipped
    and why. A hidden folder (.git) is skipped whole, as one entry, without looking inside."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found: list[Path] = []
        for folder, folders, names in os.walk(path):
            here = Path(folder)
            skipped.extend(Skipped(here / d, SkipReason.HIDDEN) for d in sorted(folders) if d.startswith("."))
            folders[:] = [d for d in folders if not d.startswith(".")]
            found.extend(here / name for name in names)
        for file in sorted(f for f in found if f.is_file()):
            if file.name.startswith("."):  # ..csv, .DS_Store
                skipped.append(Skipped(file, SkipReason.HIDDEN))
            elif file.name.startswith("~$"):  # ~$项目表.xlsx
                skipped.append(Skipped(file, SkipReason.LOCK_FILE))
            elif file.suffix.lower() in TABLE_SUFFIXES:
                files.append(file)
            else:
                skipped.append(Skipped(file, SkipReason.NOT_A_TABLE))
    return files, skipped


def expand_inputs(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Files to ingest and the paths skipped (`find_inputs` without the reasons)."""
    files, skipped = find_inputs(paths)
    return files, [s.path for s in skipped]


@app.command()
def ingest(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="source documents or folders (.txt .csv .xlsx .docx .pdf .html; folders are searched)",
            show_default=False,
        ),
    ],
    layout: Annotated[
        str | None,
        typer.Option(help="force a layout: paragraph-table, form-lines, flat-table, form-table"),
    ] = None,
    index: Annotated[
        bool, typer.Option("--index/--no-index", help="update the search index (--no-index: later `reindex`)")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="the per-file report as JSON on stdout")] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="for large loads: new files through the store's bulk loader in batches, files stored"
            " unchanged skipped (rerun to resume a load cut short)",
        ),
    ] = False,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="send the files to a running `jixiao serve` at this URL (it holds the store), e.g."
            " http://127.0.0.1:8000; its token from JIXIAO_WRITE_TOKEN",
            show_default=False,
        ),
    ] = None,
    data: DataOption = None,
) -> None:
    """Read documents into the store, one named graph each (re-ingesting replaces), and index them."""
    settings = load_settings(data)
    inputs, skipped = find_inputs(files)
    if server is not None:
        _ingest_on_server(server, inputs, skipped, settings, as_json)
        return
    limits = limits_from(settings)
    store = _open(settings)
    _hint_interrupted(store, settings)
    minter = IriMinter(settings.base_iri)
    reports: list[FileReport] = []
    names: dict[str, Path] = {}
    with Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        console=err, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("", total=len(inputs))
        loader = _bulk_loader(store, minter, layout, limits) if bulk else None
        for path in inputs:
            progress.update(task, description=shown(path.name))
            reports.append(_ingest_one(path, store, minter, layout, names, loader, limits))
            progress.advance(task)
        if loader is not None:
            progress.update(task, description="writing the last batch")
            loader.flush()
    results = [r.result for r in reports if r.result is not None]
    if results:
        # The category scheme's labels and the comparators' notations are what cookbook queries
        # join on; `serve` installs them too, but an analyst may only ever ingest and query.
        try:
            store.install_ontology()
        except StoreError as exc:
            problem = escape(str(exc))
            err.print(f"[red]error:[/] the ontology terms were not stored: {problem}", highlight=False)
            raise typer.Exit(2) from None
    indexed = True
    # Files skipped as unchanged (--bulk) still sync: a rerun after a load killed while embedding
    # finds every file stored and the index behind; sync embeds what it lacks (the cache keeps
    # what the killed run had embedded).
    if index and (results or any(r.unchanged for r in reports)):
        written = {str(minter.source_document(r.file_name)) for r in results}
        indexed = _update_index(store, settings, changed=written)
    store.close()
    if as_json:
        payload = _json_report(reports, skipped)
        if loader is not None:
            payload["stages"] = loader.seconds.as_dict()
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_report(reports, skipped, brief=bulk)
    for report in reports:  # each error once, here (the report above only names the file)
        if report.error:
            problem = f"{shown(report.path)}: {shown(report.error)}"
            err.print(f"[red]error:[/] {problem}", highlight=False, soft_wrap=True)
    if any(r.error for r in reports):
        raise typer.Exit(2)
    if not indexed:
        raise typer.Exit(3)


def _ingest_on_server(
    server: str, inputs: list[Path], skipped: list[Skipped], settings: Settings, as_json: bool
) -> None:
    """`ingest --server`: the server reads and stores the files; its report per file is printed."""
    token = settings.write_token.get_secret_value() if settings.write_token is not None else None
    try:
        reports = upload_client.send(server, inputs, token)
    except upload_client.UploadError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        payload = {"files": reports, "skipped": [str(s.path) for s in skipped]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    for report in reports:
        name = shown(report["file"])
        if report.get("error"):
            problem = f"{name}: {report.get('error_zh', '')} / {shown(report['error'])}"
            err.print(f"[red]error:[/] {escape(problem)}", highlight=False, soft_wrap=True)
        elif not as_json and report.get("stored"):
            done = "replaced" if report.get("replaced") else "ingested"
            out.print(
                f"[bold]{escape(name)}[/]  {done} by the server: {report['layout']}, {report['format']}"
                f" · units {report['units']} · projects {report['projects']}"
                f" · indicators {report['indicators']}",
                highlight=False,
                soft_wrap=True,
            )
    if any(r.get("error") for r in reports):
        raise typer.Exit(2)


@dataclass
class FileReport:
    path: Path
    result: IngestResult | None = None
    error: str | None = None
    unchanged: bool = False  # --bulk: stored before with the same bytes, skipped


def _bulk_loader(store: Store, minter: IriMinter, layout: str | None, limits: IngestLimits) -> BulkLoader:
    if not isinstance(store, BulkLoading):
        err.print("[red]error:[/] --bulk loads into the embedded store only (not with --store)")
        raise typer.Exit(2)
    return BulkLoader(store, minter, layout, limits=limits)


def _ingest_one(
    path: Path,
    store: Store,
    minter: IriMinter,
    layout: str | None,
    names: dict[str, Path],
    loader: BulkLoader | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> FileReport:
    earlier = names.get(path.name)
    if earlier is not None and earlier != path:
        # Documents are keyed by file name (one named graph each): a second file of the same
        # name would silently replace the first.
        return FileReport(path, error=f"same file name as {earlier}, ingested in this run; rename one")
    names[path.name] = path
    try:
        if loader is None:
            return FileReport(path, result=ingest_file(path, store, minter, layout, limits=limits))
        result = loader.add(path)
        return FileReport(path, result=result, unchanged=result is None)
    except IngestError as exc:
        return FileReport(path, error=str(exc))
    except StoreError as exc:  # the remote store's server down, or refusing the write
        return FileReport(path, error=f"not stored: {exc}")
    except Exception as exc:  # a reader bug must not stop the other files
        return FileReport(path, error=f"unexpected error ({type(exc).__name__}: {exc}); please report it")


def _json_report(reports: list[FileReport], skipped: list[Skipped]) -> dict[str, object]:
    files: list[dict[str, object]] = []
    for report in reports:
        r = report.result
        if report.unchanged:
            files.append({"file": str(report.path), "unchanged": True})
            continue
        if r is None:
            files.append({"file": str(report.path), "error": report.error})
            continue
        files.append(
            {
                "file": str(report.path),
                "layout": r.layout,
                "format": r.encoding,
                "units": r.units,
                "projects": r.projects,
                "objectives": r.objectives,
                "indicators": r.indicators,
                "targets": {k: r.targets.get(k, 0) for k in TARGET_KINDS},
                "unparsed": r.targets.get("unparsed", 0),
                "warnings": r.warnings,
                "inferred": r.inferred,
                "dropped": r.dropped,
                "replaced": r.replaced,
            }
        )
    return {
        "files": files,
        "skipped": [str(s.path) for s in skipped],
        "skipped_why": [s.why.name.lower().replace("_", "-") for s in skipped],
    }


NOTES_SHOWN = 3  # per kind and file in the text report; --json has them all


def _print_notes(what: str, lines: list[str]) -> None:
    """What a reader inferred or dropped, with line numbers: the first few, then how many more."""
    if not lines:
        return
    out.print(f"  {what} {len(lines)}:", highlight=False)
    for line in lines[:NOTES_SHOWN]:
        out.print(f"    {shown(line)}", highlight=False, soft_wrap=True)
    if len(lines) > NOTES_SHOWN:
        out.print(f"    … {len(lines) - NOTES_SHOWN} more (--json lists all)", highlight=False)


def _print_report(reports: list[FileReport], skipped: list[Skipped], brief: bool = False) -> None:
    """Per file, then a total; `brief` (bulk loads of thousands of files): errors and the total only.

    Names and messages go through `shown`: a file name may hold escape sequences. A file that
    failed is named here and its error printed once, after the report (stderr)."""
    # One short block per file rather than a wide table: it stays readable in an 80-column
    # Windows console, where a twelve-column table truncates every header.
    total: Counter[str] = Counter()
    results = [r.result for r in reports if r.result is not None]
    for report in reports:
        r = report.result
        if brief and report.error is None:
            if r is not None:
                total.update(r.targets)
            continue
        if report.unchanged:
            out.print(f"[bold]{shown(report.path)}[/]  unchanged, skipped", highlight=False, soft_wrap=True)
            continue
        if r is None:
            out.print(f"[bold]{shown(report.path)}[/]  [red]not ingested[/] (error below)", highlight=False)
            continue
        typed = sum(v for k, v in r.targets.items() if k != "unparsed")
        share = f"{100 * typed / r.indicators:.1f}%" if r.indicators else "-"
        replaced = " [dim](replaced the earlier version)[/]" if r.replaced else ""
        out.print(
            f"[bold]{shown(report.path)}[/]  {r.layout}, {r.encoding}{replaced}",
            highlight=False,
            soft_wrap=True,
        )
        out.print(
            f"  units {r.units} · projects {r.projects} · objectives {r.objectives}"
            f" · indicators {r.indicators} · unparsed {r.targets.get('unparsed', 0)}"
            f" · warnings {len(r.warnings)}",
            highlight=False,
            soft_wrap=True,
        )
        kinds = " · ".join(f"{k} {r.targets.get(k, 0)}" for k in TARGET_KINDS)
        out.print(
            f"  targets: {kinds} (typed {typed}/{r.indicators}, {share})", highlight=False, soft_wrap=True
        )
        for what, lines in (("inferred", r.inferred), ("dropped", r.dropped)):
            _print_notes(what, lines)
        total.update(r.targets)
    if len(reports) > 1:
        failed = sum(1 for r in reports if r.error)
        unchanged = sum(1 for r in reports if r.unchanged)
        typed = sum(v for k, v in total.items() if k != "unparsed")
        out.print(
            f"[bold]{len(reports)} files[/]: {len(results)} ingested, {failed} failed"
            + (f", {unchanged} unchanged (skipped)" if unchanged else "")
            + " · projects "
            f"{sum(r.projects for r in results)} · indicators {sum(r.indicators for r in results)} · "
            f"targets typed {typed}/{sum(total.values())}",
            highlight=False,
        )
    for why in SkipReason:
        these = [s.path for s in skipped if s.why is why]
        if these:
            names = ", ".join(shown(p.name) + ("/" if p.is_dir() else "") for p in these[:5])
            names += " …" if len(these) > 5 else ""
            out.print(f"[dim]skipped {len(these)} file(s) that are {why.value}: {names}[/]", highlight=False)
    for r in results:
        for warning in r.warnings:
            problem = f"{shown(r.file_name)}: {shown(warning)}"
            out.print(f"[yellow]warning:[/] {problem}", highlight=False, soft_wrap=True)


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
    indexed = _update_index(store, settings)
    store.close()
    out.print(f"removed {Path(file).name}: {removed} triples")
    if not indexed:
        raise typer.Exit(3)


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    data: DataOption = None,
) -> None:
    """Counts of units, projects, objectives, indicators, targets by type, and triples."""
    store = _open(load_settings(data))
    figures = stats_module.compute(store)
    if as_json:
        store.close()
        sys.stdout.write(json.dumps(figures, ensure_ascii=False) + "\n")
        return
    # Each document's size is counted here, for this listing only: it reads every quad.
    documents = [(d, store.graph_size(d.graph)) for d in store.documents()]
    store.close()
    table = Table(title="jixiao stats")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("units", "projects", "objectives", "indicators"):
        table.add_row(key, str(figures[key]))
    for kind, count in figures["targets"].items():
        table.add_row(f"targets: {kind}", str(count))
    table.add_row("triples", str(figures["triples"]))
    out.print(table)
    for d, size in documents:
        out.print(
            f"  {d.file_name}  [dim]{d.layout}, {size} triples, sha256 {d.sha256[:12]}…[/]",
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
    from api.sparql import uses_service

    settings = load_settings(data)
    # A pasted query may hide a SERVICE that makes this machine fetch a URL: the endpoint's rule
    # (api.sparql, from the SPARQL terminals), the same setting to allow it.
    if uses_service(query) and not settings.sparql_allow_service:
        err.print(
            "[red]error:[/] 不允许 SERVICE（联邦查询会访问其他网址）/ SERVICE (a federated query fetches"
            " URLs) is not allowed; set JIXIAO_SPARQL_ALLOW_SERVICE=1 to allow it",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    store = _open(settings)
    try:
        result = store.query(query)
        text = query_output.render(result, fmt.value, out)
    except (SyntaxError, ValueError) as exc:  # a remote store's 400 is a ValueError too
        err.print(f"[red]error:[/] SPARQL: {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    except StoreError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
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


# --- review (issue 7) ---------------------------------------------------------------------------


@app.command()
def review(
    as_json: Annotated[bool, typer.Option("--json", help="the findings as a JSON list")] = False,
    keep: Annotated[
        bool,
        typer.Option(
            "--store/--no-store", help="keep the findings in the store's review graph (replaced each run)"
        ),
    ] = True,
    data: DataOption = None,
) -> None:
    """Check every project against the review rules (审核) and list the findings per project.

    Findings are not failures: the exit code is 0 whatever is found, 1 only when the review could
    not run (then nothing is stored)."""
    settings = load_settings(data)
    store = _open(settings)
    try:
        store.install_ontology()
        result = run_review(ReviewContext(store, _review_index(settings, store)))
        if keep and not result.errors:
            store.replace_document(review_graph(result, review_graph_iri(settings.base_iri)))
    except (ReviewError, StoreError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        store.close()
    if as_json:
        findings = [finding_json(f, result) for f in result.findings]
        sys.stdout.write(json.dumps(findings, ensure_ascii=False, indent=1) + "\n")
    else:
        print_review(out, result)
        if keep and not result.errors:
            out.print(f"[dim]stored in graph <{review_graph_iri(settings.base_iri)}>[/]", highlight=False)
    for rule, problem in result.errors.items():
        err.print(f"[red]error:[/] rule {rule} failed: {problem}", highlight=False, soft_wrap=True)
    if result.errors:
        raise typer.Exit(1)


def _review_index(settings: Settings, store: Store) -> SearchIndex | None:
    """The search index for the copy-paste rule, or None (that rule is then skipped, with the reason)."""
    try:
        index = load_index(settings)
    except IndexUnavailable:
        return None
    changed, gone = stale_documents(graph_state(store), index)
    if changed or gone:
        err.print(
            "[yellow]warning:[/] the search index does not match the store; the copy-paste rule"
            " reads it as it is (run `jixiao reindex`)",
            highlight=False,
        )
    return index


# --- search (issue 3) ---------------------------------------------------------------------------


def _encoder_factory(settings: Settings) -> Callable[[], Encoder]:
    def load() -> Encoder:
        return load_encoder(settings, progress=lambda message: err.print(message, highlight=False))

    return load


def _update_index(
    store: Store, settings: Settings, changed: set[str] | None = None, full: bool = False
) -> bool:
    """Bring the search index in line with the store; False (with the reason printed) if it failed.

    The store is already written when this runs; a failure here leaves the graph intact and the
    index one step behind, which `jixiao search` reports and `jixiao reindex` repairs.
    """
    with Progress(
        TextColumn("[bold]embed"), BarColumn(), MofNCompleteColumn(), TextColumn("texts"),
        console=err, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("", total=None, visible=False)

        def start(total: int) -> None:
            progress.update(task, total=total, visible=True)

        def advance(count: int) -> None:
            progress.advance(task, count)

        try:
            report = sync(
                store, settings, _encoder_factory(settings),
                changed=changed or set(), full=full, on_start=start, advance=advance,
            )  # fmt: skip
        except (EncoderError, IndexUnavailable, OSError, StoreError) as exc:
            err.print(f"[red]error:[/] search index not updated: {exc}", highlight=False, soft_wrap=True)
            err.print("the graph is stored; run `jixiao reindex` once the problem is fixed", highlight=False)
            return False
    _print_sync(report)
    return True


def _print_sync(report: SyncReport) -> None:
    if not report.changed:
        return
    entries = sum(report.added.values())
    dropped = len(report.removed)
    what = "rebuilt" if report.rebuilt else "updated"
    err.print(
        f"search index {what}: {entries} entries from {len(report.added)} document(s)"
        f" ({report.embedded} distinct texts embedded"
        + (f", {report.cached} from the cache)" if report.cached else ")")
        + (f", {dropped} document(s) dropped" if dropped else ""),
        highlight=False,
    )


def _service(settings: Settings) -> SearchService:
    try:
        return open_service(settings, _encoder_factory(settings))
    except IndexUnavailable as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _warn_if_stale(settings: Settings, service: SearchService) -> None:
    store = _open(settings)
    try:
        changed, gone = stale_documents(graph_state(store), service.index)
    finally:
        store.close()
    if changed or gone:
        err.print(
            "[yellow]warning:[/] the search index does not match the store (run `jixiao reindex`)",
            highlight=False,
        )


class KindChoice(StrEnum):
    indicator = "indicator"
    objective = "objective"
    project = "project"


class TargetTypeChoice(StrEnum):
    quantitative = "quantitative"
    qualitative = "qualitative"
    date = "date"
    unparsed = "unparsed"


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="words, a sentence or a pasted objective (中文或英文)")],
    kind: Annotated[KindChoice | None, typer.Option(help="only this kind")] = None,
    unit: Annotated[str | None, typer.Option(help="unit or township: code, IRI or part of the name")] = None,
    year: Annotated[int | None, typer.Option(help="fiscal year")] = None,
    level1: Annotated[str | None, typer.Option(help="一级指标, e.g. 产出指标 or output")] = None,
    level2: Annotated[str | None, typer.Option(help="二级指标, e.g. 数量指标 or quantity")] = None,
    target_type: Annotated[TargetTypeChoice | None, typer.Option(help="target type")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="number of hits")] = 10,
    per_project: Annotated[
        int | None, typer.Option(min=0, help="hits per project (0: no cap; default from settings, 3)")
    ] = None,
    mode: Annotated[Mode, typer.Option(help="hybrid, dense (embeddings) or lexical (BM25)")] = Mode.HYBRID,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON list of hits")] = False,
    data: DataOption = None,
) -> None:
    """Find indicators, objectives and projects that mean the same as QUERY, in any township."""
    settings = load_settings(data)
    service = _service(settings)
    _warn_if_stale(settings, service)
    filters = Filters(
        kind=Kind(kind.value) if kind else None,
        unit=unit,
        year=year,
        level1=level1,
        level2=level2,
        target_type=target_type.value if target_type else None,
    )
    try:
        result = service.search(query, filters, limit=limit, mode=mode, per_project=per_project)
    except (QueryError, EncoderError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    _print_hits(result.hits, as_json)


@app.command()
def similar(
    iri: Annotated[str, typer.Argument(help="an indicator, objective or project IRI")],
    limit: Annotated[int, typer.Option(min=1, max=500, help="number of hits")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON list of hits")] = False,
    data: DataOption = None,
) -> None:
    """What other townships wrote for the same thing: the nearest entries in other units."""
    settings = load_settings(data)
    service = _service(settings)
    try:
        hits = service.similar(iri.strip().strip("<>"), limit=limit)
    except QueryError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    _print_hits(hits, as_json)


@app.command()
def reindex(data: DataOption = None) -> None:
    """Rebuild the search index from the store (after changing the model or tokenizer settings)."""
    settings = load_settings(data)
    store = _open(settings)
    ok = _update_index(store, settings, full=True)
    store.close()
    if not ok:
        raise typer.Exit(3)


@app.command()
def check(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="fix what is found: drop incomplete graphs, bring the index in line with the store,"
            " cut the embedding cache's torn tail",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="what was found (and repaired) as JSON")] = False,
    data: DataOption = None,
) -> None:
    """Check that the store, the search index and the embedding cache agree (after a crash or a kill).

    Exit 0 when they do (or --repair made them), 1 when problems remain."""
    settings = load_settings(data)
    store, found = checks.open_checked(settings)
    after, repaired = found, []
    if store is not None:
        try:
            found = after = checks.inspect(store, settings)
            if repair and not found.consistent:
                repaired = checks.repair(
                    store, settings, found, lambda full: _update_index(store, settings, full=full)
                )
                after = checks.inspect(store, settings)
        finally:
            store.close()
    if as_json:
        payload = {"found": found.to_json(), "repaired": repaired, "consistent": after.consistent}
        if repair:
            payload["after"] = after.to_json()
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    else:
        _print_check(found, repaired, after, repair)
    if not after.consistent:
        raise typer.Exit(1)


def _hint_interrupted(store: Store, settings: Settings) -> None:
    """At the start of an ingest: say so when an earlier run was cut short (cheap checks only)."""
    if isinstance(store, ListsGraphs):  # a remote store would be scanned for its graph names
        hint = checks.ingest_hint(store, settings)
        if hint:
            err.print(f"[yellow]note:[/] {hint}", highlight=False, soft_wrap=True)


def _print_check(
    found: checks.CheckReport, repaired: list[str], after: checks.CheckReport, repair: bool
) -> None:
    for problem in found.problems:
        out.print(f"[red]problem[/] {problem.kind.value}: {problem.line()}", highlight=False, soft_wrap=True)
    for line in repaired:
        out.print(f"[green]repaired[/] {line}", highlight=False, soft_wrap=True)
    if repair:
        for problem in after.problems:
            out.print(
                f"[red]remains[/] {problem.kind.value}: {problem.line()}", highlight=False, soft_wrap=True
            )
    if after.kinds() & checks.FATAL:
        return
    indexed = "no search index" if after.indexed is None else f"{after.indexed} in the search index"
    counts = f"{after.documents} documents, {indexed}, {after.cached} cached vectors"
    if after.consistent:
        out.print(f"[green]consistent[/]: {counts}", highlight=False, soft_wrap=True)
    elif not repair:
        out.print(
            f"{len(after.problems)} problem(s): {counts}; `jixiao check --repair` fixes them",
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def draft(
    name: Annotated[str, typer.Option("--name", help="项目名称 of the new project")],
    objective: Annotated[str, typer.Option(help="its objective (绩效目标), if written")] = "",
    amount: Annotated[float | None, typer.Option(min=0, help="预算数 in 万元")] = None,
    unit: Annotated[
        str | None, typer.Option(help="your unit or township: its own projects are not used")
    ] = None,
    year: Annotated[int | None, typer.Option(help="fiscal year")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the whole draft as JSON")] = False,
    xlsx: Annotated[
        Path | None,
        typer.Option("--xlsx", help="write the proposed table as the budget system's target form (XLSX)"),
    ] = None,
    ttl: Annotated[
        Path | None, typer.Option("--ttl", help="write the proposed table as RDF (Turtle), marked as a draft")
    ] = None,
    data: DataOption = None,
) -> None:
    """Draft a target table for a new project from what similar projects elsewhere set (起草)."""
    settings = load_settings(data)
    service = _service(settings)
    if not name.strip():
        err.print("[red]error:[/] --name is empty", highlight=False)
        raise typer.Exit(2)
    try:
        drafted = Drafter(service).draft(DraftRequest(name.strip(), objective.strip(), amount, unit, year))
    except (QueryError, EncoderError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(drafted.to_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        _print_draft(drafted)
    _write_draft_files(drafted, xlsx, ttl, settings.base_iri)


def _write_draft_files(drafted: Draft, xlsx: Path | None, ttl: Path | None, base_iri: str) -> None:
    """The proposed table (each slot's first candidate) as files; where they went goes to stderr."""
    table = default_table(drafted)
    try:
        if xlsx is not None:
            xlsx.write_bytes(draft_xlsx(table))
            err.print(
                f"wrote {xlsx} (XLSX, 项目支出绩效目标表, {len(table.rows)} indicators)", highlight=False
            )
        if ttl is not None:
            ttl.write_text(draft_turtle(table, base_iri), encoding="utf-8")
            err.print(f"wrote {ttl} (Turtle, marked as a draft)", highlight=False)
    except OSError as exc:
        err.print(f"[red]error:[/] cannot write: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


# The drafting judgement (issue 20), in the words the 起草 page uses.
_DRAFT_MATCH = {
    "close": "[green]有相近的前例 / close precedents[/]",
    "related": "[yellow]没有相近的前例，以下是相关的 / no close precedent, related ones[/]",
    "none": "[yellow]没有找到相近的前例：从标准框架开始 / no close precedent: the standard frame[/]",
}
_MATCH_WORD = {"close": "相近", "related": "相关", "none": "不相近"}


def _print_draft(drafted: Draft) -> None:
    for warning in drafted.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    verdict = _DRAFT_MATCH.get(drafted.match.value if drafted.match else "", "")
    out.print(f"[bold]前例 precedents[/]  {verdict}", highlight=False)
    for p in drafted.precedents:
        township = p.project.township.label if p.project.township else ""
        words = "、".join(p.shared_words[:6])
        judged = f" · {_MATCH_WORD[p.match.value]}" if p.match else ""
        out.print(
            f" {p.rank}. {p.project.label}  [dim]{township} · 共同词 {words}{judged}[/]", highlight=False
        )
    if drafted.objective:
        out.print(f"\n[bold]年度总体目标（草稿）[/] {drafted.objective}", highlight=False, soft_wrap=True)
    out.print("\n[bold]建议指标 proposed indicators[/]")
    for slot in drafted.slots:
        level2 = slot.level2.label if slot.level2 else slot.label
        head = f"{slot.level1.label} › {level2}"
        if slot.missing:
            out.print(f" {head}: [red]前例中没有 — 请自行补充[/]", highlight=False)
            continue
        out.print(f" {head}", highlight=False)
        for c in slot.candidates[:3]:
            value = c.suggestion.raw if c.suggestion else ""
            used = len({e.precedent for e in c.evidence})
            adapted = " [yellow](换算)[/]" if c.suggestion and c.suggestion.adaptation else ""
            out.print(f"   - {c.label}  [bold]{value}[/]{adapted}  [dim]{used} 个前例[/]", highlight=False)


# --- service (issue 4) --------------------------------------------------------------------------


def bundled_samples() -> list[Path]:
    """The two sample tables shipped in the package (jixiao/samples: in a checkout a link to
    samples/); empty if they are not there."""
    folder = Path(__file__).resolve().parent / "samples"
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


@app.command()
def samples() -> None:
    """Where the two bundled sample tables are (a folder; `jixiao ingest` that folder to try jixiao)."""
    found = bundled_samples()
    if not found:
        err.print("[red]error:[/] no bundled samples in this installation", highlight=False)
        raise typer.Exit(1)
    out.print(str(found[0].parent), highlight=False, soft_wrap=True)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="address to listen on (default 127.0.0.1; env JIXIAO_HOST)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="port (default 8000; env JIXIAO_PORT)")] = None,
    data: DataOption = None,
) -> None:
    """The web pages (搜索, 项目, 指标, SPARQL), the JSON API and the SPARQL endpoint."""
    from api.app import create_app, run_server

    settings = load_settings(data)
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = settings.model_copy(update=overrides)
    store = _open(settings)
    empty = not store.documents()
    store.close()
    if empty:
        samples = bundled_samples()
        if not samples:
            err.print("[yellow]warning:[/] the data directory is empty and no bundled samples were found")
        else:
            err.print(
                f"数据目录为空，先导入自带样例 / the data directory {settings.data} is empty:"
                f" ingesting the {len(samples)} bundled sample tables first",
                highlight=False,
            )
            ingest(samples, layout=None, index=True, data=settings.data)
    err.print("loading the search model… / 正在加载模型", highlight=False)
    application = create_app(settings, encoder=_encoder_factory(settings), preload_model=True)
    out.print(
        f"jixiao: http://{settings.host}:{settings.port}/  (SPARQL: /sparql, API docs: /docs)",
        highlight=False,
    )
    # Where it listens, for the hint `jixiao ingest` gives while it holds the store; removed as it stops.
    upload_client.record_server(settings.data, settings.host, settings.port)
    data_dir = settings.data
    run_server(
        application, settings, on_stop=lambda: upload_client.forget_server(data_dir)
    )  # SIGTERM stops it within seconds (SHUTDOWN_GRACE)


def _print_hits(hits: list[Hit], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps([hit.to_json() for hit in hits], ensure_ascii=False, indent=1) + "\n")
        return
    if not hits:
        out.print("no hits / 没有找到")
        return
    for number, hit in enumerate(hits, 1):
        e = hit.entry
        category = "/".join(ref.label for ref in (e.level1, e.level2) if ref)
        target = f"  [bold]{e.target.raw}[/]" if e.target else ""
        out.print(f"{number:>2}. [cyan]{e.kind.value}[/] {e.label}{target}", highlight=False, soft_wrap=True)
        where = [
            e.township.label if e.township else "",
            e.project.label if e.project and e.kind != Kind.PROJECT else "",
        ]
        where.append(category)
        if hit.duplicates:
            where.append(f"+{len(hit.duplicates)} identical in other projects")
        out.print(
            "    [dim]" + " · ".join(part for part in where if part) + f"  score {hit.score:.4f}[/]",
            highlight=False,
        )
        out.print(f"    [dim]{e.iri}[/]", highlight=False, soft_wrap=True)
