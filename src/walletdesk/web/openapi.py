"""What the OpenAPI document says each operation can answer besides success: the error
statuses that follow from its shape, all in the one error body every error has.

Declared from each route rather than by hand, so that a new route cannot forget them:
whoever needs a sign-in can get 401/403, a path with an id can get 404, a body can be
malformed or too large, a change can conflict, any input can be invalid or throttled.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorOut(BaseModel):
    """Every error: a stable code, a message in the caller's language, the field at fault."""

    error: ErrorDetail


CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
DESCRIPTIONS = {
    400: "The body could not be read",
    401: "Not signed in, or the token is invalid or expired",
    403: "Not allowed, or a missing CSRF token or step-up code",
    404: "Not found, or not yours",
    409: "Conflicts with the current state (or a replayed key with other content)",
    413: "The body is too large",
    422: "A field is missing or invalid (named in `error.field`)",
    423: "The account is locked",
    429: "Too many requests; see Retry-After",
}


def error_statuses(route: APIRoute) -> set[int]:
    statuses = {422, 429}
    methods = route.methods or set()
    if methods & CHANGES:
        statuses |= {400, 409, 413}
    if "{" in route.path:
        statuses.add(404)
    if not route.path.startswith("/api/v1/help") and route.path != "/api/v1/safety/redact":
        statuses |= {401, 403, 423}
    return statuses


def declare_errors(router: APIRouter) -> None:
    """Before the router is included (idempotent: routers are shared by every app)."""
    body = {"application/json": {"schema": ErrorOut.model_json_schema()}}
    for route in _routes(router):
        if not route.path.startswith("/api/"):
            continue
        for status in error_statuses(route):
            declared: dict[str, Any] = {"description": DESCRIPTIONS[status], "content": body}
            route.responses.setdefault(status, declared)


def _routes(router: Any) -> list[APIRoute]:
    """The router's routes, with those of the routers it includes."""
    found: list[APIRoute] = []
    for route in router.routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_routes(route.original_router))
    return found
