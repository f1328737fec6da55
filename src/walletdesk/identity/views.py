"""Sign-in (password, then the two-step code for those who use it) and sign-out pages; the
other identity pages are in views_account, views_security, views_kyc and views_dev.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from walletdesk.errors import DomainError
from walletdesk.identity import (
    service,
    signin,
    views_account,
    views_dev,
    views_kyc,
    views_security,
    views_two_step,
)
from walletdesk.identity.models import AuthSession
from walletdesk.identity.web import (
    SECOND_STEP_COOKIE,
    keeping_failures,
    set_sign_in_cookies,
    user_agent,
    web_device_key,
)
from walletdesk.web.deps import SESSION_COOKIE, Context, Ctx

router = APIRouter(include_in_schema=False)
for _module in (views_account, views_security, views_two_step, views_kyc, views_dev):
    router.include_router(_module.router)


def _safe_next(target: str | None, default: str) -> str:
    """Only same-site paths, so the login form cannot be used as an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _home_of(role: str) -> str:
    return {"customer": "/portal", "admin": "/admin"}.get(role, "/console")


@router.get("/")
def home(ctx: Context) -> Response:
    return RedirectResponse("/help", status_code=303)


@router.get("/login")
def login_page(ctx: Context, next: str | None = None, done: str | None = None) -> Response:
    if ctx.user is not None:
        return RedirectResponse(_safe_next(next, _home_of(ctx.user.role)), status_code=303)
    notice = _NOTICES.get(done or "")
    return ctx.render(
        "login.html",
        next=next or "",
        login="",
        error=None,
        error_code="",
        notice=ctx._(notice) if notice else "",
    )


_NOTICES = {
    "reset": "Your password was changed. Sign in with the new one.",
    "locked": "Your account is locked. Every device was signed out.",
    "unlocked": "Your account is unlocked. You can sign in again.",
}


@router.post("/login")
def login_submit(ctx: Context) -> Response:
    form = ctx.form()
    login, password = str(form.get("login", "")), str(form.get("password", ""))
    next_path = str(form.get("next", ""))
    try:
        with keeping_failures(ctx):
            user = service.check_password(
                ctx.db, settings=ctx.settings, login=login, password=password, ip=ctx.ip
            )
    except DomainError as exc:
        return ctx.render(
            "login.html",
            status_code=exc.status,
            next=next_path,
            login=login,
            error=ctx._(exc.message, **exc.params),
            error_code=exc.code,
            notice="",
        )
    if service.two_step_enabled(ctx.db, user_id=user.id):
        ticket = service.start_session(
            ctx.db,
            settings=ctx.settings,
            user=user,
            kind="mfa",
            ip=ctx.ip,
            user_agent=user_agent(ctx.request),
        )
        response = RedirectResponse(ctx.url("/login/two-step", next=next_path), status_code=303)
        response.set_cookie(
            SECOND_STEP_COOKIE,
            ticket,
            httponly=True,
            samesite="lax",
            secure=ctx.settings.cookie_secure,
            max_age=int(service.SECOND_STEP_WINDOW.total_seconds()),
        )
        return response
    return _signed_in(ctx, user_id=user.id, next_path=next_path, second_step=None)


def _signed_in(ctx: Ctx, *, user_id: int, next_path: str, second_step: str | None) -> Response:
    user = service.get_user(ctx.db, user_id=user_id)
    device_key = web_device_key(ctx.request)
    token = signin.complete_sign_in(
        ctx.db,
        settings=ctx.settings,
        user=user,
        kind="web",
        ip=ctx.ip,
        user_agent=user_agent(ctx.request),
        device_key=device_key,
        second_step=second_step,
    )
    response = RedirectResponse(_safe_next(next_path, _home_of(user.role)), status_code=303)
    set_sign_in_cookies(response, settings=ctx.settings, token=token, device_key=device_key)
    return response


def _ticket(ctx: Ctx) -> AuthSession | None:
    token = ctx.request.cookies.get(SECOND_STEP_COOKIE, "")
    return service.resolve_session(ctx.db, token=token, kind="mfa") if token else None


@router.get("/login/two-step")
def two_step_page(ctx: Context, next: str | None = None) -> Response:
    if _ticket(ctx) is None:
        return RedirectResponse(ctx.url("/login", next=next), status_code=303)
    return ctx.render("identity/two_step.html", next=next or "", error=None)


@router.post("/login/two-step")
def two_step_submit(ctx: Context) -> Response:
    form = ctx.form()
    next_path = str(form.get("next", ""))
    ticket = _ticket(ctx)
    if ticket is None:
        return RedirectResponse(ctx.url("/login", next=next_path), status_code=303)
    try:
        with keeping_failures(ctx):
            kind = service.check_second_step(
                ctx.db,
                settings=ctx.settings,
                user=ticket.user,
                code=str(form.get("otp", "")),
                ip=ctx.ip,
            )
    except DomainError as exc:
        error = ctx._(exc.message, **exc.params)
        return ctx.render(
            "identity/two_step.html", status_code=exc.status, next=next_path, error=error
        )
    service.end_session(ctx.db, token=ctx.request.cookies.get(SECOND_STEP_COOKIE, ""))
    return _signed_in(ctx, user_id=ticket.user_id, next_path=next_path, second_step=kind)


@router.post("/logout")
def logout(ctx: Context) -> Response:
    ctx.form()
    token = ctx.request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(ctx.db, token=token)
    response = RedirectResponse("/help", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
