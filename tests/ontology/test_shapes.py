"""The SHACL shapes, run on the example graphs through ontology.shacl.validate."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, SH, Literal, URIRef

from ontology import ONTOLOGY_DIR, SHAPES_FILES
from ontology.shacl import Finding, FindingGroup, Severity, group_findings, shapes_graph, validate

EXAMPLES = ONTOLOGY_DIR / "examples"
SHAPES = "https://w3id.org/jixiao/shapes#"
EX = "https://example.org/jixiao/"
JX = "https://w3id.org/jixiao/ns#"
PROJECT_A = "https://w3id.org/jixiao/id/project/407001/2023/447c5a429ba8"
PROJECT_B = "https://w3id.org/jixiao/id/project/407001/2023/c39258ca536a"
PROJECT_C = "https://w3id.org/jixiao/id/project/407001/2023/0daa55b3dd59"

# file -> the violations it must produce, exactly: (shape, constraint component, focus node).
INVALID: dict[str, set[tuple[str, str, str]]] = {
    "invalid-indicator.ttl": {
        ("Indicator-label", "MinCount", "indicator"),
        ("Indicator-derivedFrom", "MinCount", "indicator"),
    },
    "invalid-category.ttl": {
        ("Indicator-category", "Node", "indicator"),
        ("Indicator-category", "MaxCount", "indicator2"),
    },
    "invalid-indicator-target.ttl": {
        ("Indicator-target", "MinCount", "indicator"),
        ("Indicator-target", "Class", "indicator2"),
    },
    "invalid-indicator-extras.ttl": {
        ("Indicator-mediumTermTarget", "MaxCount", "indicator"),
        ("Indicator-mediumTermTarget", "Class", "indicator"),
        ("Indicator-weight", "Datatype", "indicator"),
        ("Indicator-direction", "In", "indicator2"),
    },
    "invalid-indicator-project.ttl": {
        ("Indicator-project", "MaxCount", "indicator"),
        ("Indicator-project", "MinCount", "orphan"),
    },
    "invalid-target.ttl": {
        ("Target-rawText", "MinCount", "target"),
        ("QualitativeTarget-value", "MinCount", "target"),
        ("Target-rawText", "Datatype", "target2"),
    },
    "invalid-quantitative.ttl": {
        ("QuantitativeTarget-numericValue", "Datatype", "target"),
        ("QuantitativeTarget-comparator", "MinCount", "target"),
    },
    "invalid-project.ttl": {
        ("Project-label", "MaxCount", "project"),
        ("Project-derivedFrom", "MinCount", "project"),
    },
    "invalid-project-values.ttl": {
        ("Project-amount", "Datatype", "project"),
        ("Project-fiscalYear", "Datatype", "project"),
    },
    "invalid-project-links.ttl": {
        ("Project-unit", "Class", "project"),
        ("Project-indicatorClass", "Class", "project"),
    },
    "invalid-unit.ttl": {
        ("BudgetUnit-label", "MinCount", "unit"),
        ("BudgetUnit-identifier", "MaxCount", "unit"),
    },
    "invalid-objective.ttl": {
        ("Objective-description", "MinCount", "objective"),
        ("Objective-project", "MinCount", "objective"),
    },
    "invalid-objective-links.ttl": {
        ("Objective-project", "MaxCount", "objective"),
        ("Project-objectiveClass", "Class", "project"),
    },
    "invalid-source-document.ttl": {
        ("SourceDocument-sha256", "Pattern", "doc"),
        ("SourceDocument-title", "MinCount", "doc"),
    },
    "invalid-source-location.ttl": {
        ("SourceLocation-line", "MinInclusive", "L1"),
        ("SourceLocation-document", "Class", "L1"),
    },
    "invalid-two-level.ttl": {("Indicator-categoryWhenLabelled", "MinCount", "indicator")},
    "invalid-assessment.ttl": {
        ("Assessment-assesses", "MinCount", "assessment"),
        ("Assessment-score", "Datatype", "assessment"),
    },
    "invalid-assessment-actual.ttl": {
        ("Assessment-actualValue", "Disjoint", "assessment"),
        ("Assessment-weight", "MaxCount", "assessment"),
    },
    "invalid-assessment-links.ttl": {
        ("Assessment-indicator", "MinCount", "orphan"),
        ("Indicator-assessment", "Class", "indicator2"),
    },
    "invalid-area-target.ttl": {
        ("AreaTarget-name", "MinCount", "area"),
        ("AreaTarget-value", "Class", "area"),
    },
    "invalid-area-target-links.ttl": {
        ("AreaTarget-indicator", "MaxCount", "area"),
        ("AreaTarget-unit", "Class", "area"),
        ("Indicator-areaTarget", "Class", "indicator2"),
    },
    "invalid-graded-criterion.ttl": {
        ("GradedCriterion-criterion", "MinCount", "grade"),
        ("GradedCriterion-grade", "MaxCount", "grade"),
    },
    "invalid-graded-criterion-links.ttl": {
        ("GradedCriterion-indicator", "MinCount", "orphan"),
        ("Indicator-gradedCriterion", "Class", "indicator2"),
    },
    "invalid-project-flags.ttl": {
        ("Project-incomplete", "Datatype", "project"),
        ("Project-selfEvaluated", "MaxCount", "project"),
    },
}

# The required-group warnings of a project that has only quantity and quality indicators.
_MISSING_GROUPS = {"Project-timelinessIndicator", "Project-costIndicator", "Project-effectIndicator"}
_MISSING_GROUPS |= {"Project-satisfactionIndicator"}
# valid-*.ttl (one per term added for issue 17) -> the warnings it gives, exactly: (shape, focus,
# value). None has a violation; the warnings are what such a table honestly lacks.
VALID: dict[str, set[tuple[str, str, str | None]]] = {
    "valid-self-evaluation.ttl": {(shape, "project", None) for shape in _MISSING_GROUPS},
    "valid-unit-targets.ttl": {
        (shape, "targets", None)
        for shape in _MISSING_GROUPS
        | {"Project-quantityIndicator", "Project-qualityIndicator", "Project-hasAmount"}
    },
    "valid-area-targets.ttl": {
        *((shape, "project", None) for shape in _MISSING_GROUPS | {"Project-qualityIndicator"}),
        ("Project-cutOff", "project", "true"),
        ("UnparsedTarget-rawText", "target", ""),
    },
    "valid-graded-criteria.ttl": {
        *(
            (shape, "project", None)
            for shape in (_MISSING_GROUPS - {"Project-effectIndicator"})
            | {"Project-quantityIndicator", "Project-qualityIndicator"}
        ),
        ("Indicator-suspectValue", "indicator", "line 14: 290% may be an OCR slip for ≥90%"),
    },
}

# warnings.ttl -> the warnings it must produce, exactly: (shape, focus node, value).
A_UNPARSED = f"{PROJECT_A}/indicator/1.1-5de1faa0f018/target"
A_PERCENT = f"{PROJECT_A}/indicator/1.2-d944adda58f6/target"
WARNINGS: set[tuple[str, str, str | None]] = {
    ("UnparsedTarget-rawText", A_UNPARSED, "≥**株"),
    ("PlaceholderTarget-flag", A_UNPARSED, "true"),
    ("PercentRange-value", A_PERCENT, "120.0"),
    ("FundingSum-amount", PROJECT_A, "100000.0"),
    ("Project-hasObjective", PROJECT_A, None),
    ("Project-timelinessIndicator", PROJECT_A, None),
    ("Project-costIndicator", PROJECT_A, None),
    ("Project-effectIndicator", PROJECT_A, None),
    ("Project-satisfactionIndicator", PROJECT_A, None),
    ("Project-hasAmount", PROJECT_B, None),
    ("Project-quantityIndicator", PROJECT_B, None),
    ("Project-qualityIndicator", PROJECT_B, None),
    ("Project-hasIndicator", PROJECT_C, None),
    ("Project-cutOff", PROJECT_C, "true"),
    (
        "Indicator-suspectValue",
        f"{PROJECT_B}/indicator/2.1-3b0d2932f8ef",
        "line 13: 工5% may be an OCR slip for ≥5%",
    ),
    ("Assessment-scoreWithinWeight", f"{PROJECT_B}/indicator/3.1-9f398cd551a8/assessment", "12.0"),
}


def _load(name: str) -> rdflib.Graph:
    return rdflib.Graph().parse(EXAMPLES / name)


def _local(iri: str, base: str) -> str:
    assert iri.startswith(base), iri
    return iri.removeprefix(base)


def _violation_keys(findings: list[Finding]) -> set[tuple[str, str, str]]:
    return {
        (_local(f.shape, SHAPES), f.component.removesuffix("ConstraintComponent"), _local(f.focus, EX))
        for f in findings
        if f.severity == "violation"
    }


def test_valid_example_conforms_with_no_result_at_all() -> None:
    report = validate(_load("valid.ttl"))
    assert report.conforms
    assert report.findings == []


def test_every_valid_example_is_listed() -> None:
    assert {p.name for p in EXAMPLES.glob("valid-*.ttl")} == set(VALID)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_example_of_a_new_term_conforms_with_exactly_its_warnings(name: str) -> None:
    report = validate(_load(name))
    assert report.conforms and report.violations == []
    assert {(_local(f.shape, SHAPES), _local(f.focus, EX), f.value) for f in report.warnings} == VALID[name]


def test_every_invalid_example_is_listed() -> None:
    assert {p.name for p in EXAMPLES.glob("invalid-*.ttl")} == set(INVALID)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_example_yields_exactly_its_violations(name: str) -> None:
    report = validate(_load(name))
    assert not report.conforms
    violations = report.violations
    assert len(violations) == len(INVALID[name]), violations
    assert _violation_keys(violations) == INVALID[name]


def test_invalid_examples_exercise_every_mandatory_rule() -> None:
    """Each named rule in mandatory.ttl is shown to fire by at least one invalid example."""
    mandatory = rdflib.Graph().parse(ONTOLOGY_DIR / "shapes" / "mandatory.ttl")
    rules = {
        _local(str(shape), SHAPES)
        for shape in mandatory.objects(None, SH.property)
        if isinstance(shape, URIRef)
    }
    exercised = {shape for expected in INVALID.values() for shape, _, _ in expected}
    assert rules == exercised


def test_warnings_example_conforms_and_lists_every_warning_once() -> None:
    report = validate(_load("warnings.ttl"))
    assert report.conforms
    assert report.violations == []
    assert len(report.warnings) == len(WARNINGS)
    assert {(_local(f.shape, SHAPES), f.focus, f.value) for f in report.warnings} == WARNINGS


def test_warnings_example_exercises_every_recommended_rule() -> None:
    recommended = rdflib.Graph().parse(ONTOLOGY_DIR / "shapes" / "recommended.ttl")
    rules = {_local(str(s), SHAPES) for s in recommended.objects(None, SH.property) if isinstance(s, URIRef)}
    assert rules == {shape for shape, _, _ in WARNINGS}


def test_findings_of_one_project_do_not_leak_into_another() -> None:
    """The SPARQL targets must select per project: validating the valid and the warnings
    examples together gives the warnings example's findings and nothing else."""
    together = _load("valid.ttl") + _load("warnings.ttl")
    report = validate(together)
    assert report.conforms
    assert {(_local(f.shape, SHAPES), f.focus, f.value) for f in report.findings} == WARNINGS


