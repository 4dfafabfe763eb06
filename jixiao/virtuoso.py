"""What a Virtuoso Open Source 7 server needs that the SPARQL 1.1 Protocol does not say (issue 21).

jixiao.remote_store detects the server on open (the `Server:` header of its first answer, so no
flag to set) and, for Virtuoso, adjusts as seen with 7.2.5 (Debian's `virtuoso-opensource-7-bin`):

- a POST with `Content-Type: application/sparql-query` hangs: queries go form-encoded;
- its endpoints are /sparql (queries, anonymous) and /sparql-auth (updates, HTTP digest auth for
  a user granted SPARQL_UPDATE); they are the defaults when the store URL has no path;
- its union default graph holds its own system graphs (`virtrdf#`, `ldp#`, the service
  description): they must be made private (`setup_sql`, README "Remote store"), so they are in
  no stats, page or cookbook answer; opening the store checks it and says how;
- a query past its time limit (the `timeout` parameter, or `MaxQueryExecutionTime`) answers 200
  with the rows found so far and `X-SQL-State: S1TAT`; one cut by `ResultSetMaxRows` says
  `X-SPARQL-MaxRows`. Both are read as a cut answer (`server_cut`), never a complete one;
- booleans come back as `"1"`/`"0"` in JSON and ASK as a one-row SELECT of `__ASK_RETVAL`: both
  are turned back into SPARQL's forms (`normalise_json`, `ask_answer`);
- blank nodes come back as `nodeID://b10015`, which is no blank node label (pyoxigraph refuses
  the whole answer): the prefix is taken off (`normalise_json`, `normalise_xml`);
- its JSON result writer is slow: a SELECT of 5,000–9,000 rows took 35–40% less time asked for
  XML (bench/RESULTS.md, issue 21), so SELECTs are asked for XML (`SELECT_ACCEPT`), whose
  booleans are SPARQL's already; ASK stays JSON (one row);
- `INSERT DATA` takes about 1,000 triples a statement: documents are written in chunks
  (`CHUNK_TRIPLES`), and a request that fails half-way keeps what it applied (no rollback), so a
  replacement is staged (jixiao.remote_store).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from enum import StrEnum

import httpx

from jixiao import sparql_lexer


class ServerKind(StrEnum):
    SPARQL = "sparql"  # any SPARQL 1.1 server (Oxigraph, Fuseki, GraphDB…)
    VIRTUOSO = "virtuoso"


QUERY_PATH = "/sparql"
# What a SELECT asks it for (see the module's docstring); its TSV would be faster still, but it is
# not SPARQL's TSV: an IRI, a string and a typed literal all come back as "…", so it is not used.
SELECT_ACCEPT = "application/sparql-results+xml"
UPDATE_PATH = "/sparql-auth"
# Its graphs in a fresh database, beside the service description's (named after its host).
SYSTEM_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#")
# Triples per INSERT DATA: the trial saw about 1,000 accepted with long literals; measured here,
# 1,000 take ~0.1 s, so chunking costs little.
CHUNK_TRIPLES = 1_000
# INSERT DATA statements per request: one request is one transaction for readers, so a whole
# normal document (~6k triples) is written in one.
CHUNKS_PER_REQUEST = 20


def kind_of(response: httpx.Response) -> ServerKind:
    server = response.headers.get("server", "")
    return ServerKind.VIRTUOSO if server.lower().startswith("virtuoso") else ServerKind.SPARQL


def setup_sql(user: str, password: str) -> list[str]:
    """The isql statements (as dba) that make a fresh Virtuoso ready for jixiao: the update user,
    and the system graphs private, so that the anonymous /sparql user (`nobody`) reads only the
    data graphs. (Excluding them per query with `define input:default-graph-exclude` is no way
    out: with it, 7.2.5 answers `GRAPH <g> {…}` wrongly.)"""
    private = "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"
    return [
        f"DB.DBA.USER_CREATE('{user}', '{password}')",
        f'GRANT SPARQL_UPDATE TO "{user}"',
        f"DB.DBA.RDF_GRAPH_GROUP_CREATE('{private}', 1)",
        *(f"DB.DBA.RDF_GRAPH_GROUP_INS('{private}', '{g}')" for g in SYSTEM_GRAPHS),
        f"DB.DBA.RDF_GRAPH_GROUP_INS('{private}', 'http://localuriqaserver/sparql')",
        "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 0, 1)",  # private graphs: nothing
        "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 1, 0)",  # the others: read
        f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{user}', 3, 0)",  # the others: read and write
    ]


VISIBLE_SYSTEM_GRAPH = (
    "SELECT ?g WHERE { { VALUES ?g { "
    + " ".join(f"<{g}>" for g in SYSTEM_GRAPHS)
    + " } GRAPH ?g { ?s ?p ?o } } UNION"
    " { GRAPH ?g { ?g a <http://www.w3.org/ns/sparql-service-description#Service> } } } LIMIT 1"
)


def server_cut(response: httpx.Response) -> str | None:
    """'time' or 'rows' when Virtuoso cut its answer short (its headers say so, its status not)."""
    if response.headers.get("x-sql-state", "").upper() == "S1TAT":
        return "time"
    if "x-sparql-maxrows" in response.headers:
        return "rows"
    return None


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first of them in the query (None if it does not lex)."""
    try:
        tokens = sparql_lexer.tokens(text)
    except sparql_lexer.LexError:
        return None
    for token in tokens:
        word = token.text.upper()
        if token.kind == sparql_lexer.Kind.WORD and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word
    return None


