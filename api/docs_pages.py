"""/docs (Swagger UI) and /redoc (ReDoc) with every asset served by the app (issue 19).

FastAPI's own pages load Swagger UI, ReDoc and a favicon from a CDN: on an offline intranet they
are blank. The assets come from the `fastapi-offline` package (a pip dependency: Swagger UI's
bundle and CSS, ReDoc's standalone bundle), mounted under /docs-assets; the favicon is the app's
own; ReDoc is told not to fetch Google's fonts and Swagger UI not to call its online validator.
ReDoc's bundle names one remote image (its "API docs by Redocly" logo, from cdn.redoc.ly): it is
served with that address replaced by the app's favicon.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
FAVICON = "/static/favicon.svg"
REDOC_JS = "redoc.standalone.js"
REMOTE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def assets_dir() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def install(app: FastAPI) -> None:
    """Call with an app made with docs_url=None and redoc_url=None."""
    redoc_js = (assets_dir() / REDOC_JS).read_text("utf-8").replace(REMOTE_LOGO, FAVICON)

    @app.get(f"{ASSETS}/{REDOC_JS}", include_in_schema=False)
    def redoc_bundle() -> Response:
        return Response(redoc_js, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})

    app.mount(ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")
    title = app.title
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} · API 文档 (Swagger UI)",
            oauth2_redirect_url=redirect,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=FAVICON,
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(redirect, include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} · API 文档 (ReDoc)",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=FAVICON,
            with_google_fonts=False,
        )
