"""The graph in a SPARQL 1.1 server (Oxigraph server, Fuseki, GraphDB, Virtuoso…), over HTTP.

`--store sparql+http://host:port[/path]` (or JIXIAO_STORE) chooses it; the search index stays in
the local data directory. Two endpoints are used, both derived from the store URL unless given:

    query   <store>/query    (JIXIAO_STORE_QUERY: a path on the same host, or a URL)
    update  <store>/update   (JIXIAO_STORE_UPDATE)

`sparql+http://host:7878` gives Oxigraph server's /query and /update; Fuseki's dataset `ds` is
`sparql+http://host:3030/ds` (its /ds/query and /ds/update). A user and password in the URL
(`sparql+https://user:secret@host/…`) are sent as HTTP basic auth and never printed.

Writes are SPARQL updates, not the Graph Store Protocol: replacing a document is one update
(DROP GRAPH + INSERT DATA), which the SPARQL 1.1 Update spec has servers apply as one request
(Oxigraph, Fuseki/TDB2 and GraphDB in one transaction). Oxigraph server's GSP PUT is not atomic:
it clears the graph and loads the body in two steps, so a reader sees the document missing in
between and a body it refuses half-way leaves the document empty.

Virtuoso (detected on open from its `Server:` header) is the exception: it keeps what a failed
request applied and takes ~1,000 triples an INSERT DATA, so a document is staged and moved in
(`_staged_replace`); its other quirks are in jixiao.virtuoso.

jixiao's queries read the default graph as the union of all documents' named graphs. A server
must be set up so (Oxigraph: `oxigraph serve --union-default-graph`; Fuseki:
`tdb2:unionDefaultGraph true`); opening the store checks it and says how when it is not.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit, urlunsplit

import httpx
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS
from rdflib.query import Result
from rdflib.term import Node

from jixiao import sparql_lexer, virtuoso
from jixiao.settings import Settings
from jixiao.store_interface import (
    DocumentTriples,
    RemoteEndpoints,
    SpooledDocument,
    StoredDocument,
    StoreError,
    ontology_installed,
    ontology_terms,
    staging_graph,
)
from jixiao.virtuoso import ServerKind
from ontology.namespace import JX

# What jixiao asks the server for: SPARQL JSON for SELECT/ASK, N-Triples (or Turtle) for CONSTRUCT.
ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9,"
    " application/n-triples;q=0.8, text/turtle;q=0.7"
)
RESULT_FORMATS = {"application/sparql-results+json": "json", "application/json": "json",
                  "application/sparql-results+xml": "xml", "application/xml": "xml"}  # fmt: skip
GRAPH_FORMATS = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle",
                 "application/rdf+xml": "xml", "application/ld+json": "json-ld"}  # fmt: skip
UNION_PROBE = URIRef("urn:jixiao:union-default-graph-probe")
UNION_HOWTO = (
    "Oxigraph: start it with `oxigraph serve --union-default-graph`; Fuseki: set"
    " `tdb2:unionDefaultGraph true` on the dataset; GraphDB and Virtuoso query all graphs by default"
    " (README, Remote store)"
)


class RemoteError(StoreError):
    """The store server could not be reached, or refused or failed a request.

    `status` is the HTTP status it answered (None when it did not answer); `timed_out` when the
    time limit passed first."""

    def __init__(self, message: str, status: int | None = None, timed_out: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.timed_out = timed_out


class QueryRejected(RemoteError, ValueError):
    """The server refused the query or update itself (400: syntax, unknown function…).

    A ValueError too, so callers that catch rdflib's parse errors catch this the same way."""


def remote_endpoints(settings: Settings) -> RemoteEndpoints:
    """The query and update URLs from `settings.store` (sparql+http[s]://[user:pw@]host[:port][/path])."""
    if settings.store is None:
        raise StoreError("no remote store is set (--store or JIXIAO_STORE)")
    parts = urlsplit(settings.store)
    scheme = parts.scheme.lower().removeprefix("sparql+")
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    origin = f"{scheme}://{netloc}"
    base = origin + parts.path.rstrip("/")
    auth = (parts.username or "", parts.password or "") if parts.username or parts.password else None

    def endpoint(given: str | None, default: str) -> str:
        if given is None:
            return f"{base}/{default}"
        return given if given.startswith(("http://", "https://")) else origin + given

    shown = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return RemoteEndpoints(
        endpoint(settings.store_query, "query"), endpoint(settings.store_update, "update"), shown, auth
    )


