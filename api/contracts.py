"""The JSON shapes of the API's answers: one pydantic model per route's 200 response, and the
parts they share. `/docs` and `/openapi.json` show them; the CLI's `--json` writes the same ones.

Every model forbids keys it does not declare (`Record`, from jixiao.review.model): a key a
producer adds without its field here makes the answer fail in the tests (a 500), rather than
being dropped from it silently, which is what a response model does with undeclared keys.
Fields have no defaults, so a key a producer stops giving fails the same way; the one exception
is the upload's per-file report, whose optional keys are absent, not null (see FailedFile).

Numbers read from the graph keep their type (`Number`: an integer stays an integer), and values
the graph may hold in another datatype than the ontology's are typed as the catalogue reads them
(`Literal`: the text itself when it is not a number).
"""

from __future__ import annotations

from typing import Literal as Exactly

from pydantic import Field

from api.catalogue import Ids
from jixiao.drafting.draft import Draft
from jixiao.review.model import FindingRecord, Record, RuleRecord, Severity
from search.entries import Kind
from search.match import Match
from search.service import Hit, SearchResult

Number = int | float
Literal = int | float | str  # a value as the graph stores it: a number, or the text as written

__all__ = ["FindingRecord", "Record", "RuleRecord", "Severity"]


def ids_for(base_iri: str) -> Ids:
    """The ids of a service with this base IRI, as the API makes them (so the CLI's match its)."""
    return Ids(base_iri if base_iri.endswith(("/", "#")) else base_iri + "/")


# --- parts ----------------------------------------------------------------------------------------


class Ref(Record):
    """Something named: a project, a unit, a township, a category."""

    iri: str = Field(description="its IRI")
    label: str = Field(description="its name as written")


class LinkedRef(Ref):
    """Something named that has a page: its id is the IRI minus the service's base IRI."""

    id: str = Field(
        description="the id in the API's URLs (/api/projects/{id}); the IRI when not under the base"
    )


class UnitRef(LinkedRef):
    """A budget unit (or a township, the top of its chain)."""

    code: Literal | None = Field(description="the unit's code (org:identifier), when it has one")


class Source(Record):
    """Where something was read."""

    document: str = Field(description="the source document's IRI (its named graph)")
    file: str | None = Field(description="the file's name")
    line: Literal | None = Field(description="the line of the text it was read from")
    where: str | None = Field(description="the sheet, table or page of a spreadsheet, Word or PDF file")


# --- search and similar ---------------------------------------------------------------------------


class HitTarget(Record):
    raw: str = Field(description="the target value as written, e.g. ≥95%")
    comparator: str | None = Field(description="≥ ＞ ＝ ＜ ≤, or null when the value states none")
    number: Number | None = Field(description="the number in the value")
    unit: str | None = Field(description="the unit of measure, e.g. %, 人, 万元")


class HitEvidence(Record):
    """What the close / related / none judgement rests on (search/match.py)."""

    z: float = Field(description="the cosine in standard deviations above the query's background")
    coverage: float = Field(description="the share of the query's distinctive words the hit contains")
    agreement: float = Field(description="how far the embedding and BM25 rankings agree")


class SearchHit(Record):
    """One indicator, objective or project found."""

    kind: Kind = Field(description="indicator, objective or project")
    iri: str = Field(description="its IRI")
    id: str = Field(description="its id in the API's URLs")
    label: str = Field(description="its text as written")
    score: float = Field(description="the fused ranking score (higher first)")
    project: LinkedRef | None = Field(description="its project; null for a project")
    unit: LinkedRef | None = Field(description="its budget unit")
    township: LinkedRef | None = Field(description="its township")
    year: int | None = Field(description="the fiscal year")
    level1: str | None = Field(description="一级指标 of an indicator")
    level2: str | None = Field(description="二级指标 of an indicator")
    target: HitTarget | None = Field(description="an indicator's target value")
    target_type: str | None = Field(description="quantitative, qualitative, date or unparsed")
    dense: float | None = Field(description="the embedding cosine, when the dense list had it")
    lexical: float | None = Field(description="the BM25 score, when the lexical list had it")
    duplicates: list[str] = Field(description="IRIs of entries with the same text and target in the township")
    amount: Number | None = Field(description="its project's amount in 万元")
    match: Match | None = Field(description="close, related or none; null when not judged")
    matched_words: list[str] = Field(description="the query's words it contains, for highlighting")
    evidence: HitEvidence | None = Field(description="what the judgement rests on")

    @classmethod
    def of(cls, hit: Hit, ids: Ids) -> SearchHit:
        """A hit with the ids of its entry, project, unit and township (the API's and the CLI's)."""
        found = hit.to_json()
        found["id"] = ids.id(found["iri"])
        for key in ("project", "unit", "township"):
            if found[key]:
                found[key]["id"] = ids.id(found[key]["iri"])
        return cls.model_validate(found)


