"""`jixiao search` and `jixiao similar` (issue 3)."""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from typing import Annotated

import typer
from pydantic import BaseModel

from api.contracts import SearchResults, SimilarResults, ids_for
from jixiao.cli.common import (
    DataOption,
    err,
    load_settings,
    open_store_or_exit,
    out,
    searcher,
)
from jixiao.settings import Settings
from search.backend import Searcher
from search.encoder import EncoderError
from search.entries import Kind
from search.match import Match
from search.service import Filters, Hit, Mode, QueryError
from search.sync import graph_state, stale_documents


class KindChoice(StrEnum):
    indicator = "indicator"
    objective = "objective"
    project = "project"


class TargetTypeChoice(StrEnum):
    quantitative = "quantitative"
    qualitative = "qualitative"
    date = "date"
    unparsed = "unparsed"


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
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="the answer as JSON, GET /api/search's shape (api.contracts.SearchResults):"
            " {query, match, total, hits, warnings, took_ms}",
        ),
    ] = False,
    data: DataOption = None,
) -> None:
    """Find indicators, objectives and projects that mean the same as QUERY, in any township."""
    started = time.perf_counter()
    settings = load_settings(data)
    service = searcher(settings)
    stale = _stale_warnings(settings, service)
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
    for warning in [*stale, *result.warnings]:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if as_json:
        took_ms = 1000 * (time.perf_counter() - started)
        _write_json(SearchResults.of(query, result, ids_for(settings.base_iri), stale, took_ms))
        return
    _print_match(result.match, result.total, result.hits)
    _print_hits(result.hits)


def similar(
    iri: Annotated[str, typer.Argument(help="an indicator, objective or project IRI")],
    limit: Annotated[int, typer.Option(min=1, max=500, help="number of hits")] = 10,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="the answer as JSON, GET /api/similar's shape (api.contracts.SimilarResults):"
            " {of, hits, warnings}",
        ),
    ] = False,
    data: DataOption = None,
) -> None:
    """What other townships wrote for the same thing: the nearest entries in other units."""
    settings = load_settings(data)
    service = searcher(settings)
    iri = iri.strip().strip("<>")
    try:
        hits = service.similar(iri, limit=limit)
    except QueryError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if not as_json:
        _print_hits(hits)
        return
    entry = service.entry_of(iri)
    if entry is None:  # similar() refuses such an IRI already; a backend that does not is refused here
        err.print(f"[red]error:[/] {iri}: not in the search index", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    _write_json(SimilarResults.near(Hit(entry, 1.0), hits, ids_for(settings.base_iri), []))


def _stale_warnings(settings: Settings, service: Searcher) -> list[str]:
    """The API's warning (api/resources.py) when the index was built from another state of the store."""
    store = open_store_or_exit(settings)
    try:
        changed, gone = stale_documents(graph_state(store), service.documents)
    finally:
        store.close()
    if changed or gone:
        return ["the search index does not match the store: run `jixiao reindex`"]
    return []


def _write_json(answer: BaseModel) -> None:
    """An answer as the API gives it: the route's model, dumped the same way (one schema for both)."""
    sys.stdout.write(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n")


# The answer as a whole (search/match.py), in the page's words (api/static/search.js).
MATCH_LINES = {
    Match.CLOSE: "[green]相近结果 / close matches[/]: {total} 条相近或相关 (close or related)",
    Match.RELATED: "[yellow]没有找到相近的指标或项目，以下是相关结果 / nothing close, related ones[/]:"
    " {total} 条相关 (related)",
    Match.NONE: "[yellow]没有找到相近的指标或项目 / nothing close[/]: the hits below share little with it",
}
HIT_MARKS = {Match.CLOSE: "[green]相近[/] ", Match.RELATED: "[yellow]相关[/] ", Match.NONE: "[dim]无关[/] "}


def _print_match(match: Match, total: int, hits: list[Hit]) -> None:
    """Say first whether anything close was found (not when nothing was judged: no calibration)."""
    if any(hit.match is not None for hit in hits):
        out.print(MATCH_LINES[match].format(total=total), highlight=False)


def _print_hits(hits: list[Hit]) -> None:
    if not hits:
        out.print("no hits / 没有找到")
        return
    for number, hit in enumerate(hits, 1):
        e = hit.entry
        category = "/".join(ref.label for ref in (e.level1, e.level2) if ref)
        target = f"  [bold]{e.target.raw}[/]" if e.target else ""
        mark = HIT_MARKS[hit.match] if hit.match is not None else ""
        out.print(
            f"{number:>2}. {mark}[cyan]{e.kind.value}[/] {e.label}{target}", highlight=False, soft_wrap=True
        )
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
