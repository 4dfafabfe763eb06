"""/sparql: the SPARQL 1.1 Protocol's three ways to send a query, and updates behind a token."""

from __future__ import annotations

import asyncio
import hmac
import time
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.contracts import ErrorBody
from api.http_guards import cross_origin_write
from api.resources import Resources, resources
from api.sparql import FORMAT_ALIASES, GRAPH_TYPES, RESULT_TYPES, Answer, Dataset, Deadline, ProtocolError

router = APIRouter(tags=["sparql"])
Held = Annotated[Resources, Depends(resources)]

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"

# What /sparql answers, for /docs and /openapi.json (the handlers return a Response, so FastAPI
# would show an empty JSON schema): the media types negotiation offers (api/sparql.py), the
# SPARQL 1.1 Protocol's parameters, and the errors the protocol and the query workers give.
_RESULTS_JSON: dict[str, Any] = {
    "type": "object",
    "description": "SPARQL 1.1 Query Results JSON: head.vars and results.bindings, or boolean for ASK",
    "required": ["head"],
    "properties": {
        "head": {"type": "object"},
        "results": {
            "type": "object",
            "properties": {"bindings": {"type": "array", "items": {"type": "object"}}},
        },
        "boolean": {"type": "boolean"},
    },
}
_TEXT: dict[str, Any] = {"type": "string"}
_RESULT_SCHEMAS: dict[str, dict[str, Any]] = {
    media: _RESULTS_JSON if media.endswith("json") else _TEXT for media in RESULT_TYPES
}
_GRAPH_SCHEMAS: dict[str, dict[str, Any]] = {
    media: {"type": ["array", "object"], "description": "JSON-LD"} if media.endswith("json") else _TEXT
    for media in GRAPH_TYPES
}
_ANSWER: dict[str, Any] = {
    "description": "the answer: SELECT and ASK as SPARQL results (JSON first, then XML, CSV, TSV),"
    " CONSTRUCT and DESCRIBE as RDF (Turtle first, then N-Triples, JSON-LD, RDF/XML), by the Accept"
    " header or ?format=; X-Jixiao-Rows gives the rows, X-Jixiao-Cut says a result was cut short",
    "headers": {
        "X-Jixiao-Rows": {"description": "rows (or triples) in the answer", "schema": {"type": "string"}},
        "X-Jixiao-Cut": {
            "description": "present when the answer was cut: `rows; limit=N` or `time; limit=Ns`",
            "schema": {"type": "string"},
        },
    },
    "content": {
        **{media: {"schema": schema} for media, schema in _RESULT_SCHEMAS.items()},
        **{media: {"schema": schema} for media, schema in _GRAPH_SCHEMAS.items()},
    },
}


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


_QUERY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("missing or empty query, SPARQL syntax error, or a dataset IRI that is not an IRI"),
    403: _error("SERVICE (federated query) is not allowed on this endpoint"),
    406: _error("none of the Accept header's types, or format=, is offered"),
    500: _error("the query engine crashed on this query (the service goes on)"),
    502: _error("the remote store's server (--store) failed or cannot be reached"),
    503: _error(
        "the query ran past the time limit, no worker was free in time (Retry-After), or the service"
        " is stopping"
    ),
}
_GET_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _ANSWER,
    303: {"description": "no query and a browser asking for HTML: to the SPARQL page (/query)"},
    **_QUERY_ERRORS,
    405: _error("SPARQL Update by GET (send it by POST)"),
}
_POST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _ANSWER,
    204: {"description": "the update was applied"},
    **_QUERY_ERRORS,
    400: _error(
        "not exactly one query or update, SPARQL syntax error, a body that is not UTF-8, or"
        " using-graph-uri / using-named-graph-uri (write USING in the update)"
    ),
    401: _error("SPARQL Update without `Authorization: Bearer <token>`"),
    403: _error(
        "SERVICE or LOAD, a read-only endpoint (no update token), a wrong token, or an update from"
        " another site's page"
    ),
    413: _error("a body over JIXIAO_SPARQL_MAX_BODY bytes, refused before it is read"),
    415: _error(f"a Content-Type other than {FORM}, {QUERY_BODY} or {UPDATE_BODY}"),
}
_FORMATS = ", ".join(sorted(FORMAT_ALIASES))
_FORMAT_DESCRIPTION = (
    f"the answer's media type, instead of the Accept header: {_FORMATS}, or a media type itself"
)
_GRAPH_IRIS_POST_URL: list[dict[str, Any]] = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    }
    for name, description in (
        ("default-graph-uri", "with a query body: a graph of the default graph (repeatable)"),
        ("named-graph-uri", "with a query body: a named graph of the dataset (repeatable)"),
    )
] + [
    {
        "name": "format",
        "in": "query",
        "required": False,
        "description": _FORMAT_DESCRIPTION,
        "schema": {"type": "string"},
    }
]

_POST_BODY: dict[str, Any] = {
    "parameters": _GRAPH_IRIS_POST_URL,
    "requestBody": {
        "description": "SPARQL 1.1 Protocol: a form (query= or update=, default-graph-uri=,"
        " named-graph-uri=), or the query / update itself as application/sparql-query or"
        " application/sparql-update",
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string", "description": "the SPARQL query (or update=)"},
                        "update": {"type": "string", "description": "the SPARQL update (needs the token)"},
                        "default-graph-uri": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "a graph of the query's default graph (repeatable)",
                        },
                        "named-graph-uri": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "a named graph of the query's dataset (repeatable)",
                        },
                    },
                }
            },
            QUERY_BODY: {"schema": {"type": "string"}},
            UPDATE_BODY: {"schema": {"type": "string"}},
        },
    },
}