_ASK = "__ASK_RETVAL"


def ask_answer(document: dict[str, object]) -> bool | None:
    """Virtuoso's ASK answer (a SELECT of one `__ASK_RETVAL` row) as a boolean; None otherwise."""
    head = document.get("head")
    if not isinstance(head, dict) or head.get("vars") != [_ASK]:
        return None
    results = document.get("results")
    rows = results.get("bindings", []) if isinstance(results, dict) else []
    return bool(rows) and str(rows[0].get(_ASK, {}).get("value", "0")) not in ("0", "false")


def boolean_json(body: bytes) -> bytes:
    """SPARQL JSON's boolean form of a Virtuoso ASK answer; the body unchanged if it is not one."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    answer = ask_answer(document) if isinstance(document, dict) else None
    return body if answer is None else json.dumps({"head": {}, "boolean": answer}).encode()


_BOOLEAN = re.compile(
    rb'("datatype"\s*:\s*"http://www\.w3\.org/2001/XMLSchema#boolean"\s*,\s*"value"\s*:\s*)"([01])"'
)
# Only where the answer's syntax says a blank node follows: a literal holding the same characters
# has its quotes escaped (JSON) or its angle brackets (XML), so it never matches.
_BNODE_JSON = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
_BNODE_XML = re.compile(rb"(<bnode>)nodeID://")
_HOLD = 120  # bytes longer than any match: a match split between two chunks is completed first


def normalise_json(body: bytes) -> bytes:
    """Virtuoso's SPARQL JSON with SPARQL's booleans and blank node labels."""
    body = _BOOLEAN.sub(lambda m: m.group(1) + (b'"true"' if m.group(2) == b"1" else b'"false"'), body)
    return _BNODE_JSON.sub(rb"\1", body)


# pyoxigraph's XML results parser (0.5.13) trims a literal's leading and trailing whitespace
# (" |  | 产出指标…" came back "|  | 产出指标…"), but keeps whitespace written as a character
# reference, and raw whitespace once a reference stands before or after it: so the first and the
# last whitespace character of a literal are written as references.
_LEADING_SPACE = re.compile(rb"(<literal(?:\s[^>]*)?>)([ \t\r\n])")
_TRAILING_SPACE = re.compile(rb"([ \t\r\n])(</literal>)")


def _reference(space: bytes) -> bytes:
    return b"&#%d;" % space[0]


def normalise_xml(body: bytes) -> bytes:
    """Virtuoso's SPARQL XML with SPARQL's blank node labels (its booleans are right there) and
    every literal's edge whitespace kept through pyoxigraph's parser."""
    body = _BNODE_XML.sub(rb"\1", body)
    body = _LEADING_SPACE.sub(lambda m: m.group(1) + _reference(m.group(2)), body)
    return _TRAILING_SPACE.sub(lambda m: _reference(m.group(1)) + m.group(2), body)


def normalised_chunks(
    chunks: Iterator[bytes], normalise: Callable[[bytes], bytes] = normalise_json
) -> Iterator[bytes]:
    """`normalise` (JSON's or XML's) over a stream: the last bytes of each chunk wait for the next.
    Neither can make a new match by what it writes (both only shorten or rewrite inside a match)."""
    pending = b""
    for chunk in chunks:
        pending = normalise(pending + chunk)
        if len(pending) > _HOLD:
            yield pending[:-_HOLD]
            pending = pending[-_HOLD:]
    if pending:
        yield pending


def insert_requests(graph: str, ntriples: Iterator[str]) -> Iterator[str]:
    """Updates writing N-Triples `ntriples` into `graph`: INSERT DATA, CHUNK_TRIPLES triples a
    statement, CHUNKS_PER_REQUEST statements a request. Triples with blank nodes (the ontology's
    OWL lists) come last, together in one `INSERT {…} WHERE {}`: Virtuoso refuses blank nodes in
    INSERT DATA, and one template keeps each blank node one node."""
    statements: list[str] = []
    lines: list[str] = []
    blank: list[str] = []
    for line in ntriples:
        if not line.strip():
            continue
        if "_:" in line:  # maybe only inside a literal: then it is merely written in the last update
            blank.append(line.rstrip("\n"))
            continue
        lines.append(line.rstrip("\n"))
        if len(lines) == CHUNK_TRIPLES:
            statements.append(_insert(graph, lines))
            lines = []
            if len(statements) == CHUNKS_PER_REQUEST:
                yield " ;\n".join(statements)
                statements = []
    if lines:
        statements.append(_insert(graph, lines))
    if blank:
        body = "\n".join(blank)
        statements.append(f"INSERT {{ GRAPH <{graph}> {{\n{body}\n}} }} WHERE {{ }}")
    if statements:
        yield " ;\n".join(statements)


def _insert(graph: str, lines: list[str]) -> str:
    body = "\n".join(lines)
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}"
