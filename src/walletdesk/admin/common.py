"""What every admin page shares: the admin check, rendering with the help-center helpers and
the redirect after a change, which names what was done so the next page can say so.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from walletdesk.db import session_scope
from walletdesk.helpcenter.display import page_values
from walletdesk.helpcenter.markdown import render_markdown
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.web import deps
from walletdesk.web.deps import Context

# ?done=... after a redirect → the message shown on top of the next page.
DONE_MESSAGES = {
    "saved": "Draft saved. Check the preview, then publish it.",
    "published": "Published. The public now sees this version.",
    "discarded": "Draft discarded.",
    "restored": "The old version is now the draft. Check it, then publish it.",
    "created": "Created.",
    "updated": "Saved.",
    "removed": "Removed.",
    "unpublished": "Unpublished. The public no longer sees it.",
    "deactivated": "Deactivated. This person can no longer sign in.",
    "reactivated": "Reactivated.",
    "labelled": "Labelled. The next model build (walletdesk kb train) learns from it.",
    "retried": "Retried. The job is tried again now; if it fails, it shows here again.",
}


def admin_only(request: Request) -> None:
    """Router-wide guard: no admin page can forget the check.

    It runs before the page's own session opens, in a short session of its own, so a refusal
    leaves nothing half-done and the error page can still show who is signed in.
    """
    with session_scope(request.app.state.sessionmaker) as db:
        user, _via_token = deps.current_user(request, db)
        request.state.lang = deps.language_of(request, user)
        identity.require(user, "admin")


def require_admin(ctx: Context) -> User:
    """Admins only: others signed in get 403, anonymous visitors the sign-in page."""
    return ctx.require("admin")


def render(ctx: Context, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    done = DONE_MESSAGES.get(ctx.request.query_params.get("done", ""))
    return ctx.render(
        template,
        status_code=status_code,
        markdown=render_markdown,
        done=ctx._(done) if done else "",
        **page_values(ctx.settings.timezone),
        **values,
    )


def redirect(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


def text(form: dict[str, Any], name: str, limit: int = 100_000) -> str:
    """A text field of a submitted form ('' when missing), cut to `limit` characters.

    NUL characters are dropped: PostgreSQL cannot store them in text columns.
    """
    value = form.get(name, "")
    return value.replace("\x00", "")[:limit] if isinstance(value, str) else ""
