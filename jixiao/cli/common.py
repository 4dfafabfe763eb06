"""What every command shares: the consoles, the --data option, the global --store option and the
settings it makes, opening the store, and bringing the search index in line with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from jixiao import check as checks
from jixiao import settings as settings_module
from jixiao import upload_client
from jixiao.settings import Settings
from jixiao.store import Store, StoreError, open_store
from search.backend import Searcher
from search.encoder import Encoder, EncoderError, load_encoder
from search.index import IndexUnavailable
from search.service import SearchService
from search.sync import SyncReport, open_searcher, open_service, sync

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


def global_options(
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


def open_store_or_exit(settings: Settings) -> Store:
    try:
        return open_store(settings)
    except StoreError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        if checks._locked(exc):  # a running `jixiao serve` (issue 19)
            hint = upload_client.store_locked_message(upload_client.running_server(settings))
            err.print(escape(hint), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def encoder_factory(settings: Settings) -> Callable[[], Encoder]:
    def load() -> Encoder:
        return load_encoder(settings, progress=lambda message: err.print(message, highlight=False))

    return load


def update_index(
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
                store, settings, encoder_factory(settings),
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


def searcher(settings: Settings) -> Searcher:
    """`jixiao search` / `similar`: the configured backend (JIXIAO_SEARCH_BACKEND; search.backend)."""
    try:
        return open_searcher(settings, encoder_factory(settings))
    except IndexUnavailable as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def search_service(settings: Settings) -> SearchService:
    try:
        return open_service(settings, encoder_factory(settings))
    except IndexUnavailable as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