class SparqlClient:
    """The SPARQL 1.1 Protocol over HTTP: queries and updates sent directly in the POST body.

    Every failure is a RemoteError naming the server and the problem."""

    def __init__(self, endpoints: RemoteEndpoints, timeout: float) -> None:
        self.endpoints = endpoints
        self.timeout = timeout
        self.virtuoso = endpoints.kind == ServerKind.VIRTUOSO
        self.max_rows: int | None = None  # rows a query may bring back (Virtuoso: sent as `maxrows`)
        auth: httpx.Auth | tuple[str, str] | None = endpoints.auth
        read = timeout
        if self.virtuoso:
            if endpoints.auth is not None:
                auth = httpx.DigestAuth(*endpoints.auth)  # /sparql-auth asks for digest, refuses basic
            # It stops a query itself at `timeout` and sends what it found, marked: wait for that.
            # (Seen: a 0.5 s limit answered after 2 s; the grace is the larger of 3 s and the limit.)
            read = timeout + max(3.0, timeout)
        self._http = httpx.Client(
            timeout=httpx.Timeout(read, connect=min(timeout, 10.0)),
            auth=auth,
            headers={"User-Agent": "jixiao"},
        )

    def probe(self) -> ServerKind:
        """Which server answers at the query endpoint (its `Server:` header), whatever its status."""
        request = self._http.build_request("GET", self.endpoints.query, headers={"Accept": ACCEPT})
        response = self._transport(request, "query", stream=True)
        response.close()
        return virtuoso.kind_of(response)

    def query(
        self,
        text: str,
        accept: str = ACCEPT,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        stream: bool = False,
    ) -> httpx.Response:
        """The server's answer (status 200); with `stream`, its body not yet read (close it)."""
        params = httpx.QueryParams(
            {"default-graph-uri": list(default_graphs), "named-graph-uri": list(named_graphs)}
        )
        if self.virtuoso:
            # A POST of application/sparql-query hangs there: form-encoded, with its own time
            # limit (ms), past which it answers what it found so far (read as cut: server_cut).
            # It computes the whole answer before sending any: the row cap goes to it too.
            form: dict[str, str | list[str]] = {
                "query": text,
                "timeout": str(max(int(self.timeout * 1000), 1)),
                "default-graph-uri": list(default_graphs),
                "named-graph-uri": list(named_graphs),
            }
            if self.max_rows is not None:
                form["maxrows"] = str(self.max_rows)
            request = self._http.build_request(
                "POST", self.endpoints.query, data=form, headers={"Accept": accept}
            )
            return self._send(request, "query", stream)
        request = self._http.build_request(
            "POST",
            self.endpoints.query,
            params=params,
            content=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
        )
        return self._send(request, "query", stream)

    def update(self, text: str) -> None:
        if self.virtuoso:
            request = self._http.build_request("POST", self.endpoints.update, data={"update": text})
        else:
            request = self._http.build_request(
                "POST",
                self.endpoints.update,
                content=text.encode("utf-8"),
                headers={"Content-Type": "application/sparql-update; charset=utf-8"},
            )
        self._send(request, "update", stream=False).close()

    def _send(self, request: httpx.Request, what: str, stream: bool) -> httpx.Response:
        response = self._transport(request, what, stream)
        if response.status_code < 300:
            return response
        try:
            whole = response.read().decode("utf-8", "replace")
        except httpx.HTTPError:
            whole = ""
        finally:
            response.close()
        message = " ".join(whole[:2000].split())[:500]
        if self.virtuoso and response.status_code == 500 and "Virtuoso S1TAT Error" in whole[-2000:]:
            # Its time limit passed while it was sending: a 500 whose body breaks off mid-row.
            raise RemoteError(
                f"the store server {self.endpoints.shown} stopped the {what} at its time limit"
                f" ({self.timeout:g} s)",
                timed_out=True,
            )
        if self.virtuoso and response.status_code == 500 and "SR186" in message:
            # No permission: Virtuoso's word for an update by a user without SPARQL_UPDATE.
            raise RemoteError(
                f"the store server {self.endpoints.shown} refused the {what}: its user needs"
                f" SPARQL_UPDATE (README, Remote store): {message}",
                403,
            )
        raise _status_error(self.endpoints.shown, request.url, what, response.status_code, message)

    def _transport(self, request: httpx.Request, what: str, stream: bool) -> httpx.Response:
        where = self.endpoints.shown
        try:
            response = self._http.send(request, stream=stream)
        except httpx.TimeoutException:
            raise RemoteError(
                f"the store server {where} did not answer the {what} within {self.timeout:g} s",
                timed_out=True,
            ) from None
        except httpx.RemoteProtocolError as exc:
            raise RemoteError(
                f"the store server {where} closed the connection without answering the {what} ({exc});"
                " it may have failed on it: see its log"
            ) from None
        except httpx.HTTPError as exc:
            raise RemoteError(
                f"cannot reach the store server {where} ({type(exc).__name__}: {exc}); is it running?"
            ) from None
        return response

    def close(self) -> None:
        self._http.close()


