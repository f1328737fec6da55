"""Helpers for identity's HTML forms: turning a domain error into a message by its field."""

from __future__ import annotations

from typing import Any

from walletdesk.errors import DomainError
from walletdesk.web.deps import Ctx


def errors_of(ctx: Ctx, exc: DomainError) -> dict[str, str]:
    """{field: message} for the template; errors without a field go under "form"."""
    return {exc.field or "form": ctx._(exc.message, **exc.params)}


def text(form: dict[str, Any], name: str, limit: int = 200) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""