def test_funding_that_adds_up_is_not_reported() -> None:
    graph = _load("warnings.ttl")
    share = URIRef(f"{PROJECT_A}/funding/fiscal")
    amount = URIRef(f"{JX}amount")
    graph.set((share, amount, Literal("90000.0", datatype=rdflib.XSD.decimal)))
    shapes = {_local(f.shape, SHAPES) for f in validate(graph).findings}
    assert "FundingSum-amount" not in shapes
    assert "PercentRange-value" in shapes


def test_a_dataset_is_validated_as_the_union_of_its_graphs() -> None:
    """Ingest keeps one named graph per document; a project may point at a unit from another."""
    valid = _load("valid.ttl")
    unit = URIRef("https://w3id.org/jixiao/id/unit/058")
    dataset = rdflib.Dataset()
    units = dataset.graph(URIRef("https://w3id.org/jixiao/id/source/units.txt"))
    projects = dataset.graph(URIRef("https://w3id.org/jixiao/id/source/projects.txt"))
    for triple in valid:
        (units if triple[0] == unit else projects).add(triple)
    assert len(units) > 0
    report = validate(dataset)
    assert report.conforms and report.findings == []


def test_messages_in_both_languages() -> None:
    graph = _load("invalid-unit.ttl")
    zh = {f.message for f in validate(graph).findings if f.shape == f"{SHAPES}BudgetUnit-label"}
    en = {f.message for f in validate(graph, lang="en").findings if f.shape == f"{SHAPES}BudgetUnit-label"}
    assert zh == {"预算单位必须有名称（rdfs:label）"}
    assert en == {"A budget unit must have an rdfs:label"}


