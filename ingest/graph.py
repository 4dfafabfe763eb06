"""Records -> RDF under the jixiao ontology. The only place in the project where triples are built."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV
from rdflib.plugins.serializers.nt import _nt_row

from ingest import categories
from ingest.iri import IriMinter, normalize_key, short_hash
from ingest.records import (
    Assessment,
    BudgetUnit,
    Direction,
    Document,
    Indicator,
    Objective,
    Project,
    ProjectKind,
    Target,
    TargetKind,
    UnitTotal,
)
from ingest.target import parse_target
from jixiao.store_interface import MARKER_PREDICATES, DocumentTriples
from ontology import bind_prefixes
from ontology.namespace import JX, JXCAT, JXCMP, JXFUND, QUDT, UNIT

_KIND_CLASS = {
    TargetKind.QUANTITATIVE: JX.QuantitativeTarget,
    TargetKind.QUALITATIVE: JX.QualitativeTarget,
    TargetKind.DATE: JX.DateTarget,
    TargetKind.UNPARSED: JX.UnparsedTarget,
}
_COMPARATOR = {
    "≥": JXCMP.ge,
    "＞": JXCMP.gt,
    "＝": JXCMP.eq,
    "＜": JXCMP.lt,
    "≤": JXCMP.le,
    "none": JXCMP.none,
}
_FUNDING = {"fiscal": JXFUND.fiscal, "other": JXFUND.other}
# QUDT units only where the mapping is exact; everything else keeps its text in jx:unitText.
_QUDT_UNIT = {"%": UNIT.PERCENT, "平方米": UNIT.M2, "个月": UNIT.MO, "月": UNIT.MO}
_COUNT_UNITS = frozenset(
    [
        "人",
        "人次",
        "次",
        "个",
        "份",
        "户",
        "起",
        "块",
        "条",
        "场",
        "项",
        "名",
        "家",
        "所",
        "期",
        "篇",
        "批",
        "件",
        "本",
        "套",
        "台",
        "辆",
        "处",
        "座",
    ]
)
_YUAN_PER = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
_ZH = "zh"


_DIRECTION = {Direction.POSITIVE: JX.positive, Direction.NEGATIVE: JX.negative}
# A project of another kind is typed jx:Project as well, so that project -> indicator queries see it.
_PROJECT_KIND_CLASS = {ProjectKind.UNIT: JX.UnitPerformanceTargets, ProjectKind.TRANSFER: JX.TransferProject}


@dataclass(frozen=True)
class SourceInfo:
    file_name: str
    sha256: str
    layout: str
    ingested_at: datetime
    # line -> where a person finds it ("sheet '项目' row 7", "page 2 table 1 row 4"), for
    # formats whose lines are not text lines; labels the source locations
    locations: dict[int, str] = field(default_factory=dict)


def decimal_literal(value: Decimal) -> Literal:
    # XSD canonical form ("1.7", "10.0": a point with a digit either side, no spare zeros), so
    # "1.70" and "1.7" are one literal, re-ingesting a reformatted file changes nothing, and
    # Turtle and Oxigraph write back exactly what was built.
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0")
    else:
        text += "."
    if text.endswith("."):
        text += "0"
    if text.startswith("-") and text.lstrip("-0.") == "":
        text = text[1:]  # no negative zero
    return Literal(text, datatype=XSD.decimal)


Emit = Callable[[tuple[URIRef, URIRef, URIRef | Literal]], object]  # Graph.add returns the graph


class _Builder:
    """Walks the records once and emits each triple to `emit`: into an rdflib Graph, or as
    N-Triples lines for the bulk path (which skips rdflib's indexed in-memory store: adding to it
    took two thirds of the time of building a graph, bench/RESULTS.md "Scale")."""

    def __init__(self, doc: Document, source: SourceInfo, minter: IriMinter, emit: Emit) -> None:
        self.doc = doc
        self.source = source
        self.minter = minter
        self.emit = emit
        self.doc_iri = minter.source_document(source.file_name)
        # An area column names a unit of this document only when the names agree exactly.
        self.units_by_name = {normalize_key(u.name): minter.unit(u) for u in doc.units if u.name}

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal | None) -> None:
        if o is not None:
            self.emit((s, p, o))

    def located(self, entity: URIRef, line: int | None) -> None:
        if line is None:
            self.add(entity, PROV.wasDerivedFrom, self.doc_iri)
            return
        location = self.minter.source_line(self.source.file_name, line)
        self.add(entity, PROV.wasDerivedFrom, location)
        self.add(location, RDF.type, JX.SourceLocation)
        self.add(location, PROV.hadPrimarySource, self.doc_iri)
        self.add(location, JX.line, Literal(line))
        where = self.source.locations.get(line)
        self.add(location, RDFS.label, Literal(where) if where else None)

    def build(self) -> None:
        d = self.doc_iri
        self.add(d, RDF.type, JX.SourceDocument)
        self.add(d, DCTERMS.title, Literal(self.source.file_name))
        self.add(d, JX.sha256, Literal(self.source.sha256))
        self.add(d, JX.layout, Literal(self.source.layout))
        self.add(d, JX.ingestedAt, Literal(self.source.ingested_at, datatype=XSD.dateTime))
        for unit in self.doc.units:
            self.unit(unit)
        for total in self.doc.unit_totals:
            self.unit_total(total)
        for project in self.doc.projects:
            self.project(project)

    def unit(self, unit: BudgetUnit) -> URIRef:
        iri = self.minter.unit(unit)
        self.add(iri, RDF.type, JX.BudgetUnit)
        self.add(iri, RDFS.label, Literal(unit.name, lang=_ZH) if unit.name else None)
        self.add(iri, ORG.identifier, Literal(unit.code) if unit.code else None)
        if unit.parent_code:
            self.add(iri, ORG.subOrganizationOf, self.minter.unit_code(unit.parent_code))
        self.add(iri, JX.naturalKey, Literal(self.minter.unit_key(unit)))
        return iri

    def unit_total(self, total: UnitTotal) -> None:
        iri = self.minter.unit_budget(total.unit, total.fiscal_year)
        self.add(iri, RDF.type, JX.UnitBudget)
        self.add(iri, JX.unit, self.minter.unit(total.unit))
        self.add(iri, JX.fiscalYear, Literal(total.fiscal_year) if total.fiscal_year else None)
        self.add(iri, JX.amountWanYuan, decimal_literal(total.amount_wan))
        self.add(iri, JX.amount, decimal_literal(total.amount_wan * 10000))
        self.located(iri, total.line)

    def project(self, project: Project) -> None:
        iri = self.minter.project(project.unit, project.fiscal_year, project.name)
        self.add(iri, RDF.type, JX.Project)
        self.add(iri, RDF.type, _PROJECT_KIND_CLASS.get(project.kind))
        self.add(iri, RDFS.label, Literal(project.name, lang=_ZH))
        self.add(
            iri,
            JX.naturalKey,
            Literal(self.minter.project_key(project.unit, project.fiscal_year, project.name)),
        )
        self.add(iri, JX.unit, self.minter.unit(project.unit))
        self.add(iri, JX.fiscalYear, Literal(project.fiscal_year) if project.fiscal_year else None)
        if project.amount_wan is not None:
            self.add(iri, JX.amountWanYuan, decimal_literal(project.amount_wan))
            self.add(iri, JX.amount, decimal_literal(project.amount_wan * 10000))
        self.add(
            iri, JX.projectAttribute, Literal(project.attribute, lang=_ZH) if project.attribute else None
        )
        if project.period:
            self.add(iri, JX.period, Literal(project.period, lang=_ZH))
            period = parse_target(project.period)
            self.add(iri, JX.periodStart, Literal(period.date_start) if period.date_start else None)
            self.add(iri, JX.periodEnd, Literal(period.date_end) if period.date_end else None)
        if project.implementing_unit:
            self.add(iri, JX.implementingUnitName, Literal(project.implementing_unit, lang=_ZH))
        if project.department:
            self.add(iri, JX.departmentName, Literal(project.department, lang=_ZH))
        if not project.complete:
            self.add(iri, JX.incomplete, Literal(True))
        if project.self_evaluation:
            self.add(iri, JX.selfEvaluated, Literal(True))
        for share in project.funding:
            node = self.minter.funding(iri, share.source)
            self.add(iri, JX.funding, node)
            self.add(node, RDF.type, JX.FundingShare)
            self.add(node, JX.fundingSource, _FUNDING[share.source])
            if share.amount_wan is not None:
                self.add(node, JX.amountWanYuan, decimal_literal(share.amount_wan))
                self.add(node, JX.amount, decimal_literal(share.amount_wan * 10000))
        self.located(iri, project.line)
        self.objectives(iri, project.objectives)
        self.indicators(iri, project.indicators)

    def objectives(self, project: URIRef, objectives: list[Objective]) -> None:
        # Annual goals are numbered as before whether or not medium-term ones sit beside them,
        # so a table that adds a 中期目标 column keeps its annual objectives' IRIs.
        annual = [o for o in objectives if not o.medium_term]
        medium = [o for o in objectives if o.medium_term]
        for position, objective in enumerate(annual, start=1):
            overall = objective.ordinal is None and len(annual) == 1
            iri = self.minter.objective(project, None if overall else position)
            self.objective(project, iri, objective, position)
            if overall:
                self.add(iri, RDF.type, JX.OverallObjective)
        for position, objective in enumerate(medium, start=1):
            iri = self.minter.medium_term_objective(project, position if len(medium) > 1 else None)
            self.objective(project, iri, objective, position)
            self.add(iri, RDF.type, JX.MediumTermObjective)

    def objective(self, project: URIRef, iri: URIRef, objective: Objective, position: int) -> None:
        self.add(project, JX.hasObjective, iri)
        self.add(iri, RDF.type, JX.Objective)
        self.add(iri, DCTERMS.description, Literal(objective.text, lang=_ZH))
        self.add(iri, JX.ordinal, Literal(position))
        self.add(iri, RDFS.label, Literal(objective.label, lang=_ZH) if objective.label else None)
        self.located(iri, objective.line)

    def indicators(self, project: URIRef, indicators: list[Indicator]) -> None:
        seen: Counter[tuple[str, str]] = Counter()
        for position, indicator in enumerate(indicators, start=1):
            category = _category(indicator)
            concept = category or "uncategorised"
            seen[(concept, normalize_key(indicator.name))] += 1
            occurrence = seen[(concept, normalize_key(indicator.name))]
            iri = self.minter.indicator(project, concept, indicator.name, occurrence)
            self.add(project, JX.hasIndicator, iri)
            self.add(iri, RDF.type, JX.Indicator)
            self.add(iri, RDFS.label, Literal(indicator.name, lang=_ZH))
            self.add(iri, JX.category, JXCAT[category] if category else None)
            self.add(iri, JX.level1Label, Literal(indicator.level1, lang=_ZH) if indicator.level1 else None)
            self.add(iri, JX.level2Label, Literal(indicator.level2, lang=_ZH) if indicator.level2 else None)
            self.add(iri, JX.sourceText, Literal(indicator.source_text))  # verbatim, like rawText
            self.add(iri, JX.ordinal, Literal(position))
            self.add(iri, JX.naturalKey, Literal(f"{concept}/{normalize_key(indicator.name)}#{occurrence}"))
            self.located(iri, indicator.line)
            target = self.minter.target(iri)
            self.add(iri, JX.target, target)
            self.target(target, indicator.target)
            if indicator.medium_term_target is not None:
                medium = self.minter.medium_term_target(iri)
                self.add(iri, JX.mediumTermTarget, medium)
                self.target(medium, indicator.medium_term_target)
            self.add(
                iri, JX.weight, decimal_literal(indicator.weight) if indicator.weight is not None else None
            )
            self.add(iri, JX.direction, _DIRECTION[indicator.direction] if indicator.direction else None)
            if indicator.explanation:
                self.add(iri, JX.explanation, Literal(indicator.explanation, lang=_ZH))
            self.indicator_extras(iri, target, indicator)

    def indicator_extras(self, iri: URIRef, target: URIRef, indicator: Indicator) -> None:
        """What some tables add to an indicator (issue 17); nothing at all when a table adds none."""
        if indicator.description:
            self.add(iri, DCTERMS.description, Literal(indicator.description, lang=_ZH))
        if indicator.top_level:
            self.add(iri, JX.topLevelLabel, Literal(indicator.top_level, lang=_ZH))
        if indicator.assessment is not None:
            self.assessment(iri, target, indicator.assessment)
        if indicator.area_targets:
            self.area_targets(iri, indicator)
        if indicator.grades:
            self.graded_criteria(iri, indicator)
        # Notes, not facts of the table: plain strings, as the reader wrote them.
        for note in indicator.inferred:
            self.add(iri, JX.inferenceNote, Literal(note))
        for note in indicator.suspect:
            self.add(iri, JX.suspectNote, Literal(note))

    def area_targets(self, iri: URIRef, indicator: Indicator) -> None:
        areas: Counter[str] = Counter()
        for position, area in enumerate(indicator.area_targets, start=1):
            areas[normalize_key(area.area)] += 1
            node = _keyed(iri, "area", area.area, areas[normalize_key(area.area)])
            self.add(iri, JX.areaTarget, node)
            self.add(node, RDF.type, JX.AreaTarget)
            self.add(node, JX.areaName, Literal(area.area, lang=_ZH))
            self.add(node, JX.areaUnit, self.units_by_name.get(normalize_key(area.area)))
            self.add(node, JX.ordinal, Literal(position))
            value = URIRef(f"{node}/target")
            self.add(node, JX.areaValue, value)
            self.target(value, area.target)

    def graded_criteria(self, iri: URIRef, indicator: Indicator) -> None:
        grades: Counter[str] = Counter()
        for position, grade in enumerate(indicator.grades, start=1):
            grades[normalize_key(grade.grade)] += 1
            node = _keyed(iri, "grade", grade.grade, grades[normalize_key(grade.grade)])
            self.add(iri, JX.gradedCriterion, node)
            self.add(node, RDF.type, JX.GradedCriterion)
            self.add(node, JX.grade, Literal(grade.grade, lang=_ZH))
            self.add(node, JX.criterion, Literal(grade.criterion, lang=_ZH))
            self.add(node, JX.ordinal, Literal(position))

    def assessment(self, indicator: URIRef, target: URIRef, assessment: Assessment) -> None:
        node = URIRef(f"{indicator}/assessment")
        self.add(indicator, JX.assessment, node)
        self.add(node, RDF.type, JX.Assessment)
        self.add(node, JX.assesses, target)
        if assessment.actual is not None:
            actual = URIRef(f"{node}/actual")
            self.add(node, JX.actualValue, actual)
            self.target(actual, assessment.actual)
        if assessment.weight is not None:
            self.add(node, JX.assessmentWeight, decimal_literal(assessment.weight))
        if assessment.score is not None:
            self.add(node, JX.score, decimal_literal(assessment.score))
        if assessment.reason:
            self.add(node, JX.deviationReason, Literal(assessment.reason, lang=_ZH))

    def target(self, iri: URIRef, target: Target) -> None:
        self.add(iri, RDF.type, JX.Target)
        self.add(iri, RDF.type, _KIND_CLASS[target.kind])
        self.add(iri, JX.rawText, Literal(target.raw))
        if target.comparator is not None:
            self.add(iri, JX.comparator, _COMPARATOR[target.comparator.value])
        if target.value is not None:
            self.add(iri, QUDT.numericValue, decimal_literal(target.value))
        if target.unit is not None:
            self.add(iri, JX.unitText, Literal(target.unit.text))
            head = target.unit.numerator
            self.add(iri, JX.unitHead, Literal(head) if head else None)
            if not target.unit.per:
                qudt_unit = _QUDT_UNIT.get(head) or (UNIT.NUM if head in _COUNT_UNITS else None)
                self.add(iri, QUDT.unit, qudt_unit)
            if target.value is not None and head in _YUAN_PER:
                self.add(iri, JX.valueInYuan, decimal_literal(target.value * _YUAN_PER[head]))
        self.add(
            iri, JX.qualitativeValue, Literal(target.qualitative, lang=_ZH) if target.qualitative else None
        )
        self.add(iri, JX.dateText, Literal(target.date_text, lang=_ZH) if target.date_text else None)
        self.add(iri, JX.dateStart, Literal(target.date_start) if target.date_start else None)
        self.add(iri, JX.dateEnd, Literal(target.date_end) if target.date_end else None)
        if target.placeholder:
            self.add(iri, JX.isPlaceholder, Literal(True))


def _category(indicator: Indicator) -> str | None:
    """The local name of the indicator's category concept, or None when its labels name none."""
    category = categories.resolve(indicator.level1, indicator.level2)
    if category is not None:
        return category.level2
    if not indicator.level2 and indicator.level1:
        # A two-level table (一级 | indicator, no 二级): the level-1 concept is all it says.
        return categories.level1_concept(indicator.level1)
    return None


