"""The SPARQL 1.1 Protocol over the store: dataset selection, limits, content negotiation.

Queries run on pyoxigraph directly (not through rdflib) because the protocol's
`default-graph-uri` / `named-graph-uri` map onto its dataset arguments, and its results stream:
the row cap and the time limit are checked between rows, so a capped query never materialises
everything it matched. Serialisation is pyoxigraph's too; capped SELECT results are first written
as SPARQL JSON (a few lines, below) and re-serialised by pyoxigraph into XML, CSV or TSV.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyoxigraph as ox

from jixiao import sparql_lexer
from ontology import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Media types offered, best first; the first is the default when the client accepts anything.
RESULT_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
# `?format=json` and friends, as YASGUI and curl users type them.
FORMAT_ALIASES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


class ProtocolError(Exception):
    """A request the protocol refuses; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Limits:
    timeout: float  # seconds
    max_rows: int
    allow_service: bool = False
    allow_load: bool = False  # LOAD <url> in updates: the server fetches the URL


@dataclass(frozen=True)
class Dataset:
    """The protocol's dataset description; both empty means "the union of all documents"."""

    default_graphs: Sequence[str] = ()
    named_graphs: Sequence[str] = ()


@dataclass
class Answer:
    body: bytes
    media_type: str
    rows: int
    cut: str | None = None  # "rows" or "time" when the result was cut short
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Deadline:
    """Checked between rows, so a streaming answer is cut at the time limit (a query that yields
    no row in time is the worker pool's to stop: see query_process)."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def passed(self) -> bool:
        return time.monotonic() - self.started > self.seconds

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)


# --- content negotiation -----------------------------------------------------------------------


def negotiate(accept: str | None, offered: Sequence[str], format_param: str | None = None) -> str:
    """The offered media type the client prefers (RFC 9110 q-values; wildcards allowed)."""
    if format_param:
        wanted = FORMAT_ALIASES.get(format_param.lower(), format_param.lower())
        if wanted in offered:
            return wanted
        raise ProtocolError(406, f"format={format_param}: not offered here; use one of {', '.join(offered)}")
    if not accept or not accept.strip():
        return offered[0]
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        media = media.lower()
        for order, candidate in enumerate(offered):
            if _matches(media, candidate):
                # Specific types beat wildcards at the same q; the server's order breaks ties.
                specificity = 0 if "*" in media else 1
                rank = (quality, specificity * 1000 - order - position, candidate)
                if best is None or rank[:2] > best[:2]:
                    best = rank
                break
    if best is None:
        raise ProtocolError(
            406, f"none of the requested types ({accept}) is offered; use one of {', '.join(offered)}"
        )
    return best[2]


def _matches(pattern: str, media: str) -> bool:
    if pattern in ("*/*", "*"):
        return True
    if pattern.endswith("/*"):
        return media.startswith(pattern[:-1])
    return pattern == media


# --- what a request may not do -----------------------------------------------------------------

MAX_NESTING = 64  # groups, brackets and parentheses: pyoxigraph's parser overflows its stack near 5,000


def refuse_unsafe(text: str, limits: Limits, *, update: bool = False) -> None:
    """Raise ProtocolError for a query or update the endpoint will not run.

    From the SPARQL terminals (jixiao.sparql_lexer), never from a scan of the raw text: SERVICE
    (federation) and LOAD make the server fetch URLs, pyoxigraph has no switch to turn them off,
    and a keyword hidden from a text scan by an escape is still a keyword to Oxigraph's parser.
    """
    try:
        found = sparql_lexer.scan(text)
    except sparql_lexer.LexError as exc:
        raise ProtocolError(400, f"SPARQL syntax error: {exc}") from None
    if found.depth > MAX_NESTING:
        raise ProtocolError(
            400,
            f"the {'update' if update else 'query'} nests groups {found.depth} deep; at most {MAX_NESTING}",
        )
    if "SERVICE" in found.words and not limits.allow_service:
        raise ProtocolError(403, "SERVICE (federated query) is not allowed on this endpoint")
    if update and "LOAD" in found.words and not limits.allow_load:
        raise ProtocolError(403, "LOAD (fetching a URL into the store) is not allowed on this endpoint")


def uses_service(text: str) -> bool:
    """True when some reading of a query or update holds the SERVICE keyword (or it cannot be read)."""
    try:
        return "SERVICE" in sparql_lexer.scan(text).words
    except sparql_lexer.LexError:
        return True


# --- execution ----------------------------------------------------------------------------------

GraphNames = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


class QueryEngine(Protocol):
    """What queries run on: a pyoxigraph Store, or api.remote.RemoteEngine (a SPARQL server)."""

    def query(
        self,
        query: str,
        /,
        *,
        use_default_graph_as_union: bool = False,
        default_graph: GraphNames | list[GraphNames] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | Iterable[ox.Triple]: ...

    def update(self, update: str, /) -> None: ...


class Endpoint:
    def __init__(
        self, store: QueryEngine, limits: Limits, rehearse: Callable[[str, float], None] | None = None
    ) -> None:
        self.store = store
        self.limits = limits
        # Before an update is applied: rehearse(text, seconds left) raises ProtocolError when the
        # update fails or outlives the time limit (api.query_process.UpdateRehearsal: in a worker,
        # on a checkpoint, so nothing is written and the server is not held).
        self.rehearse = rehearse
        self._write = threading.Lock()  # one update at a time; reads never wait for it

    def query(
        self,
        text: str,
        dataset: Dataset,
        accept: str | None,
        deadline: Deadline,
        format_param: str | None = None,
    ) -> Answer:
        # pyoxigraph's result iterators must be dropped on the thread that made them. An exception
        # escaping with a traceback would carry them (in its frames) to the event loop's thread, so
        # failures are re-raised here, outside the `except`, once the frames are gone.
        failure: ProtocolError | None = None
        try:
            return self._query(text, dataset, accept, deadline, format_param)
        except ProtocolError as exc:
            failure = ProtocolError(exc.status, exc.message)
        except SyntaxError as exc:
            failure = ProtocolError(400, f"SPARQL syntax error: {exc}")
        except (OSError, RuntimeError, ValueError) as exc:  # evaluation errors surface while rows are read
            failure = ProtocolError(400, f"query failed: {exc}")
        raise failure

    def _query(
        self, text: str, dataset: Dataset, accept: str | None, deadline: Deadline, format_param: str | None
    ) -> Answer:
        if not text.strip():
            raise ProtocolError(400, "empty query")
        refuse_unsafe(text, self.limits)
        if not dataset.default_graphs and not dataset.named_graphs:
            # The protocol's parameters win over the query's FROM; without them, FROM decides. It
            # must be passed on: with the union default graph pyoxigraph ignores FROM, and a
            # remote store gets it as the protocol's parameters.
            clauses = sparql_lexer.dataset_clauses(text)
            dataset = Dataset(clauses.default_graphs, clauses.named_graphs)
        result = self.store.query(text, **_dataset_arguments(dataset))
        if isinstance(result, ox.QueryBoolean):
            return self._boolean(bool(result), accept, format_param)
        if isinstance(result, ox.QuerySolutions):
            answer = self._solutions(result, accept, deadline, format_param)
        else:
            answer = self._triples(result, accept, deadline, format_param)
        # A server that cut its answer short says so apart from the rows (api.remote: Virtuoso).
        cut_by_server = getattr(self.store, "cut_by_server", None)
        if answer.cut is None and cut_by_server is not None:
            answer.cut = cut_by_server()
        return answer

    def update(self, text: str, deadline: Deadline | None = None) -> None:
        """Apply an update; its time limit (the rehearsal's) counts from `deadline.started`, the
        request's arrival, so the wait for another update counts too."""
        if not text.strip():
            raise ProtocolError(400, "empty update")
        refuse_unsafe(text, self.limits, update=True)
        deadline = deadline or Deadline(self.limits.timeout)
        failure: ProtocolError | None = None
        if not self._write.acquire(timeout=max(deadline.left(), 0.0)):
            raise ProtocolError(
                503, f"another update held the store for the whole time limit ({self.limits.timeout:g} s)"
            )
        try:
            if self.rehearse is not None:
                self.rehearse(text, deadline.left())
            try:
                self.store.update(text)
            except SyntaxError as exc:
                failure = ProtocolError(400, f"SPARQL syntax error: {exc}")
            except (OSError, RuntimeError, ValueError) as exc:
                failure = ProtocolError(400, f"update failed: {exc}")
        finally:
            self._write.release()
        if failure is not None:
            raise failure

    # -- the three result forms --

    def _boolean(self, value: bool, accept: str | None, format_param: str | None) -> Answer:
        media = negotiate(accept, list(RESULT_TYPES), format_param)
        document = json.dumps({"head": {}, "boolean": value}).encode()
        fmt = RESULT_TYPES[media]
        if fmt == ox.QueryResultsFormat.JSON:
            return Answer(document, media, 1)
        if fmt in (ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV):
            # The CSV/TSV results format has no boolean form; a bare true/false is the convention.
            return Answer(b"true\n" if value else b"false\n", media, 1)
        return Answer(_reserialise(document, fmt), media, 1)

    def _solutions(
        self, solutions: ox.QuerySolutions, accept: str | None, deadline: Deadline, format_param: str | None
    ) -> Answer:
        media = negotiate(accept, list(RESULT_TYPES), format_param)
        names = [v.value for v in solutions.variables]
        bindings: list[dict[str, Any]] = []
        cut = None
        for solution in solutions:
            if len(bindings) >= self.limits.max_rows:
                cut = "rows"
                break
            if deadline.passed():
                cut = "time"
                break
            row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = _term_json(term)
            bindings.append(row)
        document = json.dumps(
            {"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False
        )
        fmt = RESULT_TYPES[media]
        body = (
            document.encode() if fmt == ox.QueryResultsFormat.JSON else _reserialise(document.encode(), fmt)
        )
        return Answer(body, media, len(bindings), cut)

    def _triples(
        self, triples: Iterable[ox.Triple], accept: str | None, deadline: Deadline, format_param: str | None
    ) -> Answer:
        media = negotiate(accept, list(GRAPH_TYPES), format_param)
        kept: list[ox.Triple] = []
        cut = None
        for triple in triples:
            if len(kept) >= self.limits.max_rows:
                cut = "rows"
                break
            if deadline.passed():
                cut = "time"
                break
            kept.append(triple)
        body = ox.serialize(kept, format=GRAPH_TYPES[media], prefixes=_used_prefixes(kept))
        return Answer(body or b"", media, len(kept), cut)


def _dataset_arguments(dataset: Dataset) -> dict[str, Any]:
    if not dataset.default_graphs and not dataset.named_graphs:
        # Each document is a named graph; the default graph is their union (as in the CLI).
        return {"use_default_graph_as_union": True}
    try:
        defaults: list[ox.NamedNode | ox.DefaultGraph] = [ox.NamedNode(g) for g in dataset.default_graphs]
        named = [ox.NamedNode(g) for g in dataset.named_graphs]
    except ValueError as exc:
        raise ProtocolError(400, f"default-graph-uri / named-graph-uri: not an IRI ({exc})") from None
    # Protocol: when only one of the two is given, the other is empty. The store's own default
    # graph holds nothing, so it stands for "empty".
    return {"default_graph": defaults or [ox.DefaultGraph()], "named_graphs": named}


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _term_json(term.subject),
                "predicate": _term_json(term.predicate),
                "object": _term_json(term.object),
            },
        }
    raise TypeError(f"unexpected term {term!r}")


def _reserialise(document: bytes, fmt: ox.QueryResultsFormat) -> bytes:
    parsed = ox.parse_query_results(document, format=ox.QueryResultsFormat.JSON)
    body = parsed.serialize(format=fmt)
    return body or b""


def _used_prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    iris = {t.predicate.value for t in triples}
    iris.update(
        term.value for t in triples for term in (t.subject, t.object) if isinstance(term, ox.NamedNode)
    )
    return {p: ns for p, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)}
