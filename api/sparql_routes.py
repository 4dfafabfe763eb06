"""/sparql: the SPARQL 1.1 Protocol's three ways to send a query, and updates behind a token."""

from __future__ import annotations

import asyncio
import hmac
import time
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.http_guards import cross_origin_write
from api.resources import Resources, resources
from api.sparql import Answer, Dataset, Deadline, ProtocolError

router = APIRouter(tags=["sparql"])
Held = Annotated[Resources, Depends(resources)]

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"

_POST_BODY: dict[str, Any] = {
    "requestBody": {
        "description": "SPARQL 1.1 Protocol: a form (query= or update=, default-graph-uri=,"
        " named-graph-uri=), or the query / update itself as application/sparql-query or"
        " application/sparql-update",
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string"},
                        "update": {"type": "string"},
                        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                    },
                }
            },
            QUERY_BODY: {"schema": {"type": "string"}},
            UPDATE_BODY: {"schema": {"type": "string"}},
        },
    }
}


@router.get("/sparql", summary="SPARQL query by GET (?query=…)")
async def sparql_get(
    request: Request,
    held: Held,
    query: Annotated[str | None, Query(description="the SPARQL query")] = None,
    default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri")] = None,
    named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri")] = None,
    format: Annotated[
        str | None, Query(description="json, xml, csv, tsv, turtle, nt, jsonld, rdfxml")
    ] = None,
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


@router.post("/sparql", summary="SPARQL query or update by POST", openapi_extra=_POST_BODY)
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