class SearchResults(Record):
    query: str = Field(description="the query as sent")
    match: Match = Field(description="close, related or none: the answer as a whole")
    total: int = Field(description="hits judged close or related, over all candidates")
    hits: list[SearchHit] = Field(description="the best hits, best first")
    warnings: list[str] = Field(description="why the results may be incomplete (a stale index, …)")
    took_ms: float = Field(description="the time the search took, in milliseconds")

    @classmethod
    def of(
        cls, query: str, result: SearchResult, ids: Ids, warnings: list[str], took_ms: float
    ) -> SearchResults:
        """GET /api/search's answer, and `jixiao search --json`'s; `warnings` come before the search's."""
        return cls(
            query=query,
            match=result.match,  # close | related | none: the answer as a whole (search/match.py)
            total=result.total,  # hits judged close or related, over all candidates
            hits=[SearchHit.of(hit, ids) for hit in result.hits],
            warnings=[*warnings, *result.warnings],
            took_ms=round(took_ms, 1),
        )


class SimilarResults(Record):
    of: SearchHit = Field(description="the entry asked about")
    hits: list[SearchHit] = Field(description="the same kind of entry in other townships, nearest first")
    warnings: list[str] = Field(description="why the results may be incomplete")

    @classmethod
    def near(cls, entry: Hit, hits: list[Hit], ids: Ids, warnings: list[str]) -> SimilarResults:
        """GET /api/similar's answer, and `jixiao similar --json`'s."""
        return cls(
            of=SearchHit.of(entry, ids),
            hits=[SearchHit.of(hit, ids) for hit in hits],
            warnings=warnings,
        )


# --- one project, one indicator, the units, the categories, the cookbook -------------------------


class Category(Record):
    iri: str = Field(description="the category's IRI (jxcat:)")
    label: str = Field(description="its Chinese name")


class CatalogueTarget(Record):
    raw: str = Field(description="the value as written")
    type: str | None = Field(description="quantitative, qualitative, date or unparsed")
    comparator: str | None = Field(description="≥ ＞ ＝ ＜ ≤, or the comparator's IRI end when unknown")
    number: Literal | None = Field(description="the number in the value")
    unit: str | None = Field(description="the unit of measure")
    placeholder: bool = Field(description="the value is a placeholder (＊, 待定, …), not a target")


class IndicatorBrief(LinkedRef):
    """An indicator as a project's tree lists it."""

    ordinal: Literal | None = Field(description="its position in the table")
    level1: Category | None = Field(description="一级指标 from the category scheme")
    level2: Category | None = Field(description="二级指标 from the category scheme")
    level1_as_written: str | None = Field(description="一级指标 as the table wrote it")
    level2_as_written: str | None = Field(description="二级指标 as the table wrote it")
    target: CatalogueTarget | None = Field(description="its target value")


class TreeCategory(Record):
    iri: str | None = Field(description="the category's IRI; null for an unclassified group (未分类)")
    label: str = Field(description="its name")


class TreeGroup(Record):
    level2: TreeCategory = Field(description="二级指标")
    indicators: list[IndicatorBrief] = Field(description="its indicators in source order")


class TreeBranch(Record):
    level1: TreeCategory = Field(description="一级指标")
    groups: list[TreeGroup] = Field(description="its 二级指标 with their indicators")


class ProjectObjective(Record):
    iri: str = Field(description="the objective's IRI")
    id: str = Field(description="its id")
    text: str = Field(description="the objective as written")
    ordinal: Literal | None = Field(description="its position among the project's objectives")
    overall: bool = Field(description="the project's overall (年度总体) objective")


