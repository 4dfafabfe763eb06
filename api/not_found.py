"""The HTML 404 page (issue 19): a person who opens an unknown address in the browser gets a page
in Chinese with the site's nav, not `{"error":"Not Found"}`. Programs (no `text/html` in Accept)
and the API's own paths keep the JSON error."""

from __future__ import annotations

from functools import cache

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.pages import Page, render

API_PATHS = ("/api/", "/sparql", "/static/", "/docs-assets/", "/health", "/openapi.json")


def wants_page(request: Request) -> bool:
    path = request.url.path
    if request.method not in ("GET", "HEAD") or path.startswith(API_PATHS):
        return False
    return "text/html" in request.headers.get("accept", "")


@cache
def _body() -> str:
    return render(Page("/404", "not_found.html", "找不到页面", "app.js"))


def not_found_page() -> HTMLResponse:
    return HTMLResponse(_body(), status_code=404, headers={"Cache-Control": "no-cache"})
