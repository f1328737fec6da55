"""Checks at the edge that every request passes before any handler sees it: no NUL character
in a path, query, JSON or form value (PostgreSQL refuses them in text; nobody types one).

An app-wide dependency: FastAPI has already read and parsed the body, so nothing is read twice.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from starlette.requests import HTTPConnection

from walletdesk.errors import ValidationFailed

NUL = "\x00"
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refuse(field: str) -> ValidationFailed:
    return ValidationFailed(
        "{field}: this value contains a character that is not allowed.", field=field
    )


async def refuse_nul(request: HTTPConnection) -> None:
    """A NUL anywhere in the path, query or body is refused (WebSockets: path and query)."""
    for name, value in request.path_params.items():
        if NUL in str(value):
            raise _refuse(name)
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            raise _refuse(name.replace(NUL, "") or "query")
    if not isinstance(request, Request):
        return
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            data = json.loads(await request.body())
        except ValueError:
            return  # FastAPI answers malformed JSON itself
        where = nul_in(data, "")
        if where is not None:
            raise _refuse(where or "body")
    elif content_type.startswith(FORMS):
        form = await request.form()  # parsed once; the handler gets the same
        for name, value in form.multi_items():
            if isinstance(value, str) and (NUL in value or NUL in name):
                raise _refuse(name.replace(NUL, "") or "form")


def nul_in(data: Any, path: str) -> str | None:
    """The dotted path of the first string (or key) holding a NUL in parsed JSON, else None."""
    if isinstance(data, str):
        return path if NUL in data else None
    if isinstance(data, dict):
        for key, value in data.items():
            inner = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return inner.replace(NUL, "")
            found = nul_in(value, inner)
            if found is not None:
                return found
    if isinstance(data, list):
        for index, value in enumerate(data):
            found = nul_in(value, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None
