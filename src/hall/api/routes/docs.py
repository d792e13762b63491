"""``/docs``: Swagger UI served from the package, so the API's documentation works on an intranet
with no internet, under a CSP without inline scripts.

Swagger UI's files come from the npm package ``swagger-ui-dist`` (``package-lock.json`` pins it;
``make install`` copies them into ``hall/web/swagger``); ``hall/web/docs.js`` starts it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from html import escape
from importlib import resources

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: name -> (folder under hall/web, content type).
ASSETS = {
    "swagger-ui-bundle.js": ("swagger", "text/javascript; charset=utf-8"),
    "swagger-ui.css": ("swagger", "text/css; charset=utf-8"),
    "docs.js": ("", "text/javascript; charset=utf-8"),
}

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - API documentation</title>
  <link rel="icon" href="{base}/widget/guide.svg" type="image/svg+xml">
  <link rel="stylesheet" href="{base}/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi="{openapi}"></div>
  <script src="{base}/docs/swagger-ui-bundle.js"></script>
  <script src="{base}/docs/docs.js"></script>
</body>
</html>
"""

MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API documentation</title></head>
<body><p>Swagger UI is not installed with this copy of hall (run <code>make install</code>).
The API's description is at <a href="{openapi}">{openapi}</a>.</p></body></html>
"""


@cache
def _asset(name: str) -> bytes | None:
    folder, _ = ASSETS[name]
    path = resources.files("hall").joinpath("web")
    if folder:
        path = path.joinpath(folder)
    path = path.joinpath(name)
    return path.read_bytes() if path.is_file() else None


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    base = escape(request.scope.get("root_path", "").rstrip("/"))
    openapi = base + escape(request.app.openapi_url or "/openapi.json")
    if _asset("swagger-ui-bundle.js") is None:
        return HTMLResponse(MISSING.format(openapi=openapi), status_code=503)
    return HTMLResponse(PAGE.format(title=escape(request.app.title), base=base, openapi=openapi))


@router.get("/docs/{name}")
def docs_asset(request: Request, name: str) -> Response:
    if name not in ASSETS or (content := _asset(name)) is None:
        raise HTTPException(status_code=404, detail="no such file")
    etag = '"' + hashlib.sha256(content).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=ASSETS[name][1], headers=headers)
