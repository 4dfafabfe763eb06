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
from ingest.iri import IriMinter, normalize_key
from ingest.records import (
    BudgetUnit,
    Direction,
    Document,
    Indicator,
    Objective,
    Project,
    Target,
    TargetKind,
    UnitTotal,
)
from ingest.target import parse_target
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
            category = categories.resolve(indicator.level1, indicator.level2)
            concept = category.level2 if category else "uncategorised"
            seen[(concept, normalize_key(indicator.name))] += 1
            occurrence = seen[(concept, normalize_key(indicator.name))]
            iri = self.minter.indicator(project, concept, indicator.name, occurrence)
            self.add(project, JX.hasIndicator, iri)
            self.add(iri, RDF.type, JX.Indicator)
            self.add(iri, RDFS.label, Literal(indicator.name, lang=_ZH))
            self.add(iri, JX.category, JXCAT[concept] if category else None)
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


def document_graph(doc: Document, source: SourceInfo, minter: IriMinter) -> Graph:
    """The named graph of one source document: its entities and their provenance."""
    graph = Graph(identifier=minter.source_document(source.file_name))
    bind_prefixes(graph)
    _Builder(doc, source, minter, graph.add).build()
    return graph


# The document's own description (title, sha256, layout): what `Store.documents()` lists. The
# bulk path writes these last, so a document whose load was cut short is not listed as stored.
MARKER_PREDICATES = (RDF.type, DCTERMS.title, JX.sha256, JX.layout, JX.ingestedAt)


@dataclass(frozen=True)
class DocumentTriples:
    """One document's graph as N-Triples text: its content, and its marker lines apart."""

    graph: URIRef
    content: str
    marker: str
    count: int  # distinct triples in both

    def content_nquads(self) -> str:
        """The content as N-Quads in the document's graph (without the marker)."""
        return self._nquads(self.content)

    def marker_nquads(self) -> str:
        return self._nquads(self.marker)

    def _nquads(self, ntriples: str) -> str:
        suffix = f" <{self.graph}> .\n"  # each N-Triples line ends with " .\n"
        return "".join(line[:-3] + suffix for line in ntriples.splitlines(keepends=True))


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
