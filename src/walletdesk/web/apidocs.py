"""The API's documentation page (Swagger UI shipped by a package, nothing from a CDN) and the
site's icon.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)
ASSETS = Path(fastapi_offline.__file__).parent / "static"
STATIC = Path(__file__).parent / "static"
# Swagger UI styles its widgets inline; its page allows that, and nothing else.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def mount_assets(app: FastAPI) -> None:
    app.mount("/api/docs/assets", StaticFiles(directory=ASSETS), name="api-docs-assets")


@router.get("/openapi.json")
def openapi_document(request: Request) -> JSONResponse:
    """Built on first use in a worker thread (FastAPI's own endpoint builds it on the loop)."""
    return JSONResponse(request.app.openapi())


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    response = request.app.state.templates.TemplateResponse(request, "meta/api_docs.html", {})
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(STATIC / "favicon.ico", headers={"Cache-Control": "public, max-age=86400"})
