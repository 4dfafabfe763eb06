"""`jixiao ingest` (documents into the store, one named graph each) and `jixiao remove`."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from api import ingest_report
from api.contracts import IngestReport, ids_for
from ingest.bulk import BulkLoader
from ingest.decode import IngestError
from ingest.iri import IriMinter
from ingest.limits import DEFAULT_LIMITS, IngestLimits, limits_from
from ingest.pipeline import TARGET_KINDS, IngestResult, ingest_file
from jixiao import check as checks
from jixiao import upload_client
from jixiao.cli.common import (
    DataOption,
    err,
    load_settings,
    open_store_or_exit,
    out,
    update_index,
)
from jixiao.settings import Settings
from jixiao.store import Store, StoreError
from jixiao.store_interface import BulkLoading, ListsGraphs
from jixiao.terminal import shown

# What a directory is searched for. Anything else in it is listed as skipped; a file named
# on the command line is always tried, whatever its name (the format is sniffed from bytes).
TABLE_SUFFIXES = frozenset(
    {".txt", ".csv", ".tsv", ".xlsx", ".docx", ".pdf", ".xls", ".doc", ".html", ".htm", ".mhtml", ".mht"}
)


class SkipReason(StrEnum):
    NOT_A_TABLE = "not tables"
    HIDDEN = 'hidden (the name starts with ".")'
    LOCK_FILE = "Office lock files (~$…, left by an open Excel or Word)"

    @property
    def short(self) -> str:
        """As an upload's report says it (SkippedFile.skipped): "not a table", "hidden", …"""
        return _SHORT[self]


_SHORT = {
    SkipReason.NOT_A_TABLE: "not a table",
    SkipReason.HIDDEN: "hidden",
    SkipReason.LOCK_FILE: "an Office lock file",
}


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
            help="for large loads: new files through the store's bulk loader in batches (a SPARQL"
            " server's --store: chunked updates), files stored unchanged skipped (rerun to resume a"
            " load cut short)",
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
        if bulk:  # the server reads each file as an upload; its store's bulk loader is not reachable
            err.print(
                "[red]error:[/] --bulk and --server together: a server ingests each file as an upload"
                " (no bulk loader); drop --bulk, or stop the server and ingest with --bulk",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(2)
        _ingest_on_server(server, inputs, skipped, settings, as_json)
        return
    limits = limits_from(settings)
    store = open_store_or_exit(settings)
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
        indexed = update_index(store, settings, changed=written)
    if as_json:
        stages = loader.seconds.as_dict() if loader is not None else None
        try:
            answer = _json_report(reports, skipped, store, minter, settings, indexed, stages)
        finally:
            store.close()
        _write_json(answer)
    else:
        store.close()
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
        reports, warnings = upload_client.send(server, inputs, token)
    except upload_client.UploadError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        # Each file as the server names it: as sent (its name), a .zip's members as archive/member.
        files = [*reports, *(_skipped(s) for s in skipped)]
        _write_json(_summed(files, warnings, None))
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
    for warning in warnings:
        err.print(f"[yellow]warning:[/] {escape(shown(warning))}", highlight=False, soft_wrap=True)
    if any(r.get("error") for r in reports):
        raise typer.Exit(2)


@dataclass
class FileReport:
    path: Path
    result: IngestResult | None = None
    error: str | None = None
    unchanged: bool = False  # --bulk: stored before with the same bytes, skipped


def _bulk_loader(store: Store, minter: IriMinter, layout: str | None, limits: IngestLimits) -> BulkLoader:
    # Both backends bulk load (the embedded store through Oxigraph's bulk loader, a SPARQL server
    # through chunked updates, issue 21); a store without the capability is refused before any write.
    if not isinstance(store, BulkLoading):
        err.print(
            f"[red]error:[/] --bulk: this store ({type(store).__name__}) has no bulk loader;"
            " ingest without --bulk",
            highlight=False,
        )
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


def _json_report(
    reports: list[FileReport],
    skipped: list[Skipped],
    store: Store,
    minter: IriMinter,
    settings: Settings,
    indexed: bool,
    stages: dict[str, float] | None,
) -> IngestReport:
    """The upload's report per file (api.contracts), for files read here."""
    ids = ids_for(settings.base_iri)
    graphs = {r.path: str(minter.source_document(r.path.name)) for r in reports if not r.error}
    links = ingest_report.project_links(store, ids, [graphs[r.path] for r in reports if r.result])
    files: list[dict[str, object]] = []
    for r in reports:
        file, name = str(r.path), r.path.name
        if r.error is not None:
            files.append(ingest_report.failed(file, name, r.error))
        elif r.unchanged:
            graph = graphs[r.path]
            files.append(
                {
                    "file": file,
                    "name": name,
                    "id": ids.id(graph),
                    "stored": False,
                    "unchanged": True,
                    "error": None,
                }
            )
        elif r.result is not None:
            graph = graphs[r.path]
            files.append(ingest_report.stored(file, name, ids.id(graph), r.result, links.get(graph, [])))
    files.extend(_skipped(s) for s in skipped)
    warnings = [] if indexed else ["the search index was not updated: run `jixiao reindex`"]
    return _summed(files, warnings, stages)


def _skipped(skip: Skipped) -> dict[str, object]:
    return ingest_report.skipped(str(skip.path), skip.path.name, skip.why.short)


def _summed(
    files: list[dict[str, object]], warnings: list[str], stages: dict[str, float] | None
) -> IngestReport:
    return IngestReport.model_validate(
        {
            "files": files,
            "stored": sum(1 for f in files if f.get("stored")),
            "failed": sum(1 for f in files if f.get("error")),
            "unchanged": sum(1 for f in files if f.get("unchanged")),
            "skipped": sum(1 for f in files if f.get("skipped")),
            "warnings": warnings,
            "stages": stages,
        }
    )


def _write_json(report: IngestReport) -> None:
    # exclude_unset: a failed file's `exists` only when true, as the upload route gives it
    payload = report.model_dump(mode="json", exclude_unset=True)
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


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


def _hint_interrupted(store: Store, settings: Settings) -> None:
    """At the start of an ingest: say so when an earlier run was cut short (cheap checks only)."""
    if isinstance(store, ListsGraphs):  # a remote store would be scanned for its graph names
        hint = checks.ingest_hint(store, settings)
        if hint:
            err.print(f"[yellow]note:[/] {hint}", highlight=False, soft_wrap=True)


def remove(
    file: Annotated[str, typer.Argument(help="the document's file name or path")],
    data: DataOption = None,
) -> None:
    """Remove a document's named graph (everything ingested from it)."""
    settings = load_settings(data)
    store = open_store_or_exit(settings)
    graph = IriMinter(settings.base_iri).source_document(Path(file).name)
    if not store.has_document(graph):
        store.close()
        err.print(f"[red]error:[/] {Path(file).name}: not in the store (see `jixiao stats`)")
        raise typer.Exit(1)
    removed = store.remove_document(graph)
    indexed = update_index(store, settings)
    store.close()
    out.print(f"removed {Path(file).name}: {removed} triples")
    if not indexed:
        raise typer.Exit(3)
