"""The SPARQL cookbook: example queries a budget analyst asks of the graph, one `.rq` file each.

The files live in `ontology/queries/`, named `NN-short-name.rq`, and open with a header of
comment lines that the web UI shows next to the query:

    # title: 各乡镇各类指标数量
    # title_en: Indicators per category per township
    # description: one or two sentences saying what the query answers and how to read it.
    PREFIX jx: <https://w3id.org/jixiao/ns#>
    SELECT ...

The header is the leading run of `#` lines; other comment lines in it are allowed and ignored.
The query's `text` is the file after its header: the PREFIX lines and the query, runnable as is.
The queries expect the ontology in the store next to the data (`EmbeddedStore.install_ontology`):
category, comparator and funding-source labels come from its SKOS schemes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ontology import ONTOLOGY_DIR

QUERIES_DIR = ONTOLOGY_DIR / "queries"
HEADER_FIELDS: tuple[str, ...] = ("title", "title_en", "description")

_FIELD = re.compile(r"#\s*(?P<key>[A-Za-z_]+)\s*:(?P<value>.*)")


@dataclass(frozen=True)
class CookbookQuery:
    name: str  # the file stem, e.g. "01-indicators-per-category"
    title: str
    title_en: str
    description: str
    text: str  # the SPARQL after the header: PREFIX lines and the query


def parse_query(name: str, source: str, origin: str | None = None) -> CookbookQuery:
    """One query from its file's text. `origin` (default: `name`) names the file in errors.

    Raises ValueError when a header field is missing, empty or given twice, or nothing follows
    the header.
    """
    where = origin or name
    lines = source.lstrip("\ufeff").splitlines()
    fields: dict[str, str] = {}
    body_start = len(lines)
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("#"):
            body_start = number
            break
        match = _FIELD.fullmatch(stripped)
        if match is None or match["key"] not in HEADER_FIELDS:
            continue  # an ordinary comment inside the header
        key, value = match["key"], match["value"].strip()
        if key in fields:
            raise ValueError(f"{where}: header field {key!r} is given twice (line {number + 1})")
        if not value:
            raise ValueError(f"{where}: header field {key!r} is empty (line {number + 1})")
        fields[key] = value
    missing = [key for key in HEADER_FIELDS if key not in fields]
    if missing:
        raise ValueError(
            f"{where}: header lacks {', '.join(missing)}; a cookbook query opens with "
            + " ".join(f"'# {key}: …'" for key in HEADER_FIELDS)
        )
    text = "\n".join(lines[body_start:]).strip()
    if not text:
        raise ValueError(f"{where}: no query after the header")
    return CookbookQuery(
        name=name,
        title=fields["title"],
        title_en=fields["title_en"],
        description=fields["description"],
        text=text + "\n",
    )


def load_queries(directory: Path) -> list[CookbookQuery]:
    """Every `*.rq` file of `directory`, parsed, sorted by name."""
    return [
        parse_query(path.stem, path.read_text(encoding="utf-8"), str(path))
        for path in sorted(directory.glob("*.rq"), key=lambda path: path.stem)
    ]


@cache
def _cookbook() -> tuple[CookbookQuery, ...]:
    return tuple(load_queries(QUERIES_DIR))


def cookbook() -> list[CookbookQuery]:
    """The bundled queries, sorted by name; read once per process (the list is a fresh copy)."""
    return list(_cookbook())


def cookbook_query(name: str) -> CookbookQuery:
    """The bundled query with this name (the file stem, e.g. "04-missing-required-categories")."""
    for query in _cookbook():
        if query.name == name:
            return query
    known = ", ".join(query.name for query in _cookbook())
    raise KeyError(f"no cookbook query named {name!r}; the cookbook has: {known}")
