"""The JSON API under /api/: search, similar, one project or indicator, units, categories, examples."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field, ValidationError, field_validator

from api.catalogue import NotFound
from api.contracts import (
    CategoryNode,
    DeletedDraft,
    DraftProposal,
    DraftReview,
    Examples,
    IndicatorPage,
    ProjectPage,
    SavedDraft,
    SavedDraftRef,
    SavedDrafts,
    SearchResults,
    SimilarResults,
    Unit,
)
from api.http_guards import cross_origin_write
from api.resources import Resources, resources, search_service, searcher
from jixiao.drafting.draft import Drafter, DraftRequest, DraftTable
from jixiao.drafting.export import TURTLE_MEDIA_TYPE, XLSX_MEDIA_TYPE, attachment, draft_turtle, draft_xlsx
from jixiao.drafting.review import review_json
from jixiao.drafting.saved import DraftStore, UnknownDraft
from ontology import PREFIXES
from ontology.cookbook import cookbook
from search.backend import Searcher
from search.entries import Kind
from search.service import MAX_QUERY_CHARS, Filters, Hit, Mode, QueryError, SearchService

router = APIRouter(prefix="/api", tags=["api"])

Held = Annotated[Resources, Depends(resources)]
Service = Annotated[SearchService, Depends(search_service)]
Finder = Annotated[Searcher, Depends(searcher)]  # search and similar: either backend (search.backend)


@router.get(
    "/search",
    summary="Search indicators, objectives and projects (hybrid: embeddings + BM25)",
    response_model=SearchResults,
)
def search(
    held: Held,
    service: Finder,
    q: Annotated[str, Query(min_length=1, max_length=4 * MAX_QUERY_CHARS, description="words or a sentence")],
    kind: Kind | None = None,
    unit: Annotated[
        str | None, Query(max_length=200, description="unit or township: code, IRI or name")
    ] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    level1: Annotated[str | None, Query(max_length=50, description="一级指标, e.g. 产出指标")] = None,
    level2: Annotated[str | None, Query(max_length=50, description="二级指标, e.g. 数量指标")] = None,
    target_type: Annotated[str | None, Query(pattern="^(quantitative|qualitative|date|unparsed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    per_project: Annotated[int | None, Query(ge=0, le=100)] = None,
    mode: Mode = Mode.HYBRID,
) -> SearchResults:
    started = time.perf_counter()
    if unit and unit.startswith("unit/"):  # an id from /api/units
        unit = held.catalogue.ids.iri(unit)
    filters = Filters(kind=kind, unit=unit, year=year, level1=level1, level2=level2, target_type=target_type)
    with held.search_slots:
        result = service.search(q, filters, limit=limit, mode=mode, per_project=per_project)
    took_ms = 1000 * (time.perf_counter() - started)
    return SearchResults.of(q, result, held.catalogue.ids, held.search_warnings(), took_ms)


@router.get(
    "/similar",
    summary="The same kind of entry in other townships, nearest first",
    response_model=SimilarResults,
)
def similar(
    held: Held,
    service: Finder,
    id: Annotated[str, Query(min_length=1, max_length=2000, description="an id or IRI")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> SimilarResults:
    iri = held.catalogue.ids.iri(id)
    entry = service.entry_of(iri)
    if entry is None:
        raise NotFound(f"{id}: not in the search index (an indicator, objective or project id)")
    hits = service.similar(iri, limit=limit)
    return SimilarResults.near(Hit(entry, 1.0), hits, held.catalogue.ids, held.search_warnings())


@router.get(
    "/projects/{id:path}",
    summary="A project with its objectives and indicator tree",
    response_model=ProjectPage,
)
def project(held: Held, id: str) -> dict[str, Any]:
    return held.catalogue.project(id)


@router.get(
    "/indicators/{id:path}",
    summary="An indicator with its target, category path and project",
    response_model=IndicatorPage,
)
def indicator(held: Held, id: str) -> dict[str, Any]:
    return held.catalogue.indicator(id)


@router.get(
    "/units", summary="Budget units (townships and their departments) with counts", response_model=list[Unit]
)
def units(held: Held) -> list[dict[str, Any]]:
    return held.catalogue.units()


@router.get(
    "/categories",
    summary="The indicator category tree (SKOS) with indicator counts",
    response_model=list[CategoryNode],
)
def categories(held: Held) -> list[dict[str, Any]]:
    return held.catalogue.categories()


@router.get(
    "/examples",
    summary="Example SPARQL queries (the cookbook) and the prefixes to start from",
    response_model=Examples,
)
def examples() -> dict[str, Any]:
    return {
        "prefixes": PREFIXES,
        "queries": [
            {
                "name": q.name,
                "title": q.title,
                "title_en": q.title_en,
                "description": q.description,
                "text": q.text,
            }
            for q in cookbook()
        ],
    }


# Not blank, in the schema too: a character that is not whitespace as Python's str.strip() sees it
# (the validators below), spelled out because regex dialects disagree on `\s`.
NOT_BLANK = "[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


class DraftInput(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK, description="项目名称 (required)")
    objective: str = Field(default="", max_length=2000, description="绩效目标 text, optional")
    amount: float | None = Field(default=None, ge=0, le=1e8, strict=True, description="预算数 in 万元")
    unit: str | None = Field(
        default=None, max_length=200, description="your unit or township: its own projects are not used"
    )
    year: int | None = Field(default=None, ge=1900, le=2200)


@router.post(
    "/draft", summary="Draft a target table from precedents (起草绩效目标)", response_model=DraftProposal
)
def draft(held: Held, service: Service, body: DraftInput) -> DraftProposal:
    if not body.name.strip():
        raise QueryError("a project name is needed / 请填写项目名称")
    request = DraftRequest(body.name.strip(), body.objective.strip(), body.amount, body.unit, body.year)
    with held.search_slots:
        drafted = Drafter(service).draft(request)
    return DraftProposal.of(drafted, held.catalogue.ids, held.search_warnings())


# --- export of an accepted draft ---------------------------------------------------------------

# What Turtle can write between < and > (IRIREF): no control character or space, none of <>"{}|^`\.
# Spelled out, not `\s`: regex dialects disagree on what \s is (Python's has \x1c-\x1f and \x85,
# ECMA's, the schema's, has neither), and schemathesis then sends what the route refuses.
_IRI = r"^https?://[^\x00-\x20<>\"{}|\\^`]+$"


class SourceInput(BaseModel):
    """A precedent indicator by name (the 前例 sheet names projects and townships, not IRIs)."""

    indicator: str = Field(max_length=2000, description="the precedent indicator's IRI")
    project: str | None = Field(default=None, max_length=500, description="its project's name")
    township: str | None = Field(default=None, max_length=500)
    label: str | None = Field(default=None, max_length=500, description="the indicator's name")
    target: str | None = Field(default=None, max_length=500, description="its value as written")


class DraftRowInput(BaseModel):
    level1: str = Field(
        min_length=1, max_length=100, pattern=NOT_BLANK, description="一级指标, e.g. 产出指标"
    )
    level2: str = Field(max_length=100, description="二级指标, e.g. 数量指标 (may be empty)")
    label: str = Field(min_length=1, max_length=500, pattern=NOT_BLANK, description="三级指标")
    raw: str = Field(max_length=500, description="指标值 as it will be filed, e.g. ≥95% (may be empty)")
    comparator: Literal["≥", "＞", "＝", "＜", "≤"] | None = None
    number: float | None = Field(default=None, allow_inf_nan=False, strict=True)  # strict: not `false`
    unit: str | None = Field(default=None, max_length=50)
    precedents: list[Annotated[str, Field(max_length=2000, pattern=_IRI)]] = Field(
        default_factory=list, max_length=200, description="the precedent indicators' IRIs"
    )
    adaptation: str | None = Field(default=None, max_length=2000)
    weight: float | None = Field(
        default=None, ge=0, le=100, allow_inf_nan=False, strict=True, description="权重 (分值)"
    )
    direction: Literal["正向", "反向", "中性"] | None = Field(
        default=None, description="指标方向性; without it, read from the comparator (≥ 正向, ≤ 反向)"
    )
    generic: bool = Field(default=False, description="a standard-frame indicator, not a precedent's")
    sources: list[SourceInput] = Field(
        default_factory=list, max_length=200, description="the precedents by name; else looked up by IRI"
    )

    @field_validator("level1", "label")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class DraftTableInput(BaseModel):
    """A draft table as /api/draft returns it in "table", possibly edited."""

    name: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK, description="项目名称 (required)")
    objective: str = Field(default="", max_length=5000, description="年度目标")
    amount: float | None = Field(
        default=None, ge=0, le=1e8, allow_inf_nan=False, strict=True, description="预算数 in 万元"
    )
    unit: str | None = Field(default=None, max_length=200, description="单位名称")
    year: int | None = Field(default=None, ge=1900, le=2200)
    rows: list[DraftRowInput] = Field(max_length=500)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a project name is needed / 请填写项目名称")
        return value.strip()


def _name_sources(table: DraftTable, service: SearchService) -> None:
    """Precedents the body names by IRI only get their project, township, name and value from the
    search index (a table from an older page, or written by hand)."""
    index = service.index
    for row in table.rows:
        named = {source.get("indicator") for source in row.sources}
        for iri in row.precedents:
            entry_id = index.by_iri.get(iri)
            if iri in named or entry_id is None:
                continue
            entry = index.entry(entry_id)
            row.sources.append(
                {
                    "indicator": iri,
                    "project": entry.project.label if entry.project else None,
                    "township": entry.township.label if entry.township else None,
                    "label": entry.label,
                    "target": entry.target.raw if entry.target else None,
                }
            )


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    TTL = "ttl"


_EXPORT_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.post(
    "/draft/export",
    summary="A draft table as the budget system's target form (XLSX) or as RDF (Turtle), to download",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: _EXPORT_BINARY, TURTLE_MEDIA_TYPE: _EXPORT_BINARY}}},
)
def draft_export(
    held: Held,
    body: DraftTableInput,
    format: Annotated[
        ExportFormat, Query(description="xlsx: 项目支出绩效目标表 (the budget system's layout); ttl: RDF")
    ] = ExportFormat.XLSX,
) -> Response:
    """The body is the `table` of POST /api/draft, edited or not. The XLSX has one row per
    indicator (单位名称 | 项目名称 | 预算数（万元） | 年度目标 | 一级指标 | 二级指标 | 三级指标 | 指标性质 |
    指标值 | 度量单位 | 权重 | 指标方向性), borders and print setup, and a sheet 前例 naming each row's
    precedents by project and township; the Turtle is the draft under the ontology, minted under
    `draft/` and marked `prov:wasGeneratedBy` a `jx:Drafting`."""
    table = DraftTable.from_json(body.model_dump())
    if held.search is not None:
        _name_sources(table, held.search)
    if format is ExportFormat.XLSX:
        content, media_type = draft_xlsx(table), XLSX_MEDIA_TYPE
    else:
        content, media_type = draft_turtle(table, held.settings.base_iri).encode("utf-8"), TURTLE_MEDIA_TYPE
    headers = {"Content-Disposition": attachment(table.name, format.value)}
    return Response(content, media_type=media_type, headers=headers)


# --- the review of a draft, and drafts saved on the server ----------------------------------------


@router.post(
    "/draft/review",
    summary="The review rules (审核) run on a draft table, before it is exported",
    response_model=DraftReview,
)
def draft_review(held: Held, body: DraftTableInput) -> dict[str, Any]:
    """The body is the `table` of POST /api/draft, edited or not. The findings are those
    `jixiao review` would give the table once filed (missing categories, cost against the amount,
    other years, percentages, satisfaction, placeholders, duplicates), each with the `row` (1-based)
    it is about; `unit-total` and `copy-paste`, which compare with other tables, are not run."""
    return review_json(DraftTable.from_json(body.model_dump()), held.settings.base_iri)


class SavedDraftInput(BaseModel):
    """A draft to save: the request it was drafted from and the table as edited."""

    id: str | None = Field(
        default=None, pattern="^[0-9a-f]{16}$", description="the saved draft to overwrite; none: a new one"
    )
    request: DraftInput
    table: DraftTableInput


DraftId = Annotated[str, PathParam(pattern="^[0-9a-f]{16}$", description="a saved draft's id")]


def _drafts(held: Resources) -> DraftStore:
    return DraftStore.of(held.settings.data)


def _same_origin(request: Request, held: Resources) -> None:
    """Saving and deleting drafts are writes: refused from another site's page, as exports are."""
    reason = cross_origin_write(request.headers, held.settings.write_origins)
    if reason is not None:
        raise HTTPException(403, reason)