class ProjectPage(LinkedRef):
    year: Literal | None = Field(description="the fiscal year")
    amount_yuan: Literal | None = Field(description="the amount in 元")
    amount_wan_yuan: Literal | None = Field(description="the amount in 万元")
    unit: UnitRef | None = Field(description="its budget unit")
    township: UnitRef | None = Field(description="its township")
    attribute: str | None = Field(description="项目属性 (new, continuing, …)")
    period: str | None = Field(description="项目期限")
    implementing_unit: str | None = Field(description="实施单位 as written")
    source: Source | None = Field(description="where it was read")
    objectives: list[ProjectObjective] = Field(description="its objectives, the overall one first")
    indicator_count: int = Field(description="how many indicators it has")
    tree: list[TreeBranch] = Field(description="its indicators, level 1 in the standard order, then level 2")


class IndicatorPage(IndicatorBrief):
    medium_term_target: CatalogueTarget | None = Field(description="中期目标值, when the table has one")
    weight: Literal | None = Field(description="权重 (分值)")
    direction: str | None = Field(description="指标方向性: 正向 or 反向")
    explanation: str | None = Field(description="指标解释")
    project: LinkedRef = Field(description="its project")
    year: Literal | None = Field(description="its project's fiscal year")
    unit: UnitRef | None = Field(description="its project's budget unit")
    township: UnitRef | None = Field(description="its project's township")
    source_text: str | None = Field(description="the source line it was read from")
    source: Source | None = Field(description="where it was read")


class Unit(LinkedRef):
    code: Literal | None = Field(description="the unit's code (org:identifier)")
    parent: LinkedRef | None = Field(description="the unit it belongs to (a township for a department)")
    projects: int = Field(description="its projects")
    indicators: int = Field(description="its projects' indicators")


class CategoryNode(Record):
    iri: str = Field(description="the category's IRI")
    id: str = Field(description="its local name, e.g. quantity")
    label: str = Field(description="its Chinese name")
    label_en: str | None = Field(description="its English name")
    notation: str | None = Field(description="its notation (the order on a target form)")
    indicators: int = Field(description="indicators in it (a level 1 counts its children's too)")
    requirement: str | None = Field(description="the required category it meets (数量指标 …), or null")
    children: list[CategoryNode] = Field(description="its narrower categories")


class CookbookEntry(Record):
    name: str = Field(description="the query's file name without .rq")
    title: str = Field(description="its title in Chinese")
    title_en: str = Field(description="its title in English")
    description: str = Field(description="what it answers and how to read it")
    text: str = Field(description="the SPARQL text")


class Examples(Record):
    prefixes: dict[str, str] = Field(description="prefix -> namespace, for a query's PREFIX lines")
    queries: list[CookbookEntry] = Field(description="the cookbook's queries")


# --- the review ---------------------------------------------------------------------------------


class ReviewedProject(Record):
    iri: str = Field(description="the project's IRI")
    id: str = Field(description="its id")
    label: str = Field(description="its name")
    unit: str = Field(description="its budget unit's name")
    township: str = Field(description="its township")
    year: int | None = Field(description="its fiscal year")
    document: str = Field(description="the file it was read from")


class FindingGroup(Record):
    heading: str = Field(description="township · project, or the unit budget's name")
    township: str | None = Field(description="the township, for the page's filter")
    project: ReviewedProject | None = Field(description="the project; null for a unit budget's findings")
    findings: list[FindingRecord] = Field(description="the findings about it")


class ReviewCounts(Record):
    total: int = Field(description="findings of the whole review (unfiltered)")
    by_severity: dict[str, int] = Field(description="severity -> findings")
    by_rule: dict[str, dict[str, int]] = Field(description="rule id -> severity -> findings")
    projects: int = Field(description="projects with a finding")


class ReviewReport(Record):
    ended_at: str = Field(description="when the review ended (ISO 8601, UTC)")
    rules: list[RuleRecord] = Field(description="the rules run")
    skipped: dict[str, str] = Field(description="rule id -> why it did not run")
    errors: dict[str, str] = Field(description="rule id -> what went wrong")
    counts: ReviewCounts = Field(description="the whole review's counts, whatever the filters")
    shown: int = Field(description="findings the filters kept")
    groups: list[FindingGroup] = Field(description="the kept findings per project")
    warnings: list[str] = Field(description="why a rule may have seen less (a stale index)")


