"""The SPARQL endpoint and the pages over a remote store (`--store sparql+http://…`).

`RemoteEngine` stands where a pyoxigraph Store stands for `Endpoint` and `Catalogue`: it sends the
query to the server (with the protocol's default-graph-uri / named-graph-uri as given) and reads
the answer as it streams in, SPARQL JSON for solutions and N-Triples for graphs, parsed by
pyoxigraph. So the endpoint behaves as with the embedded store: the same formats, the row cap
(it stops reading and closes the connection), SERVICE refused, updates behind the same token and
then forwarded.

What cannot be enforced from here: a query the server is still computing goes on after jixiao
gives up on it (set the server's own limit, `oxigraph serve --timeout-s`, Fuseki's
`arq:queryTimeout`), and the server computes its whole answer even when jixiao keeps only the
first rows. The time limit here is the HTTP read timeout (no byte for that long) plus the check
between rows. Virtuoso is told the limit and the row cap (it stops itself and says so in a header:
`cut_by_server`, which api.sparql reports as X-Jixiao-Cut).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx
import pyoxigraph as ox

from api.sparql import Answer, Dataset, Deadline, Endpoint, GraphNames, Limits, ProtocolError
from jixiao import virtuoso
from jixiao.remote_store import RemoteError, SparqlClient

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


class RemoteEngine:
    def __init__(self, client: SparqlClient) -> None:
        self.client = client
        self._last = threading.local()  # this thread's last answer: cut by the server?

    def cut_by_server(self) -> str | None:
        """'time' or 'rows' when the server cut this thread's last answer short (Virtuoso answers
        200 with the rows found so far and says so only in a header): api.sparql reports it."""
        cut: str | None = getattr(self._last, "cut", None)
        return cut

    def query(
        self,
        query: str,
        /,
        *,
        use_default_graph_as_union: bool = False,
        default_graph: GraphNames | list[GraphNames] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple]:
        # The union needs no parameter: the server's default graph is it (checked at open). The
        # store's own default graph (ox.DefaultGraph, "empty" to the endpoint) is left out.
        defaults = default_graph if isinstance(default_graph, list) else [default_graph]
        default_iris = [g.value for g in defaults if isinstance(g, ox.NamedNode)]
        named_iris = [g.value for g in named_graphs or [] if isinstance(g, ox.NamedNode)]
        form = virtuoso.query_form(query) if self.client.virtuoso else None
        # Virtuoso answers a CONSTRUCT asked for ACCEPT in a JSON of its own: ask for N-Triples;
        # and a SELECT in XML, which it writes faster than JSON (jixiao.virtuoso.SELECT_ACCEPT).
        accept = ACCEPT
        if form in ("CONSTRUCT", "DESCRIBE"):
            accept = "application/n-triples"
        elif form == "SELECT":
            accept = virtuoso.SELECT_ACCEPT
        try:
            response = self.client.query(query, accept, default_iris, named_iris, stream=True)
        except RemoteError as exc:
            raise protocol_error(exc, self.client.timeout) from None
        self._last.cut = virtuoso.server_cut(response) if self.client.virtuoso else None
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        json_results = media in ("application/sparql-results+json", "application/json")
        xml_results = media in ("application/sparql-results+xml", "application/xml")
        normalise = None
        if self.client.virtuoso and (json_results or xml_results):
            normalise = virtuoso.normalise_json if json_results else virtuoso.normalise_xml
        body = io.BufferedReader(_Body(response, self.client.timeout, normalise))
        if json_results and form == "ASK":
            # Its ASK answer is a one-row SELECT: read whole (one row), given back as a boolean.
            whole = virtuoso.boolean_json(body.read())
            body.close()
            return ox.parse_query_results(io.BytesIO(whole), ox.QueryResultsFormat.JSON)
        if json_results:
            return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        if xml_results:
            return ox.parse_query_results(body, ox.QueryResultsFormat.XML)
        if media in ("application/n-triples", "text/plain"):
            return _triples(ox.parse(body, ox.RdfFormat.N_TRIPLES))
        body.close()
        raise ProtocolError(502, f"the store server answered in {media or 'no stated format'}")

    def update(self, update: str, /) -> None:
        try:
            self.client.update(update)
        except RemoteError as exc:
            raise protocol_error(exc, self.client.timeout, "update") from None

    def close(self) -> None:
        self.client.close()


def protocol_error(exc: RemoteError, timeout: float, what: str = "query") -> ProtocolError:
    """The store server's failure as the endpoint's answer: its 400 is the client's 400 (the query
    itself), a time-out 503 as with the embedded store, anything else 502 (the gateway's upstream)."""
    if exc.timed_out:
        outcome = "jixiao stopped waiting" if what == "query" else "the server may still apply it"
        return ProtocolError(503, f"the {what} ran longer than the time limit ({timeout:g} s); {outcome}")
    if exc.status == 400:
        return ProtocolError(400, str(exc))
    return ProtocolError(502, str(exc))


def _triples(quads: Iterable[ox.Quad]) -> Iterator[ox.Triple]:
    for quad in quads:
        yield ox.Triple(quad.subject, quad.predicate, quad.object)


class _Body(io.RawIOBase):
    """A streaming response as a file for pyoxigraph's parsers; closing it (or dropping it, with
    the results that read from it) closes the connection, so a capped answer is not read to the end."""

    def __init__(
        self, response: httpx.Response, timeout: float, normalise: Callable[[bytes], bytes] | None = None
    ) -> None:
        self._response = response
        chunks = response.iter_bytes()
        # Virtuoso's booleans ("1"/"0") and blank node labels as SPARQL's, on the fly (jixiao.virtuoso).
        self._chunks = virtuoso.normalised_chunks(chunks, normalise) if normalise else chunks
        self._pending = b""
        self._timeout = timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                self._response.close()  # the whole answer is read: the connection goes back to the pool
                return 0
            except httpx.TimeoutException:
                raise ProtocolError(
                    503, f"the store server sent nothing for {self._timeout:g} s (the time limit)"
                ) from None
            except httpx.HTTPError as exc:
                raise ProtocolError(502, f"the store server's answer broke off: {exc}") from None
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        self._response.close()
        super().close()


class InProcessQueries:
    """The query pool's interface for a remote store: queries run in the server, so no worker
    process is needed to survive an engine crash or to stop a query; a thread waits for the answer."""

    def __init__(self, engine: RemoteEngine, limits: Limits) -> None:
        # One row past the cap, so that a cut answer reads as cut (Virtuoso computes the whole
        # answer before sending any of it: without this a capped query runs to its time limit).
        engine.client.max_rows = limits.max_rows + 1
        self.engine = engine
        self.endpoint = Endpoint(engine, limits)
        self.limits = limits

    def query(self, text: str, dataset: Dataset, accept: str | None, format_param: str | None) -> Answer:
        return self.endpoint.query(text, dataset, accept, Deadline(self.limits.timeout), format_param)

    def refresh(self) -> None:
        """Nothing to restart: every query sees the server as it is."""

    def close(self) -> None:
        self.engine.close()
