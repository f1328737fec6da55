"""Pages for getting into an account by SMS code: registration, password reset, and unlocking
an account its owner locked.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from walletdesk.errors import DomainError
from walletdesk.identity import account, signin
from walletdesk.identity.forms import errors_of, text
from walletdesk.identity.logins import mask_phone
from walletdesk.identity.present import local_time
from walletdesk.identity.web import (
    keeping_failures,
    set_sign_in_cookies,
    user_agent,
    web_device_key,
)
from walletdesk.web.deps import Context, Ctx

router = APIRouter(include_in_schema=False)


def _page(ctx: Ctx, template: str, *, step: str, status: int = 200, **values: object) -> Response:
    values.setdefault("errors", {})
    values.setdefault("phone", "")
    values.setdefault("notice", "")
    return ctx.render(template, status_code=status, step=step, **values)


def _code_sent(ctx: Ctx, template: str, phone: str, notice: str) -> Response:
    return _page(
        ctx, template, step="code", phone=phone, notice=ctx._(notice, phone=mask_phone(phone))
    )


# Registration -----------------------------------------------------------------------------


@router.get("/register")
def register_page(ctx: Context) -> Response:
    if ctx.user is not None:
        return RedirectResponse("/security", status_code=303)
    return _page(ctx, "identity/register.html", step="phone")


@router.post("/register/code")
def register_code(ctx: Context) -> Response:
    form = ctx.form()
    raw = text(form, "phone", 40)
    try:
        phone = account.request_registration_code(
            ctx.db, settings=ctx.settings, phone=raw, ip=ctx.ip, lang=ctx.lang
        )
    except DomainError as exc:
        step = "code" if form.get("resend") else "phone"
        return _page(
            ctx,
            "identity/register.html",
            step=step,
            status=exc.status,
            phone=raw,
            errors=errors_of(ctx, exc),
        )
    return _code_sent(ctx, "identity/register.html", phone, "We sent an SMS to {phone}.")


@router.post("/register")
def register_submit(ctx: Context) -> Response:
    form = ctx.form()
    phone, name = text(form, "phone", 40), text(form, "display_name", 200)
    try:
        with keeping_failures(ctx):
            user = account.register(
                ctx.db,
                settings=ctx.settings,
                phone=phone,
                code=text(form, "code", 20),
                password=text(form, "password", 1000),
                display_name=name,
                lang=ctx.lang,
                ip=ctx.ip,
            )
    except DomainError as exc:
        return _page(
            ctx,
            "identity/register.html",
            step="code",
            status=exc.status,
            phone=phone,
            display_name=name,
            errors=errors_of(ctx, exc),
        )
    device_key = web_device_key(ctx.request)
    token = signin.complete_sign_in(
        ctx.db,
        settings=ctx.settings,
        user=user,
        kind="web",
        ip=ctx.ip,
        user_agent=user_agent(ctx.request),
        device_key=device_key,
    )
    response = RedirectResponse("/security?welcome=1", status_code=303)
    set_sign_in_cookies(response, settings=ctx.settings, token=token, device_key=device_key)
    return response


# Password reset ---------------------------------------------------------------------------

RESET_SENT = "If this number is registered, a code was sent to {phone}."


@router.get("/password/reset")
def reset_page(ctx: Context) -> Response:
    return _page(ctx, "identity/reset.html", step="phone")


@router.post("/password/reset/code")
def reset_code(ctx: Context) -> Response:
    return _send_code(ctx, "identity/reset.html", account.request_reset_code)


def _send_code(
    ctx: Context, template: str, request_code: Callable[..., str], *, notice: str = RESET_SENT
) -> Response:
    """The "text me a code" step shared by password reset and unlocking."""
    form = ctx.form()
    raw = text(form, "phone", 40)
    try:
        phone = request_code(ctx.db, settings=ctx.settings, phone=raw, ip=ctx.ip, lang=ctx.lang)
    except DomainError as exc:
        step = "code" if form.get("resend") else "phone"
        return _page(
            ctx, template, step=step, status=exc.status, phone=raw, errors=errors_of(ctx, exc)
        )
    return _code_sent(ctx, template, phone, notice)


@router.post("/password/reset")
def reset_submit(ctx: Context) -> Response:
    form = ctx.form()
    phone = text(form, "phone", 40)
    try:
        with keeping_failures(ctx):
            account.reset_password(
                ctx.db,
                settings=ctx.settings,
                phone=phone,
                code=text(form, "code", 20),
                password=text(form, "password", 1000),
                ip=ctx.ip,
            )
    except DomainError as exc:
        return _page(
            ctx,
            "identity/reset.html",
            step="code",
            status=exc.status,
            phone=phone,
            errors=errors_of(ctx, exc),
        )
    return RedirectResponse("/login?done=reset", status_code=303)


# Unlocking an account: its owner's lock, or the delay after wrong passwords -------------

UNLOCK_SENT = (
    "If {phone} belongs to a locked account, a code was sent to it. An account that is not "
    "locked gets no code: just sign in."
)


@router.get("/account/unlock")
def unlock_page(ctx: Context) -> Response:
    return _page(ctx, "identity/unlock.html", step="phone")


@router.post("/account/unlock/code")
def unlock_code(ctx: Context) -> Response:
    return _send_code(ctx, "identity/unlock.html", account.request_unlock_code, notice=UNLOCK_SENT)


@router.post("/account/unlock")
def unlock_submit(ctx: Context) -> Response:
    form = ctx.form()
    phone = text(form, "phone", 40)
    try:
        with keeping_failures(ctx):
            unlocked = account.unlock_account(
                ctx.db,
                settings=ctx.settings,
                phone=phone,
                code=text(form, "code", 20),
                password=text(form, "password", 1000),
                new_password=text(form, "new_password", 1000),
                ip=ctx.ip,
            )
    except DomainError as exc:
        return _page(
            ctx,
            "identity/unlock.html",
            step="code",
            status=exc.status,
            phone=phone,
            errors=errors_of(ctx, exc),
        )
    return _page(
        ctx,
        "identity/unlock.html",
        step="done",
        phone=phone,
        locked_at=local_time(unlocked.locked_at, ctx.settings),
        reason=unlocked.reason,
        password_changed=unlocked.password_changed,
    )
