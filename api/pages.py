"""The web pages: one layout (head, header with the nav, footer) around each page's own content,
with JavaScript, CSS and icons from `api/static`, all local (intranets are offline).

There is no data in the HTML: each page's script calls the JSON API and /sparql, so what a page
shows is exactly what the API returns. The layout is filled once, when the app is made.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATES = Path(__file__).resolve().parent / "templates"
NO_CACHE = {"Cache-Control": "no-cache"}  # pages change with every release; assets are small


@dataclass(frozen=True)
class Page:
    path: str
    content: str  # templates/<content>: what goes inside <main>
    title: str
    script: str  # static/<script>
    nav: str | None = None  # its entry in the header's nav, if it has one


PAGES = [
    Page("/", "index.html", "搜索", "search.js", "搜索 <small>Search</small>"),
    Page("/draft", "draft.html", "起草", "draft.js", "起草 <small>Draft</small>"),
    Page("/review", "review.html", "审核", "review.js", "审核 <small>Review</small>"),
    Page("/query", "sparql.html", "SPARQL 查询", "sparql.js", "SPARQL <small>查询</small>"),
    Page("/documents", "documents.html", "文件", "documents.js", "文件 <small>Files</small>"),
    Page("/project", "project.html", "项目", "project.js"),
    Page("/indicator", "indicator.html", "指标", "indicator.js"),
]


def render(page: Page) -> str:
    links = []
    for other in PAGES:
        if other.nav is not None:
            current = ' aria-current="page"' if other is page else ""
            links.append(f'        <a href="{other.path}"{current}>{other.nav}</a>')
    content = (TEMPLATES / page.content).read_text(encoding="utf-8").rstrip("\n")
    layout = Template((TEMPLATES / "layout.html").read_text(encoding="utf-8"))
    main = "\n".join(f"    {line}" if line else line for line in content.splitlines())
    return layout.substitute(title=page.title, script=page.script, nav="\n".join(links), main=main)


def router() -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    for page in PAGES:
        pages.add_api_route(page.path, _serve(render(page)), methods=["GET"])
    return pages


def _serve(body: str) -> Callable[[], HTMLResponse]:
    def serve() -> HTMLResponse:
        return HTMLResponse(body, headers=NO_CACHE)

    return serve


def mount_assets(app: FastAPI) -> None:
    mimetypes.add_type("text/javascript", ".js")  # Windows may say text/plain: modules would not run
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