@router.get(
    "/sparql", summary="SPARQL query by GET (?query=…)", response_class=Response, responses=_GET_RESPONSES
)
async def sparql_get(
    request: Request,
    held: Held,
    query: Annotated[str | None, Query(description="the SPARQL query (SPARQL 1.1 Protocol)")] = None,
    default_graph_uri: Annotated[
        list[str] | None,
        Query(alias="default-graph-uri", description="a graph of the default graph (repeatable)"),
    ] = None,
    named_graph_uri: Annotated[
        list[str] | None,
        Query(alias="named-graph-uri", description="a named graph of the dataset (repeatable)"),
    ] = None,
    format: Annotated[str | None, Query(description=_FORMAT_DESCRIPTION)] = None,
) -> Response:
    arrived = time.monotonic()  # the time limit counts from here, not from when a worker is free
    if "update" in request.query_params:
        raise ProtocolError(405, "SPARQL Update must be sent by POST")
    if query is None:
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/query", status_code=303)  # a browser: the SPARQL page
        raise ProtocolError(400, "missing query parameter: /sparql?query=SELECT…")
    dataset = Dataset(tuple(default_graph_uri or ()), tuple(named_graph_uri or ()))
    return await _answer(request, held, query, dataset, format, arrived)


@router.post(
    "/sparql",
    summary="SPARQL query or update by POST",
    response_class=Response,
    responses=_POST_RESPONSES,
    openapi_extra=_POST_BODY,
)
async def sparql_post(request: Request, held: Held) -> Response:
    arrived = time.monotonic()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        # At most JIXIAO_SPARQL_MAX_BODY bytes: api.http_guards answers 413 beyond, before reading.
        body = (await request.body()).decode("utf-8") if media else ""
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the request body is not UTF-8 (byte {exc.start}: {exc.reason})") from None
    url = parse_qs(request.url.query, keep_blank_values=True)
    if media == FORM:
        form = parse_qs(body, keep_blank_values=True)
        fields = {key: values for key, values in form.items()}
    elif media in (QUERY_BODY, UPDATE_BODY):
        fields = {("query" if media == QUERY_BODY else "update"): [body]}
        for key in ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri"):
            if key in url:
                fields[key] = url[key]
    else:
        raise ProtocolError(
            415, f"Content-Type {media or '(none)'}: send {FORM}, {QUERY_BODY} or {UPDATE_BODY}"
        )
    queries, updates = fields.get("query", []), fields.get("update", [])
    if len(queries) + len(updates) != 1:
        raise ProtocolError(400, "send exactly one query or one update")
    if updates:
        if "using-graph-uri" in fields or "using-named-graph-uri" in fields:
            raise ProtocolError(
                400, "using-graph-uri / using-named-graph-uri are not supported: write USING in the update"
            )
        problem = cross_origin_write(request.headers, held.settings.write_origins)
        if problem is not None:
            raise ProtocolError(403, problem)  # a form POST from another site needs no preflight
        _authorise_update(request, held)
        # Rehearsed in a worker under the time limit, then applied here (api.query_process).
        deadline = Deadline(held.settings.sparql_timeout, started=arrived)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(held.update_threads, held.endpoint.update, updates[0], deadline)
        held.after_update()
        return Response(status_code=204)
    dataset = Dataset(tuple(fields.get("default-graph-uri", ())), tuple(fields.get("named-graph-uri", ())))
    format_param = url["format"][0] if url.get("format") else None
    return await _answer(request, held, queries[0], dataset, format_param, arrived)


def _authorise_update(request: Request, held: Held) -> None:
    token = held.settings.sparql_update_token
    if token is None:
        raise ProtocolError(
            403, "this endpoint is read-only: SPARQL Update needs JIXIAO_SPARQL_UPDATE_TOKEN set"
        )
    given = request.headers.get("authorization", "")
    scheme, _, credentials = given.partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        raise ProtocolError(401, "SPARQL Update needs the header Authorization: Bearer <token>")
    if not hmac.compare_digest(credentials.strip().encode(), token.get_secret_value().encode()):
        raise ProtocolError(403, "wrong update token")


async def _answer(
    request: Request, held: Resources, query: str, dataset: Dataset, fmt: str | None, arrived: float
) -> Response:
    # A worker process answers; the pool enforces the time limit by killing it, drops the query
    # when its client goes, and refuses it when the queue is full (see query_process).
    accept = request.headers.get("accept")
    answer: Answer = await held.queries.query(query, dataset, accept, fmt, arrived, request.is_disconnected)
    headers = {"X-Jixiao-Rows": str(answer.rows)}
    if answer.cut == "rows":
        headers["X-Jixiao-Cut"] = f"rows; limit={held.settings.sparql_max_rows}"
    elif answer.cut == "time":
        headers["X-Jixiao-Cut"] = f"time; limit={held.settings.sparql_timeout:g}s"
    media = answer.media_type + ("; charset=utf-8" if answer.media_type.startswith("text/") else "")
    return Response(answer.body, media_type=media, headers=headers)