class DraftReviewCounts(Record):
    total: int = Field(description="findings")
    by_severity: dict[str, int] = Field(description="severity -> findings (severities with none left out)")


class DraftReview(Record):
    findings: list[FindingRecord] = Field(description="the findings, each with the table row it is about")
    counts: DraftReviewCounts = Field(description="the findings counted")
    rules: list[RuleRecord] = Field(description="the rules run (those comparing with other tables are not)")


# --- drafting --------------------------------------------------------------------------------------


class DraftRequestRecord(Record):
    name: str = Field(description="项目名称")
    objective: str = Field(description="the drafter's 绩效目标 text (may be empty)")
    amount: Number | None = Field(description="预算数 in 万元")
    unit: str | None = Field(description="the drafter's unit or township")
    year: int | None = Field(description="the fiscal year")


class ObjectiveMatch(Record):
    text: str = Field(description="a precedent objective that matched")
    similarity: float = Field(description="its cosine with the request")


class PrecedentWhy(Record):
    shared_words: list[str] = Field(description="the distinctive words of the name it shares")
    objectives: list[ObjectiveMatch] = Field(description="its objectives that matched")


class PrecedentRecord(Record):
    iri: str = Field(description="the precedent project's IRI")
    id: str = Field(description="its id")
    label: str = Field(description="its name")
    score: float = Field(description="the fused ranking score")
    rank: int = Field(description="its rank, from 1")
    match: Match | None = Field(description="close, related or none; null when nothing is calibrated")
    probability: float | None = Field(
        description="the probability of being close, by the drafting calibration"
    )
    township: Ref | None = Field(description="its township")
    unit: Ref | None = Field(description="its budget unit")
    year: int | None = Field(description="its fiscal year")
    amount: Number | None = Field(description="its amount in 万元")
    why: PrecedentWhy = Field(description="what makes it a precedent")


class DraftObjective(Record):
    text: str | None = Field(
        description="a suggested 年度总体目标, from the precedents or the standard frame"
    )
    draft: bool = Field(description="always true: a suggestion to edit")
    generic: bool = Field(description="the suggestion is the standard frame's, not a precedent's")
    sources: list[str] = Field(description="precedent project IRIs its sentences came from")
    mine: str = Field(description="the drafter's own objective, kept as the table's when given")


class Suggestion(Record):
    comparator: str | None = Field(description="≥ ＞ ＝ ＜ ≤")
    number: Number | None = Field(description="the number")
    unit: str | None = Field(description="the unit of measure")
    raw: str = Field(description="the value as a precedent wrote it, or as adapted")
    adaptation: str | None = Field(description="how it was changed, in words")
    warning: str | None = Field(description="why it needs checking")
    shifted_from: str | None = Field(description="the value before its years were moved to the draft's year")


class ValueCount(Record):
    raw: str = Field(description="a value the precedents set")
    count: int = Field(description="how often")


class EvidenceRecord(Record):
    precedent: str = Field(description="the precedent project's IRI")
    project: str = Field(description="its name")
    township: str | None = Field(description="its township")
    indicator: str = Field(description="the precedent indicator's IRI")
    label: str = Field(description="the indicator as the precedent wrote it")
    target: str = Field(description="its value as written")


class CandidateRecord(Record):
    label: str = Field(description="三级指标")
    level1: Ref = Field(description="一级指标")
    level2: Ref = Field(description="二级指标")
    score: float = Field(description="its ranking score")
    generic: bool = Field(description="from the standard frame, not from a precedent")
    match: Match | None = Field(description="the best judgement among the precedents that filed it")
    precedents: int = Field(description="how many precedents filed it")
    target: Suggestion | None = Field(description="the suggested value")
    values: list[ValueCount] = Field(description="each distinct value the precedents set")
    evidence: list[EvidenceRecord] = Field(description="the precedents' indicators it comes from")


