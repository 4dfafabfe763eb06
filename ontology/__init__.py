"""The jixiao ontology: term files, SHACL shapes, and the graph of all terms.

The .ttl files here are the contract between ingest and search; `ontology.namespace` holds
closed Python constants generated from them (`python -m ontology.generate`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import rdflib

# jixiao.companions looks for this line: the package is jixiao's, not another of the same name.
__jixiao_part__ = True

ONTOLOGY_DIR = Path(__file__).resolve().parent

# The three files that define terms; shapes and examples are not terms.
ONTOLOGY_FILES: tuple[Path, ...] = (
    ONTOLOGY_DIR / "jixiao.ttl",
    ONTOLOGY_DIR / "categories.ttl",
    ONTOLOGY_DIR / "comparators.ttl",
)

SHAPES_FILES: tuple[Path, ...] = (
    ONTOLOGY_DIR / "shapes" / "mandatory.ttl",
    ONTOLOGY_DIR / "shapes" / "recommended.ttl",
)


# The prefixes every query here starts from (the endpoint's editor, the catalogue, the entries).
PREFIXES: dict[str, str] = {
    "jx": "https://w3id.org/jixiao/ns#",
    "jxcat": "https://w3id.org/jixiao/category/",
    "jxcmp": "https://w3id.org/jixiao/comparator/",
    "jxfund": "https://w3id.org/jixiao/funding/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "qudt": "http://qudt.org/schema/qudt/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def prologue() -> str:
    """PREFIXES as the PREFIX lines of a SPARQL query."""
    return "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())


def load_graph(paths: tuple[Path, ...]) -> rdflib.Graph:
    """Parse Turtle files into one graph."""
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@cache
def ontology_graph() -> rdflib.Graph:
    """All terms (classes, properties, code lists) in one graph, parsed once per process.

    The graph is shared: callers must not add to it; copy it first if they need to.
    """
    return load_graph(ONTOLOGY_FILES)


def bind_prefixes(graph: rdflib.Graph) -> None:
    """Bind the project's prefixes (jx:, jxcat:, qudt:, …) so serialisations read as the docs do."""
    # Imported here: namespace.py is generated and imports nothing from this package.
    from ontology.namespace import JX, JXCAT, JXCMP, JXFUND, QUDT, UNIT

    for prefix, namespace in (
        ("jx", JX),
        ("jxcat", JXCAT),
        ("jxcmp", JXCMP),
        ("jxfund", JXFUND),
        ("qudt", QUDT),
        ("unit", UNIT),
    ):
        graph.bind(prefix, str(namespace), override=True)