@router.get("/drafts", summary="Drafts saved on the server, the latest first", response_model=SavedDrafts)
def drafts(held: Held) -> dict[str, Any]:
    return {"drafts": _drafts(held).list()}


@router.post(
    "/drafts",
    summary="Save a draft on the server (a new one, or over the one with that id)",
    response_model=SavedDraftRef,
)
def save_draft(held: Held, request: Request, body: SavedDraftInput) -> dict[str, Any]:
    _same_origin(request, held)
    try:
        saved = _drafts(held).save(body.request.model_dump(), body.table.model_dump(), body.id)
    except UnknownDraft as exc:
        raise NotFound(str(exc)) from exc
    return {"id": saved["id"], "name": saved["name"], "saved_at": saved["saved_at"]}


@router.get(
    "/drafts/{draft_id}", summary="A saved draft: its request and its table", response_model=SavedDraft
)
def saved_draft(held: Held, draft_id: DraftId) -> SavedDraft:
    try:
        found = _drafts(held).load(draft_id)
    except UnknownDraft as exc:
        raise NotFound(str(exc)) from exc
    try:  # a file edited by hand, or half an old version: said, not a 500 without a word
        return SavedDraft.model_validate(found)
    except ValidationError as exc:
        problem = f"{exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}"
        raise HTTPException(500, f"saved draft {draft_id} cannot be read ({problem})") from None


@router.delete("/drafts/{draft_id}", summary="Delete a saved draft", response_model=DeletedDraft)
def delete_draft(held: Held, request: Request, draft_id: DraftId) -> dict[str, Any]:
    _same_origin(request, held)
    try:
        _drafts(held).delete(draft_id)
    except UnknownDraft as exc:
        raise NotFound(str(exc)) from exc
    return {"deleted": draft_id}