class SlotRecord(Record):
    level1: Ref = Field(description="一级指标")
    level2: Ref | None = Field(description="二级指标")
    label: str = Field(description="the slot's name")
    required: bool = Field(description="a required category")
    requirement: str | None = Field(description="the required category it fills (数量指标 … 满意度指标)")
    missing: bool = Field(description="no candidate at all")
    generic_only: bool = Field(description="only the standard frame's generic indicators")
    note: str | None = Field(description="what the drafter has to do, when the precedents do not fill it")
    candidates: list[CandidateRecord] = Field(description="candidate indicators, best first")


class Coverage(Record):
    required: int = Field(description="required categories")
    filled: int = Field(description="of them, with a candidate")
    missing: list[str] = Field(description="the required categories nothing fills")


class SourceRecord(Record):
    indicator: str | None = Field(description="the precedent indicator's IRI")
    project: str | None = Field(description="its project's name")
    township: str | None = Field(description="its township")
    label: str | None = Field(description="the indicator's name")
    target: str | None = Field(description="its value as written")


class TableRowRecord(Record):
    level1: str = Field(description="一级指标")
    level2: str = Field(description="二级指标 (may be empty)")
    label: str = Field(description="三级指标")
    raw: str = Field(description="指标值 as it will be filed")
    comparator: str | None = Field(description="≥ ＞ ＝ ＜ ≤")
    number: Number | None = Field(description="the number")
    unit: str | None = Field(description="度量单位")
    precedents: list[str] = Field(description="the precedent indicators' IRIs")
    adaptation: str | None = Field(description="how the value was adapted")
    weight: Number | None = Field(description="权重 (分值)")
    direction: str | None = Field(description="指标方向性: 正向, 反向 or 中性")
    generic: bool = Field(description="a standard-frame indicator")
    sources: list[SourceRecord] = Field(description="the precedents by name")


class DraftTableRecord(Record):
    """One drafted project as it will be filed (what POST /api/draft/export takes back)."""

    name: str = Field(description="项目名称")
    objective: str = Field(description="年度目标")
    amount: Number | None = Field(description="预算数 in 万元")
    unit: str | None = Field(description="单位名称")
    year: int | None = Field(description="the fiscal year")
    rows: list[TableRowRecord] = Field(description="the indicators, one row each")


class DraftProposal(Record):
    request: DraftRequestRecord = Field(description="what was asked")
    match: Match | None = Field(description="the precedents as a whole: close, related or none")
    match_note: str | None = Field(description="what the match means for the draft, when nothing is close")
    precedents: list[PrecedentRecord] = Field(description="the precedent projects, best first")
    objective: DraftObjective = Field(description="the objective: a suggestion and the drafter's own")
    slots: list[SlotRecord] = Field(description="the categories with candidate indicators")
    coverage: Coverage = Field(description="the required categories filled")
    generic_categories: list[str] = Field(description="required categories only generic indicators fill")
    warnings: list[str] = Field(description="why the draft may be incomplete")
    table: DraftTableRecord = Field(description="the table a drafter who accepts it all would file")

    @classmethod
    def of(cls, drafted: Draft, ids: Ids, warnings: list[str]) -> DraftProposal:
        """POST /api/draft's answer, and `jixiao draft --json`'s; `warnings` come before the draft's."""
        found = drafted.to_json()
        for precedent in found["precedents"]:
            precedent["id"] = ids.id(precedent["iri"])
        found["warnings"] = [*warnings, *found["warnings"]]
        return cls.model_validate(found)


class SavedDraftSummary(Record):
    id: str = Field(description="the saved draft's id (16 hexadecimal digits)")
    name: str = Field(description="its project name")
    saved_at: str = Field(description="when it was saved (ISO 8601, UTC)")
    year: int | None = Field(description="its fiscal year")
    amount: Number | None = Field(description="its amount in 万元")
    unit: str | None = Field(description="its unit")
    rows: int = Field(description="its table's rows")


class SavedDrafts(Record):
    drafts: list[SavedDraftSummary] = Field(description="the saved drafts, the latest first")


class SavedDraftRef(Record):
    id: str = Field(description="the saved draft's id")
    name: str = Field(description="its project name")
    saved_at: str = Field(description="when it was saved")


class SavedDraft(SavedDraftRef):
    request: DraftRequestRecord = Field(description="what it was drafted from")
    table: DraftTableRecord = Field(description="the table as edited")