def _status_error(where: str, url: httpx.URL, what: str, status: int, message: str) -> RemoteError:
    said = f": {message}" if message else ""
    if status == 400:
        return QueryRejected(f"the store server {where} refused the {what} (400){said}", status)
    if status in (401, 403):
        return RemoteError(
            f"the store server {where} refused access ({status}): give a user and password in the store"
            f" URL (sparql+https://user:password@host/…){said}",
            status,
        )
    if status in (404, 405):
        endpoint = url.copy_with(query=None)
        setting, example = (
            ("JIXIAO_STORE_QUERY", "/ds/sparql") if what == "query" else ("JIXIAO_STORE_UPDATE", "/ds/update")
        )
        return RemoteError(
            f"no SPARQL {what} endpoint at {endpoint} ({status}); if the server uses another path,"
            f" set {setting} (e.g. {example}){said}",
            status,
        )
    return RemoteError(f"the store server {where} failed the {what} ({status}){said}", status)


class RemoteStore:
    """The Store protocol over a SPARQL 1.1 server. Each document is a named graph there, as in
    the embedded store; nothing is kept locally."""

    def __init__(self, settings: Settings) -> None:
        self.endpoints = remote_endpoints(settings)
        self.client = SparqlClient(self.endpoints, settings.store_timeout)
        try:
            if self.client.probe() == ServerKind.VIRTUOSO:
                self.client.close()
                self.endpoints = self._virtuoso_endpoints(settings)
                self.client = SparqlClient(self.endpoints, settings.store_timeout)
            self._check_union_default_graph()
        except BaseException:
            self.client.close()
            raise

    @property
    def virtuoso(self) -> bool:
        return self.client.virtuoso

    def _virtuoso_endpoints(self, settings: Settings) -> RemoteEndpoints:
        """Its own paths unless the store URL or the settings name others; its system graphs kept out."""
        bare = not urlsplit(settings.store or "").path.strip("/")
        origin = urlunsplit((*urlsplit(self.endpoints.query)[:2], "", "", ""))
        query, update = self.endpoints.query, self.endpoints.update
        if bare and settings.store_query is None:
            query = origin + virtuoso.QUERY_PATH
        if bare and settings.store_update is None:
            update = origin + virtuoso.UPDATE_PATH
        endpoints = dataclasses.replace(self.endpoints, query=query, update=update, kind=ServerKind.VIRTUOSO)
        client = SparqlClient(endpoints, settings.store_timeout)
        try:
            answer = client.query(virtuoso.VISIBLE_SYSTEM_GRAPH, "application/sparql-results+json")
            visible = [row["g"]["value"] for row in answer.json()["results"]["bindings"]]
        finally:
            client.close()
        if visible:
            steps = ";\n  ".join(virtuoso.setup_sql("USER", "PASSWORD"))
            raise StoreError(
                f"the store server {endpoints.shown} (Virtuoso) shows its system graph <{visible[0]}> to"
                " SPARQL readers: it would be counted in jixiao's statistics, pages and cookbook. Make"
                f" its system graphs private, as dba in isql-vt (README, Remote store):\n  {steps};"
            )
        return endpoints

    # -- the protocol --

    def replace_document(self, graph: Graph) -> None:
        name = graph.identifier
        if not isinstance(name, URIRef):
            raise StoreError("a document graph needs an IRI as its name")
        body = graph.serialize(format="nt")
        if self.virtuoso:
            self._staged_replace(name, iter(body.splitlines()), "")
            return
        # One update = one request, applied whole or not at all (see the module's docstring).
        self.client.update(f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")

    def replace_document_file(self, document: SpooledDocument) -> None:
        """As `replace_document`, from spooled N-Triples: still one update, so one transaction on
        the server (whose memory that is); here the body is read from disk, not built in rdflib."""
        name = document.graph
        if self.virtuoso:
            with document.content.open(encoding="utf-8") as lines:
                self._staged_replace(name, lines, document.marker)
            return
        body = document.content.read_text("utf-8") + document.marker
        self.client.update(f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")

    # -- Virtuoso: staged replacement --

    def _staged_replace(self, graph: URIRef, content: Iterator[str] | io.TextIOBase, marker: str) -> None:
        """Replace a document on Virtuoso, which applies a request's operations one by one and keeps
        those done when a later one fails, and takes ~1,000 triples an INSERT DATA:

        1. the new version goes into `<graph>/staging`, in chunks, its marker (the lines listing
           it) last; a failure here drops the staging graph: the old version is untouched;
        2. one small request moves it in (`MOVE`: the old version dropped, the staging graph
           renamed), one transaction for readers, who see the old document or the new one.

        A normal document (≤ 20,000 triples) is written in one request in step 1 as well. A
        reader of the union default graph can see the staging triples beside the old version
        during step 1 of a bigger one, as with the embedded store's big documents. A crash
        between 1 and 2 leaves a complete staging graph (marker included), which `jixiao check
        --repair` moves in (`finish_staged`)."""
        staging = staging_graph(graph)
        self.client.update(f"DROP SILENT GRAPH <{staging}>")
        try:
            for update in virtuoso.insert_requests(str(staging), _lines(content, marker)):
                self.client.update(update)
        except BaseException:
            self.client.update(f"DROP SILENT GRAPH <{staging}>")
            raise
        self.client.update(f"MOVE SILENT GRAPH <{staging}> TO <{graph}>")

    def staged_complete(self, graph: URIRef) -> bool:
        staging = staging_graph(graph)
        return self._ask(f"ASK {{ GRAPH <{staging}> {{ <{graph}> <{JX.sha256}> ?sha }} }}")

    def finish_staged(self, graph: URIRef) -> int:
        staging = staging_graph(graph)
        self.client.update(f"MOVE SILENT GRAPH <{staging}> TO <{graph}>")
        return self.graph_size(graph)

    # -- bulk (`jixiao ingest --bulk`) --

    def bulk_add_documents(self, documents: Sequence[DocumentTriples]) -> None:
        """New documents, in chunked updates, each document's marker last: a load cut short leaves
        no document listed half-written, and rerunning it writes the unlisted ones again."""
        for document in documents:
            self.replace_document_triples(document)

    def replace_document_triples(self, document: DocumentTriples) -> None:
        if self.virtuoso:
            self._staged_replace(document.graph, iter(document.content.splitlines()), document.marker)
            return
        name = document.graph
        body = document.content + document.marker
        self.client.update(f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")

    def install_ontology(self) -> bool:
        """Put the current ontology terms into their graph; False when they were already there."""
        if self._ask(ontology_installed()):
            return False
        self.replace_document(ontology_terms())
        return True

    def remove_document(self, graph: URIRef) -> int:
        before = self.graph_size(graph)
        self.client.update(f"DROP SILENT GRAPH <{graph}>")
        return before

    def has_document(self, graph: URIRef) -> bool:
        return self._ask(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")

    def graph_size(self, graph: URIRef) -> int:
        return self._count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")

    def documents(self) -> list[StoredDocument]:
        rows = self._select(
            f"""SELECT ?g ?title ?sha ?layout WHERE {{ GRAPH ?g {{
                    ?g a <{JX.SourceDocument}> ; <{DCTERMS.title}> ?title ;
                       <{JX.sha256}> ?sha ; <{JX.layout}> ?layout }} }} ORDER BY ?title"""
        )
        return [
            StoredDocument(URIRef(str(r["g"])), str(r["title"]), str(r["sha"]), str(r["layout"]))
            for r in rows
        ]

    def query(self, sparql: str) -> Result:
        """An rdflib Result, as the embedded store gives: rdflib's usual prefixes (rdf:, rdfs:, xsd:,
        skos:, …) may be left undeclared here too."""
        text = with_default_prefixes(sparql)
        try:
            clauses = sparql_lexer.dataset_clauses(text)
        except sparql_lexer.LexError as exc:
            raise SyntaxError(str(exc)) from None
        # A server whose default graph is the union may drop FROM (Oxigraph does): say it in the
        # protocol's parameters, which every server honours.
        form = virtuoso.query_form(text) if self.virtuoso else None
        accept = ACCEPT  # as api.remote: Virtuoso's graphs in N-Triples, its solutions in XML
        if form in ("CONSTRUCT", "DESCRIBE"):
            accept = "application/n-triples"
        elif form == "SELECT":
            accept = virtuoso.SELECT_ACCEPT
        response = self.client.query(text, accept, clauses.default_graphs, clauses.named_graphs)
        body = response.content
        if self.virtuoso:
            cut = virtuoso.server_cut(response)
            if cut is not None:
                raise RemoteError(
                    f"the store server {self.endpoints.shown} cut its answer short"
                    f" ({'its time limit' if cut == 'time' else 'its ResultSetMaxRows'}):"
                    " the rows it sent are not the whole answer",
                    timed_out=cut == "time",
                )
            media = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if RESULT_FORMATS.get(media) == "xml":
                body = virtuoso.normalise_xml(body)
            else:
                body = virtuoso.normalise_json(body)
                if form == "ASK":
                    body = virtuoso.boolean_json(body)
        return parse_result(body, response.headers.get("content-type", ""), self.endpoints.shown)

    def dataset(self) -> Dataset:
        """Every named graph, copied into memory (for export and SHACL validation): one SELECT,
        so blank nodes keep their identity across the whole copy."""
        dataset = Dataset(default_union=True)
        graphs: dict[Node, Graph] = {}
        for row in self._select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"):
            graph = graphs.get(row["g"])
            if graph is None:
                graph = graphs[row["g"]] = dataset.graph(row["g"])  # type: ignore[arg-type]
            graph.add((row["s"], row["p"], row["o"]))
        return dataset

    def quad_count(self) -> int:
        return self._count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")

    def close(self) -> None:
        self.client.close()

    # -- helpers --

    def _select(self, sparql: str) -> list[dict[str, Node]]:
        result = self.query(sparql)
        names = [str(v) for v in result.vars or []]
        found = []
        for row in result:
            found.append({name: row[i] for i, name in enumerate(names)})  # type: ignore[index]
        return found

    def _ask(self, sparql: str) -> bool:
        return bool(self.query(sparql).askAnswer)

    def _count(self, sparql: str) -> int:
        rows = self._select(sparql)
        return int(rows[0]["n"]) if rows else 0  # type: ignore[call-overload]

    def _check_union_default_graph(self) -> None:
        """Fail at once, with the server option to set, unless the default graph is the union.

        A triple of some named graph must show in the default graph. An empty server is probed by
        writing one triple to a graph of its own, and dropping it."""
        found = self._select(
            "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && !isBlank(?o)) } LIMIT 1"
        )
        if found:
            s, p, o = (found[0][k] for k in ("s", "p", "o"))
            union = self._ask(f"ASK {{ {s.n3()} {p.n3()} {o.n3()} }}")
        else:
            triple = f"<{UNION_PROBE}> <{UNION_PROBE}> <{UNION_PROBE}>"
            self.client.update(f"INSERT DATA {{ GRAPH <{UNION_PROBE}> {{ {triple} }} }}")
            try:
                union = self._ask(f"ASK {{ {triple} }}")
            finally:
                self.client.update(f"DROP SILENT GRAPH <{UNION_PROBE}>")
        if not union:
            raise StoreError(
                f"the store server {self.endpoints.shown} does not read the union of its named graphs as"
                f" its default graph, which jixiao's queries rely on. {UNION_HOWTO}"
            )


def _lines(content: Iterator[str] | io.TextIOBase, marker: str) -> Iterator[str]:
    yield from content
    yield from marker.splitlines()


# --- rdflib results ------------------------------------------------------------------------------

_DECLARED = re.compile(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:")
_DEFAULT_PREFIXES: dict[str, str] | None = None


def _default_prefixes() -> dict[str, str]:
    global _DEFAULT_PREFIXES
    if _DEFAULT_PREFIXES is None:
        _DEFAULT_PREFIXES = {p: str(ns) for p, ns in Dataset().namespaces() if p}
    return _DEFAULT_PREFIXES


def with_default_prefixes(sparql: str) -> str:
    """The query with PREFIX lines for rdflib's standard prefixes it uses but does not declare
    (rdflib, and so the embedded store, knows them without declaration; a server does not)."""
    declared = {m.group(1) or "" for m in _DECLARED.finditer(sparql)}
    lines = [
        f"PREFIX {prefix}: <{ns}>"
        for prefix, ns in _default_prefixes().items()
        if prefix not in declared and re.search(rf"(?<![\w?$:.-]){re.escape(prefix)}:", sparql)
    ]
    return "\n".join([*lines, sparql]) if lines else sparql


def parse_result(body: bytes, content_type: str, where: str) -> Result:
    media = content_type.split(";")[0].strip().lower()
    if media in RESULT_FORMATS:
        return Result.parse(io.BytesIO(body), format=RESULT_FORMATS[media])
    if media in GRAPH_FORMATS:
        result = Result("CONSTRUCT")
        result.graph = Graph().parse(data=body, format=GRAPH_FORMATS[media])
        return result
    raise RemoteError(
        f"the store server {where} answered in {media or 'no stated format'}, not SPARQL results"
    )
