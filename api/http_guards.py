"""What every request passes before a route (issue 16): body limits, CORS, cross-origin writes,
security headers. Plain ASGI middleware (not BaseHTTPMiddleware), so bodies are counted as they
arrive and `request.is_disconnected()` still sees the client go.

- Bodies: a request is refused with 413 before its body is read when Content-Length is over the
  route's limit, and as soon as a body sent without one (chunked) passes it. /sparql takes
  `sparql_max_body` (a query or update), POST /api/draft/export `max_body` (a table of up to 500
  rows), POST /api/documents `upload_max_body` (JIXIAO_UPLOAD_MAX_MB: uploaded tables, issue 19),
  every other route SMALL_BODY. Uploads and DELETE /api/documents/{id} are writes (`is_write`).
- CORS: reads are open to every origin (`Access-Control-Allow-Origin: *`, no credentials), as a
  public SPARQL endpoint's are (YASGUI and the like POST queries cross-origin). Writes are not:
  a preflight that asks for `Authorization` (a SPARQL Update's token) or for a write route is
  refused unless the origin is the server's own or one of `write_origins`.
- Cross-origin writes are refused by the server itself, whatever CORS says: a form POST or a
  text/plain fetch is sent without preflight, and the browser only hides the answer, after the
  server has acted. A write whose `Origin` is another site's (or `null`), or that a browser marks
  `Sec-Fetch-Site: cross-site`/`same-site`, gets 403. Clients that are not browsers send neither
  header and are not affected.
- Every response: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and CSP
  `frame-ancestors 'none'` (no framing, so no click-jacking), `Referrer-Policy: same-origin`. No
  script-src: the pages use only their own files, but /docs (FastAPI's Swagger UI) runs an inline
  script.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.messages_zh import chinese

SMALL_BODY = 64_000  # bytes: the JSON routes other than the export (a search, a draft request)
# Routes that change something or hand out what was posted.
WRITE_ROUTES = {("POST", "/api/draft/export"), ("POST", "/api/documents")}
DOCUMENTS = "/api/documents"  # its POST uploads, DELETE /api/documents/{id} removes (issue 19)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
}
EXPOSED = "X-Jixiao-Cut, X-Jixiao-Rows, Retry-After, Content-Disposition"
READ_METHODS = {"GET", "HEAD", "POST"}  # POST: SPARQL queries by the protocol's POST


def is_write(method: str, path: str) -> bool:
    """A route that changes something: the same-origin rule applies to it (module docstring)."""
    if (method, path) in WRITE_ROUTES:
        return True
    return method in WRITE_METHODS and path.startswith(DOCUMENTS + "/")


class CrossOriginWrite(Exception):
    """A write from another site's page."""

    status = 403


