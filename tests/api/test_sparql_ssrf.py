"""SERVICE and LOAD make the server fetch URLs (issue 16, item 1): refused from the SPARQL terminals.

Each bypass here is first run on pyoxigraph itself against a listener on 127.0.0.1, so the test
shows the engine really fetches for that text (the refusal is what stands between a web page and
the intranet), then sent to /sparql, which must refuse it and leave the listener untouched.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api.sparql import Limits, ProtocolError, refuse_unsafe
from jixiao import sparql_lexer
from tests.api.conftest import TOKEN, free_port, make_app


class Listener:
    """An HTTP server that counts requests and answers an empty SPARQL result."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                hits.append(f"{self.command} {self.path}")
                body = (
                    b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"literal","value":"x"}}]}}'
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *_: object) -> None:
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/x"


@pytest.fixture()
def listener() -> Iterator[Listener]:
    server = Listener()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


# Queries that hide SERVICE from a scan of the text; {url} is the listener. Each was seen to fetch.
HIDDEN_QUERIES = [
    # issue 16: `\#` in a prefixed name is an escape, not a comment
    "PREFIX e: <http://e/> SELECT ?s WHERE {{ OPTIONAL {{ ?x e:p e:a\\# }} SERVICE <{url}> {{ ?s ?p ?o }} }}",
    # `\'` in a prefixed name is an escape, not a string
    "PREFIX e: <http://e/> SELECT ?s WHERE {{ OPTIONAL {{ ?x e:p e:a\\' }} SERVICE <{url}> {{ ?s ?p ?o }} }}"
    " # '",
    # `<` the operator, read as an IRI up to a `>` in a comment
    "SELECT ?s WHERE {{ BIND(1 AS ?a) FILTER(?a<2)SERVICE#>\n<{url}> {{ ?s ?p ?o }} }}",
    # lower case, SILENT, no space before the IRI
    "select ?s where {{ service silent<{url}>{{ ?s ?p ?o }} }}",
    # directly after a literal and a dot
    'SELECT ?s WHERE {{ BIND("a" AS ?z) .SERVICE <{url}> {{ ?s ?p ?o }} }}',
]
HIDDEN_UPDATES = [
    "PREFIX e: <http://e/> INSERT {{ ?s ?p ?o }} WHERE {{ OPTIONAL {{ ?x e:p e:a\\# }}"
    " SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "LOAD <{url}>",
    "load silent <{url}> into graph <urn:g>",
    "PREFIX e: <http://e/> INSERT DATA {{ e:a\\# e:b e:c }} ; LOAD <{url}>",
]


@pytest.mark.parametrize("template", HIDDEN_QUERIES)
def test_hidden_service_in_a_query_is_refused(template: str, listener: Listener, client: TestClient) -> None:
    text = template.format(url=listener.url)
    # The engine itself fetches: without the refusal, this text reaches the listener.
    list(ox.Store().query(text))  # type: ignore[call-overload]
    assert listener.hits, "this case no longer makes Oxigraph fetch; it tests nothing"
    listener.hits.clear()
    response = client.get("/sparql", params={"query": text})
    assert response.status_code == 403, response.text
    assert "SERVICE" in response.json()["error"]
    assert not listener.hits


@pytest.fixture()
def writable_client(sample_data: Path, tmp_path: Path) -> Iterator[TestClient]:
    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    with TestClient(make_app(data, sparql_update_token=TOKEN)) as test_client:
        yield test_client


@pytest.mark.parametrize("template", HIDDEN_UPDATES)
def test_service_and_load_in_an_update_are_refused(
    template: str, listener: Listener, writable_client: TestClient
) -> None:
    text = template.format(url=listener.url)
    # The listener's answer is not RDF: what matters is that it was asked.
    with contextlib.suppress(OSError, RuntimeError, SyntaxError, ValueError):
        ox.Store().update(text)
    assert listener.hits, "this case no longer makes Oxigraph fetch; it tests nothing"
    listener.hits.clear()
    response = writable_client.post(
        "/sparql", data={"update": text}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 403, response.text
    assert not listener.hits


def test_load_when_allowed_is_attempted(listener: Listener) -> None:
    limits = Limits(timeout=5, max_rows=10, allow_load=True)
    refuse_unsafe(f"LOAD <{listener.url}>", limits, update=True)  # does not raise
    with pytest.raises(ProtocolError) as refused:
        refuse_unsafe(f"LOAD <{listener.url}>", Limits(timeout=5, max_rows=10), update=True)
    assert refused.value.status == 403 and "LOAD" in refused.value.message


NOT_KEYWORDS = [
    "SELECT ?service { ?service a <http://x/SERVICE> }",
    'SELECT * { ?s ?p "SERVICE <http://x> {}" } # SERVICE <x>',
    "PREFIX ex: <urn:> SELECT * { ?s ex:service ?o . ?s ex:load ?l }",
    "PREFIX : <urn:> SELECT * { :SERVICE ?p ?o }",
    "PREFIX service: <urn:> SELECT * { service:x ?p ?o }",
    "SELECT * { ?s ?p '''multi\nline SERVICE''' }",
    'SELECT * { ?s <http://x/load> "LOAD"@en }',
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",  # spaced comparisons: no fork
]


@pytest.mark.parametrize("text", NOT_KEYWORDS)
def test_names_strings_and_comments_are_not_keywords(text: str) -> None:
    refuse_unsafe(text, Limits(timeout=5, max_rows=10), update=True)


def test_codepoint_escapes_are_decoded_for_the_check() -> None:
    with pytest.raises(ProtocolError):
        refuse_unsafe("SELECT * { \\u0053ERVICE <http://x> {} }", Limits(timeout=5, max_rows=10))
    with pytest.raises(ProtocolError):
        refuse_unsafe("\\U0000004cOAD <http://x>", Limits(timeout=5, max_rows=10), update=True)


def test_absurd_nesting_is_refused_before_parsing() -> None:
    deep = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    with pytest.raises(ProtocolError) as refused:
        refuse_unsafe(deep, Limits(timeout=5, max_rows=10))
    assert refused.value.status == 400 and "deep" in refused.value.message
    refuse_unsafe("SELECT * WHERE " + "{" * 20 + "}" * 20, Limits(timeout=5, max_rows=10))


def test_an_unterminated_string_is_a_syntax_error() -> None:
    with pytest.raises(ProtocolError) as refused:
        refuse_unsafe("SELECT * { ?s ?p 'open }", Limits(timeout=5, max_rows=10))
    assert refused.value.status == 400


def test_many_unspaced_comparisons_are_refused_not_skipped() -> None:
    # `(?a<?b0)>(?c)`: `<?b0)>` is also an IRI, so each comparison is a second reading to follow.
    comparisons = "||".join(f"(?a<?b{i})>(?c)" for i in range(200))
    with pytest.raises(ProtocolError) as refused:
        refuse_unsafe(f"SELECT * {{ ?a ?p ?b FILTER({comparisons}) }}", Limits(timeout=5, max_rows=10))
    assert "comparisons" in refused.value.message
    few = "||".join(f"(?a<?b{i})>(?c)" for i in range(5))
    refuse_unsafe(f"SELECT * {{ ?a ?p ?b FILTER({few}) }}", Limits(timeout=5, max_rows=10))


def test_prefixed_name_escapes_are_one_token() -> None:
    names = [t.text for t in sparql_lexer.tokens("PREFIX e: <http://e/> SELECT * { e:a\\#b e:c\\'d ?o }")]
    assert "e:a\\#b" in names and "e:c\\'d" in names
