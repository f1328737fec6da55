"""What identity's pages and endpoints share: the current session, the device key, the session
cookie, and keeping counted failures (wrong codes, passwords) when an error ends a request.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from walletdesk.config import Settings
from walletdesk.errors import DomainError, Unauthorized
from walletdesk.identity import devices, service
from walletdesk.identity.models import AuthSession
from walletdesk.web.deps import SESSION_COOKIE, Ctx

DEVICE_COOKIE = "wd_device"
SECOND_STEP_COOKIE = "wd_2step"
DEVICE_HEADER = "x-device-id"


def session_token(request: Request) -> tuple[str, str] | None:
    """(token, kind) of the caller: the bearer token, else the session cookie."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), "api"
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, "web") if cookie else None


def current_session(ctx: Ctx) -> AuthSession:
    found = session_token(ctx.request)
    row = service.resolve_session(ctx.db, token=found[0], kind=found[1]) if found else None
    if row is None or ctx.user is None or row.user_id != ctx.user.id:
        raise Unauthorized()
    return row


def device_label_of(ctx: Ctx) -> str:
    return devices.device_label(user_agent(ctx.request))


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:255]


def web_device_key(request: Request) -> str:
    """The browser's device id: kept in a long-lived cookie, made on first sign-in."""
    key = request.cookies.get(DEVICE_COOKIE, "")
    return key if 20 <= len(key) <= 64 else secrets.token_urlsafe(24)


def api_device_key(request: Request) -> str:
    """Apps send X-Device-Id; without it the user agent stands for the device."""
    given = request.headers.get(DEVICE_HEADER, "").strip()
    return "app:" + given[:64] if given else "ua:" + user_agent(request)


def set_sign_in_cookies(
    response: Response, *, settings: Settings, token: str, device_key: str
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_hours * 3600,
    )
    response.set_cookie(
        DEVICE_COOKIE,
        device_key,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=400 * 86400,
    )
    response.delete_cookie(SECOND_STEP_COOKIE)


@contextmanager
def keeping_failures(ctx: Ctx) -> Iterator[None]:
    """Commit what a failed attempt counted (a wrong code or password) before the error
    ends the request and its transaction rolls back."""
    try:
        yield
    except DomainError:
        ctx.db.commit()
        raise


def reauth_gate(ctx: Ctx, back_to: str) -> AuthSession | Response:
    """The current session when its holder re-entered the password lately, else a redirect
    to the confirmation page that comes back to `back_to`."""
    ctx.require()
    session = current_session(ctx)
    if service.recently_authenticated(session):
        return session
    return RedirectResponse(ctx.url("/security/confirm", next=back_to), status_code=303)