def _error(status: int, message: str) -> tuple[Message, Message]:
    body = json.dumps({"error": message, "error_zh": chinese(message, status), "status": status}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    return start, {"type": "http.response.body", "body": body}


def _normal(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def trusted_origin(origin: str, headers: Mapping[str, str], write_origins: Collection[str]) -> bool:
    """The server's own origin (the host the request was sent to) or a configured one."""
    if not origin or _normal(origin) == "null":
        return False
    if _normal(origin) in {_normal(o) for o in write_origins}:
        return True
    host = headers.get("host", "").strip().lower()
    return bool(host) and urlsplit(_normal(origin)).netloc == host


def cross_origin_write(headers: Mapping[str, str], write_origins: Collection[str]) -> str | None:
    """Why a write must be refused as coming from another site's page, or None."""
    origin = headers.get("origin")
    site = headers.get("sec-fetch-site", "").lower()
    if origin is None:
        if site in ("cross-site", "same-site"):
            return f"a write sent from another site's page (Sec-Fetch-Site: {site}) is refused"
        return None  # not a browser, or a browser's own navigation
    if trusted_origin(origin, headers, write_origins):
        return None
    return (
        f"a write from another origin ({origin}) is refused: only this server's own pages, or the"
        " origins set in JIXIAO_WRITE_ORIGINS, may send one"
    )


class BodyLimit:
    """413 for a body over its route's limit, before it is read (or as soon as it passes it)."""

    def __init__(self, app: ASGIApp, sparql_max_body: int, max_body: int, upload_max_body: int = 0) -> None:
        self.app = app
        self.sparql_max_body = sparql_max_body
        self.max_body = max_body
        self.upload_max_body = upload_max_body or max_body

    def limit(self, method: str, path: str) -> int:
        if path == "/sparql":
            return self.sparql_max_body
        if (method, path) == ("POST", DOCUMENTS):
            return self.upload_max_body
        if (method, path) in WRITE_ROUTES:
            return self.max_body
        return SMALL_BODY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["method"], scope["path"])
        too_big = f"the request body is larger than {limit:,} bytes, the limit for {scope['path']}" + (
            " (JIXIAO_SPARQL_MAX_BODY)"
            if scope["path"] == "/sparql"
            else " (JIXIAO_UPLOAD_MAX_MB)"
            if scope["path"] == DOCUMENTS
            else ""
        )
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size < 0:
                for message in _error(400, f"Content-Length {declared!r} is not a number of bytes"):
                    await send(message)
                return
            if size > limit:
                for message in _error(413, too_big):
                    await send(message)
                return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooBig(too_big)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooBig:
            if started:
                raise
            for message in _error(413, too_big):
                await send(message)


class _TooBig(HTTPException):
    """Raised from `receive` inside the route (an HTTPException, so FastAPI's body parsing passes
    it on as it is and the app answers 413 in its error JSON)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


class Cors:
    """CORS open for reads, for writes only to trusted origins; writes from others refused (403)."""

    def __init__(self, app: ASGIApp, write_origins: Collection[str]) -> None:
        self.app = app
        self.write_origins = write_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method, path = scope["method"], scope["path"]
        if is_write(method, path):
            problem = cross_origin_write(headers, self.write_origins)
            if problem is not None:
                for message in _error(403, problem):
                    await send(message)
                return
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        trusted = trusted_origin(origin, headers, self.write_origins)
        if method == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(path, headers, origin, trusted, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["Access-Control-Allow-Origin"] = origin if trusted else "*"
                out["Access-Control-Expose-Headers"] = EXPOSED
                out.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, with_cors)

    async def _preflight(self, path: str, headers: Headers, origin: str, trusted: bool, send: Send) -> None:
        method = headers["access-control-request-method"].strip().upper()
        asked = [h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",")]
        asked = [h for h in asked if h]
        write = is_write(method, path) or method not in READ_METHODS or "authorization" in asked
        if write and not trusted:
            start, body = _error(
                403,
                f"cross-origin writes are refused ({method} {path} from {origin}"
                + (", with Authorization" if "authorization" in asked else "")
                + "): reads are open to every origin, writes only to this server's own pages",
            )
            MutableHeaders(scope=start).add_vary_header("Origin")
            await send(start)
            await send(body)
            return
        allowed: list[tuple[bytes, bytes]] = [
            (b"access-control-allow-origin", (origin if trusted else "*").encode("latin-1")),
            (b"access-control-allow-methods", b"GET, HEAD, POST, OPTIONS"),
            (b"access-control-max-age", b"600"),
            (b"vary", b"Origin"),
            (b"content-length", b"0"),
        ]
        if asked:
            allowed.append((b"access-control-allow-headers", ", ".join(asked).encode("latin-1")))
        await send({"type": "http.response.start", "status": 200, "headers": allowed})  # as Starlette's CORS
        await send({"type": "http.response.body", "body": b""})


class SecurityHeaders:
    """The headers every response carries (module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in out:
                        out[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: Any, settings: Any) -> None:
    """Innermost first: the body limit sees the request last, the headers go on every answer."""
    app.add_middleware(
        BodyLimit,
        sparql_max_body=settings.sparql_max_body,
        max_body=settings.max_body,
        upload_max_body=settings.upload_max_mb * 1024 * 1024,
    )
    app.add_middleware(Cors, write_origins=tuple(settings.write_origins))
    app.add_middleware(SecurityHeaders)