def test_every_shape_has_a_zh_and_an_en_message() -> None:
    graph = shapes_graph()
    shapes = (
        set(graph.subjects(RDF.type, SH.NodeShape))
        | set(graph.subjects(RDF.type, SH.PropertyShape))
        | set(graph.objects(None, SH.property))
        | set(graph.objects(None, SH.sparql))
    )
    assert len(shapes) > 30
    for shape in shapes:
        langs = sorted(str(m.language) for m in graph.objects(shape, SH.message) if isinstance(m, Literal))
        assert langs == ["en", "zh"], shape


@pytest.mark.parametrize(
    ("path", "severity"), [(SHAPES_FILES[0], SH.Violation), (SHAPES_FILES[1], SH.Warning)]
)
def test_severity_per_file(path: Path, severity: URIRef) -> None:
    graph = rdflib.Graph().parse(path)
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
    targets = (SH.targetClass, SH.targetSubjectsOf)
    targeted = {s for s in shapes if any((s, t, None) in graph for t in targets)}
    targeted_or_named = targeted | {s for s in graph.objects(None, SH.property) if isinstance(s, URIRef)}
    assert targeted_or_named
    for shape in targeted_or_named:
        assert graph.value(shape, SH.severity) == severity, shape


def test_complex_paths_are_rendered_as_sparql_paths() -> None:
    report = validate(_load("invalid-indicator-project.ttl"))
    (orphan,) = (f for f in report.findings if f.focus == f"{EX}orphan")
    assert orphan.path == f"^<{JX}hasIndicator>"
    report = validate(_load("warnings.ttl"), lang="en")
    (cost,) = (f for f in report.findings if f.shape == f"{SHAPES}Project-costIndicator")
    assert cost.path == f"<{JX}hasIndicator>/<{JX}category>/<http://www.w3.org/2004/02/skos/core#broader>*"
    (amount,) = (f for f in report.findings if f.shape == f"{SHAPES}Project-hasAmount")
    assert amount.path == f"{JX}amount"


def test_group_findings_counts_by_severity_and_message() -> None:
    def finding(severity: Severity, message: str, focus: str) -> Finding:
        return Finding(severity, focus, None, message, "s", None, "c")

    findings = [
        finding("warning", "w1", "a"),
        finding("violation", "v", "a"),
        finding("warning", "w2", "a"),
        finding("warning", "w2", "b"),
    ]
    assert group_findings(findings) == [
        FindingGroup("violation", "v", 1),
        FindingGroup("warning", "w2", 2),
        FindingGroup("warning", "w1", 1),
    ]