# The nodes below an indicator that issue 17 added. Minted here until ingest/iri.py takes them:
# `{indicator}/assessment` (its actual `/actual`), `{indicator}/area/{hash(area)}` (its value
# `/target`), `{indicator}/grade/{hash(grade)}`; `-2`, `-3` when a name recurs, as for indicators.
def _keyed(parent: URIRef, kind: str, name: str, occurrence: int) -> URIRef:
    suffix = "" if occurrence == 1 else f"-{occurrence}"
    return URIRef(f"{parent}/{kind}/{short_hash(normalize_key(name))}{suffix}")


def document_graph(doc: Document, source: SourceInfo, minter: IriMinter) -> Graph:
    """The named graph of one source document: its entities and their provenance."""
    graph = Graph(identifier=minter.source_document(source.file_name))
    bind_prefixes(graph)
    _Builder(doc, source, minter, graph.add).build()
    return graph


def document_ntriples(doc: Document, source: SourceInfo, minter: IriMinter) -> DocumentTriples:
    """The same triples as `document_graph`, written straight to N-Triples without an rdflib Graph."""
    lines: dict[str, None] = {}  # an ordered set: a graph holds each triple once
    marker: dict[str, None] = {}
    doc_iri = minter.source_document(source.file_name)

    def emit(triple: tuple[URIRef, URIRef, URIRef | Literal]) -> None:
        is_marker = triple[0] == doc_iri and triple[1] in MARKER_PREDICATES
        (marker if is_marker else lines)[_nt_row(triple)] = None

    _Builder(doc, source, minter, emit).build()
    return DocumentTriples(doc_iri, "".join(lines), "".join(marker), len(lines) + len(marker))
