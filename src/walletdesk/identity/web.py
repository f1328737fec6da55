"""What identity's pages and endpoints share: the current session, the device key, the session
cookie, keeping counted failures (wrong codes, passwords) when an error ends a request, and
the step-up that money leaving the wallet asks for.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from walletdesk.config import Settings
from walletdesk.errors import DomainError, Unauthorized
from walletdesk.identity import devices, service, step_up
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


@dataclass(frozen=True)
class Payment:
    """Money about to leave the wallet, as the step-up sees it (amount None: binding a card)."""

    action: str
    amount_minor: int | None = None
    currency: str = "CNY"
    units: int = 2  # the currency's decimals

    def cny(self, settings: Settings) -> Decimal | None:
        if self.amount_minor is None:
            return None
        rate = settings.cny_rates().get(self.currency, Decimal(1))
        return Decimal(self.amount_minor).scaleb(-self.units) * rate


def step_up_needed(ctx: Ctx, payment: Payment) -> step_up.Need | None:
    """Whether the page should show the code field; texts the SMS code when it is one."""
    session = current_session(ctx)
    need = step_up.needed(
        ctx.db, settings=ctx.settings, session=session, amount_cny=payment.cny(ctx.settings)
    )
    if need is not None:
        step_up.offer(
            ctx.db,
            settings=ctx.settings,
            session=session,
            need=need,
            action=payment.action,
            ip=ctx.ip,
        )
    return need


def require_step_up(
    ctx: Ctx,
    payment: Payment,
    code: str | None,
    check_first: Callable[[], object] | None = None,
) -> None:
    """Before the payment: StepUpRequired (403) without the code it needs, ValidationFailed
    (field "step_up_code") with a wrong one; what it counted or sent is committed.
    `check_first` raises whatever would refuse the payment anyway: that is said before a
    code is asked for (and texted)."""
    if check_first is not None and not code:
        session = current_session(ctx)
        cny = payment.cny(ctx.settings)
        if step_up.needed(ctx.db, settings=ctx.settings, session=session, amount_cny=cny):
            check_first()
    with keeping_failures(ctx):
        step_up.confirm(
            ctx.db,
            settings=ctx.settings,
            session=current_session(ctx),
            amount_cny=payment.cny(ctx.settings),
            code=code or "",
            action=payment.action,
            ip=ctx.ip,
        )


def step_up_text(ctx: Ctx, need: step_up.Need | None) -> str:
    if need is None:
        return ""
    message, params = need.message()
    return ctx._(message, **params)
