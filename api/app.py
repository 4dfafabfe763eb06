"""`create_app(settings)`: the FastAPI application behind `jixiao serve`."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from api import docs_pages, documents, http_guards, json_api, pages, review_routes, sparql_routes
from api.catalogue import NotFound
from api.contracts import ErrorBody, Health
from api.messages_zh import chinese
from api.not_found import not_found_page, wants_page
from api.query_process import ClientGone
from api.resources import Resources, open_resources, resources
from api.sparql import ProtocolError
from jixiao.settings import Settings
from jixiao.store import StoreError
from search.encoder import Encoder, EncoderError, load_encoder
from search.service import QueryError

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "the request cannot be answered as sent (empty query, unknown filter, SPARQL syntax)"),
        (401, "SPARQL Update without a token"),
        (403, "SPARQL Update refused, SERVICE or LOAD, or a write from another site's page"),
        (404, "no such project, indicator or route"),
        (405, "SPARQL Update by GET"),
        (406, "no acceptable result format"),
        (413, "a request body over the route's limit"),
        (415, "a POST body that is not a SPARQL form, query or update"),
        (422, "a parameter of the wrong type or out of range"),
        (500, "the query engine crashed on this query (the service goes on)"),
        (502, "the remote store's server (--store) failed or cannot be reached"),
        (503, "search not available (no index yet), the SPARQL time limit, or its queue full (Retry-After)"),
    )
}


def create_app(
    settings: Settings, encoder: Callable[[], Encoder] | None = None, preload_model: bool = False
) -> FastAPI:
    """The store, index and model are opened once, when the app starts, and closed when it stops."""

    def load() -> Encoder:
        return load_encoder(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        held = open_resources(settings, encoder or load, preload_model)
        app.state.resources = held
        try:
            yield
        finally:
            held.close()

    app = FastAPI(
        title="jixiao 绩效",
        summary="Budget performance targets: semantic search, a SPARQL 1.1 endpoint, and the web pages",
        version="0.1.0",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        docs_url=None,  # docs_pages: the same pages with local assets (offline intranets)
        redoc_url=None,
    )
    docs_pages.install(app)
    http_guards.install(app, settings)  # body limits, CORS for reads only, security headers
    app.include_router(json_api.router)
    app.include_router(review_routes.router)
    app.include_router(documents.router)
    app.include_router(sparql_routes.router)
    app.include_router(pages.router())
    pages.mount_assets(app)

    @app.get("/health", tags=["service"], summary="Liveness and what is loaded", response_model=Health)
    def health(request: Request) -> dict[str, Any]:
        held: Resources = resources(request)
        index = held.searcher
        return {
            "status": "ok",
            "documents": len(held.store.documents()),
            "quads": held.store.quad_count(),
            "search": {
                "available": index is not None,
                "problem": held.search_problem,
                "entries": len(index) if index is not None else 0,
                "model": index.model if index is not None else None,
                "warnings": held.search_warnings(),
            },
            "sparql": {
                "update": held.settings.sparql_update_token is not None,
                "timeout_s": held.settings.sparql_timeout,
                "max_rows": held.settings.sparql_max_rows,
                "service": held.settings.sparql_allow_service,
                "queue": asdict(state) if (state := held.queries.state()) is not None else None,
            },
        }

    _install_error_handlers(app)
    return app


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"error": message, "error_zh": chinese(message, status), "status": status, **extra}
    return JSONResponse(body, status_code=status, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method the schema documents at this path (and HEAD with GET, as Starlette answers it)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        pattern = re.sub(r"\\\{[^/]*?\\\}", ".+", re.escape(template))  # {id:path} takes slashes
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations if m.upper() in _METHODS}
    if "GET" in methods:
        methods.add("HEAD")
    return [m for m in _METHODS if m in methods]


_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _install_error_handlers(app: FastAPI) -> None:
    """Every error is JSON with a message (`{"error": …, "status": …}`), never an HTML page."""

    @app.exception_handler(ProtocolError)
    async def protocol_error(_: Request, exc: ProtocolError) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})  # Retry-After on a full queue
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return _error(exc.status, exc.message, headers or None)

    @app.exception_handler(ClientGone)
    async def client_gone(_: Request, exc: ClientGone) -> Response:
        return Response(status_code=499)  # nginx's "client closed request": nobody reads it

    @app.exception_handler(QueryError)
    async def query_error(_: Request, exc: QueryError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(StoreError)
    async def store_error(_: Request, exc: StoreError) -> JSONResponse:
        return _error(502, str(exc))  # only a remote store fails while the service runs

    @app.exception_handler(EncoderError)
    async def encoder_error(_: Request, exc: EncoderError) -> JSONResponse:
        return _error(503, f"the embedding model is not available: {exc}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and wants_page(request):
            return not_found_page()  # a person's browser: the page in Chinese (api/not_found.py)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # Starlette names only the first route's methods (GET of /sparql)
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return _error(exc.status_code, str(exc.detail), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The offending input is not echoed back: it may not even be encodable (a lone surrogate
        # in a JSON string), and the message says where the problem is.
        errors = [{k: v for k, v in e.items() if k not in ("input", "ctx", "url")} for e in exc.errors()]
        problems = []
        for e in errors:
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
            problems.append(f"{where}: {e.get('msg')}")
        return _error(422, "; ".join(problems) or "invalid request", detail=jsonable_encoder(errors))


SHUTDOWN_GRACE = 3  # seconds SIGTERM waits for answers in progress before it cancels them


def run_server(app: FastAPI, settings: Settings, on_stop: Callable[[], None] | None = None) -> None:
    """`jixiao serve`'s uvicorn. Without a graceful-shutdown limit uvicorn waits for every request
    in progress, however long (a 50 s update held SIGTERM for its 50 s); with it, the requests still
    running are cancelled, their worker processes are killed as the app stops (an update rehearsal
    with them: nothing is written), and uvicorn re-raises the signal, so the process ends even if a
    thread is still inside pyoxigraph (an update being applied is then not committed: the store
    keeps its state from before it, as its transactions are atomic).

    `on_stop` (removing DATA/server.json) runs once the server has stopped, however it stopped: on
    a return or an exception, and on SIGTERM just before the re-raised signal ends the process."""
    import signal
    import threading

    import uvicorn

    stopped = False

    def stop() -> None:
        nonlocal stopped
        if on_stop is not None and not stopped:
            stopped = True
            on_stop()

    previous: Any = None
    watching = on_stop is not None and threading.current_thread() is threading.main_thread()
    if watching:

        def on_term(signum: int, frame: Any) -> None:
            stop()
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
            signal.raise_signal(signum)  # as before: the default action ends the process

        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level="info",
            timeout_graceful_shutdown=SHUTDOWN_GRACE,
        )
    finally:
        if watching:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        stop()