class DeletedDraft(Record):
    deleted: str = Field(description="the deleted draft's id")


# --- documents ------------------------------------------------------------------------------------


class ProjectLink(Record):
    id: str = Field(description="the project's id")
    label: str = Field(description="its name")
    unit: str | None = Field(description="its budget unit's name")
    amount_wan: float | None = Field(description="its amount in 万元")


class DocumentListing(Record):
    id: str = Field(description="the document's id (source/<file name>)")
    file: str = Field(description="its file name")
    layout: str = Field(description="the layout it was read as")
    format: str | None = Field(description="its format (an upload's encoding or file type)")
    units: int = Field(description="budget units read")
    projects: int = Field(description="projects read")
    indicators: int = Field(description="indicators read")
    ingested_at: str | None = Field(description="when it was stored")
    sha256: str = Field(description="the file's SHA-256")
    warnings: list[str] = Field(description="what the reader warned about, at upload")


class Documents(Record):
    documents: list[DocumentListing] = Field(description="the stored documents")


class DocumentPage(DocumentListing):
    project_links: list[ProjectLink] = Field(description="its projects")


class UploadProgress(Record):
    active: bool = Field(description="an upload is being read")
    files: int = Field(description="files of the request (a .zip counts once)")
    read: int = Field(description="of them, read")
    reports: int = Field(description="per-file reports so far (members of a .zip each)")
    stored: int = Field(description="stored")
    failed: int = Field(description="failed")
    current: str | None = Field(description="the file being read")
    stage: str = Field(description="idle, reading or indexing")


class StoredFile(Record):
    file: str = Field(description="the file as sent (a .zip member as archive/member)")
    name: str = Field(description="the name it is stored under")
    id: str = Field(description="the document's id")
    stored: Exactly[True] = Field(description="it was stored")
    layout: str = Field(description="the layout it was read as")
    format: str = Field(description="its encoding or file type")
    units: int = Field(description="budget units read")
    projects: int = Field(description="projects read")
    objectives: int = Field(description="objectives read")
    indicators: int = Field(description="indicators read")
    targets: dict[str, int] = Field(description="target kind -> how many")
    warnings: list[str] = Field(description="what the reader warned about")
    inferred: list[str] = Field(description="what the reader inferred rather than read, with lines")
    dropped: list[str] = Field(description="what the reader dropped and why, with lines")
    replaced: bool = Field(description="it replaced a stored document of the same name")
    project_links: list[ProjectLink] = Field(description="its projects")
    error: None = Field(description="always null")


class SkippedFile(Record):
    file: str = Field(description="the file as sent")
    name: str = Field(description="its name")
    id: None = Field(description="always null")
    stored: Exactly[False] = Field(description="it was not stored")
    skipped: str = Field(description="why it was left out (not a table: a folder, a hidden file)")
    error: None = Field(description="always null")


class FailedFile(Record):
    """A file that was not stored. `exists` is there only when a stored document has its name."""

    file: str = Field(description="the file as sent")
    name: str = Field(description="its name")
    id: str | None = Field(description="the stored document of the same name, when there is one")
    stored: Exactly[False] = Field(description="it was not stored")
    error: str = Field(description="why")
    error_zh: str = Field(description="the same in Chinese")
    exists: bool = Field(default=False, description="a document of that name is stored (send replace=true)")


class UploadReport(Record):
    files: list[StoredFile | SkippedFile | FailedFile] = Field(description="one report per file")
    stored: int = Field(description="files stored")
    failed: int = Field(description="files that failed")
    warnings: list[str] = Field(description="what went wrong after storing (the search index)")


class UnchangedFile(Record):
    """`jixiao ingest --bulk`: stored before with the same bytes, so not read again."""

    file: str = Field(description="the file as given")
    name: str = Field(description="its name")
    id: str = Field(description="the stored document's id")
    stored: Exactly[False] = Field(description="not stored again")
    unchanged: Exactly[True] = Field(description="the stored document has these bytes")
    error: None = Field(description="always null")


