"""The web pages: static HTML, CSS and JavaScript from `api/static`, all local (intranets are offline).

The pages are plain files that call the JSON API and /sparql; there is no template rendering,
so what a page shows is exactly what the API returns.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
NO_CACHE = {"Cache-Control": "no-cache"}  # pages change with every release; assets are small

router = APIRouter(include_in_schema=False)

PAGES = {
    "/": "index.html",  # 搜索
    "/project": "project.html",  # 项目
    "/indicator": "indicator.html",  # 指标
    "/draft": "draft.html",  # 起草
    "/query": "sparql.html",  # SPARQL
}


def _page(file_name: str) -> Callable[[], FileResponse]:
    def serve() -> FileResponse:
        return FileResponse(STATIC / file_name, media_type="text/html; charset=utf-8", headers=NO_CACHE)

    return serve


for _path, _file in PAGES.items():
    router.add_api_route(_path, _page(_file), methods=["GET"])


def mount_assets(app: FastAPI) -> None:
    mimetypes.add_type("text/javascript", ".js")  # Windows may say text/plain: modules would not run
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