class IngestReport(Record):
    """`jixiao ingest --json`: the upload's report per file (POST /api/documents' files), whether
    the files were read here or sent to a server (--server), with what the CLI adds."""

    files: list[StoredFile | UnchangedFile | SkippedFile | FailedFile] = Field(
        description="one report per file, in the order read; skipped ones after"
    )
    stored: int = Field(description="files stored")
    failed: int = Field(description="files that failed")
    unchanged: int = Field(description="files skipped as stored unchanged (--bulk)")
    skipped: int = Field(description="files left out without being read")
    warnings: list[str] = Field(description="what went wrong after storing (the search index)")
    stages: dict[str, float] | None = Field(
        description="--bulk: seconds spent reading, building RDF and loading; null otherwise"
    )


class RemovedDocument(Record):
    id: str = Field(description="the removed document's id")
    removed_triples: int = Field(description="triples removed")
    warnings: list[str] = Field(description="what went wrong after removing (the search index)")


# --- the service ----------------------------------------------------------------------------------


class SearchHealth(Record):
    available: bool = Field(description="search can answer")
    problem: str | None = Field(description="why not, when it cannot")
    entries: int = Field(description="entries in the index")
    model: str | None = Field(description="the embedding model the index was built with")
    warnings: list[str] = Field(description="why results may be incomplete (a stale index)")


class QueueState(Record):
    running: int = Field(description="queries running")
    waiting: int = Field(description="queries waiting")
    workers: int = Field(description="worker processes")
    queue: int = Field(description="the most queries that may wait")


class SparqlHealth(Record):
    update: bool = Field(description="SPARQL Update is enabled (a token is set)")
    timeout_s: Number = Field(description="a query's time limit, in seconds")
    max_rows: int = Field(description="the most rows a result gives")
    service: bool = Field(description="SERVICE (federated queries) is allowed")
    queue: QueueState | None = Field(description="the query workers; null when queries run in the server")


class Health(Record):
    status: Exactly["ok"] = Field(description="always ok: the service answers")
    documents: int = Field(description="documents stored")
    quads: int = Field(description="quads stored")
    search: SearchHealth = Field(description="the search index")
    sparql: SparqlHealth = Field(description="the SPARQL endpoint")


class ErrorBody(Record):
    """Every error: a message for people, the status for programs."""

    error: str = Field(description="what went wrong, in English")
    error_zh: str | None = Field(default=None, description="the same in Chinese")
    status: int = Field(description="the HTTP status")
    detail: list[dict[str, object]] | None = Field(
        default=None, description="the validation problems, for 422"
    )


# --- the store as a whole -------------------------------------------------------------------------


class TargetCounts(Record):
    quantitative: int = Field(description="targets with a number (≥95%, 9人)")
    qualitative: int = Field(description="targets in words (提高, 良好)")
    date: int = Field(description="dates, deadlines and periods (2023年12月底)")
    unparsed: int = Field(description="targets kept as written, not typed")


class StoreFigures(Record):
    """`jixiao stats --json`: the store's headline figures over all documents."""

    units: int = Field(description="budget units")
    projects: int = Field(description="projects")
    objectives: int = Field(description="objectives")
    indicators: int = Field(description="indicators")
    targets: TargetCounts = Field(description="target values by type")
    triples: int = Field(
        description="quads in the store, every named graph (the ontology's and the review's too)"
    )


class CheckProblem(Record):
    kind: str = Field(description="what is wrong: incomplete-graph, index-behind, … (jixiao.check.Kind)")
    count: int = Field(description="how many items it concerns (1 for a problem without items)")
    summary: str = Field(description="the problem in a line")
    items: list[str] = Field(description="the graphs, documents or folders it concerns, all of them")


class CheckState(Record):
    consistent: bool = Field(description="the store, the index and the cache agree")
    documents: int = Field(description="documents in the store")
    indexed: int | None = Field(description="documents in the search index; null: no usable index")
    cached_vectors: int = Field(description="vectors in the embedding cache, all models")
    problems: list[CheckProblem] = Field(description="what does not agree")


class CheckResult(Record):
    """`jixiao check --json`: what was found, what --repair did, and the state after it."""

    found: CheckState = Field(description="the state as found")
    repaired: list[str] = Field(description="what --repair did, one line each")
    consistent: bool = Field(description="consistent at the end (after --repair, when asked)")
    after: CheckState | None = Field(description="--repair: the state after it; null otherwise")
