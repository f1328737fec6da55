"""JSON endpoints for getting into an account by SMS code: registration, password reset,
unlocking a self-locked account, and re-authentication before sensitive changes."""

from __future__ import annotations

from fastapi import APIRouter

from walletdesk.identity import account, otp, service, signin
from walletdesk.identity.logins import mask_phone
from walletdesk.identity.schemas import (
    CodeAndPassword,
    CodeSent,
    PhoneRequest,
    ReauthRequest,
    RegisterRequest,
    TokenResponse,
    Unlocked,
    UnlockRequest,
)
from walletdesk.identity.web import api_device_key, current_session, keeping_failures, user_agent
from walletdesk.web.deps import Context, Ctx

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
RESEND = int(otp.RESEND_AFTER.total_seconds())
# True whatever the number: a code goes only to a locked account's phone.
UNLOCK_SENT = (
    "If {phone} belongs to a locked account, a code was sent to it. An account that is not "
    "locked gets no code: just sign in."
)


def _sent(ctx: Ctx, msgid: str, phone: str) -> CodeSent:
    return CodeSent(message=ctx._(msgid, phone=mask_phone(phone)), resend_after=RESEND)


@router.post("/register/code", response_model=CodeSent, status_code=202)
def registration_code(body: PhoneRequest, ctx: Context) -> CodeSent:
    phone = account.request_registration_code(
        ctx.db, settings=ctx.settings, phone=body.phone, ip=ctx.ip, lang=ctx.lang
    )
    return _sent(ctx, "We sent an SMS to {phone}.", phone)


@router.post("/register", response_model=TokenResponse, status_code=201)
def register(body: RegisterRequest, ctx: Context) -> TokenResponse:
    """Creates the customer and signs them in: the answer carries an API token."""
    with keeping_failures(ctx):
        user = account.register(
            ctx.db,
            settings=ctx.settings,
            phone=body.phone,
            code=body.code,
            password=body.password,
            display_name=body.display_name,
            lang=ctx.lang,
            ip=ctx.ip,
        )
    token = signin.complete_sign_in(
        ctx.db,
        settings=ctx.settings,
        user=user,
        kind="api",
        ip=ctx.ip,
        user_agent=user_agent(ctx.request),
        device_key=api_device_key(ctx.request),
    )
    return TokenResponse(access_token=token, expires_in=ctx.settings.api_token_hours * 3600)


@router.post("/password-reset/code", response_model=CodeSent, status_code=202)
def reset_code(body: PhoneRequest, ctx: Context) -> CodeSent:
    phone = account.request_reset_code(
        ctx.db, settings=ctx.settings, phone=body.phone, ip=ctx.ip, lang=ctx.lang
    )
    return _sent(ctx, "If this number is registered, a code was sent to {phone}.", phone)


@router.post("/password-reset", status_code=204)
def reset_password(body: CodeAndPassword, ctx: Context) -> None:
    """Sets the new password and signs the account out everywhere."""
    with keeping_failures(ctx):
        account.reset_password(
            ctx.db,
            settings=ctx.settings,
            phone=body.phone,
            code=body.code,
            password=body.password,
            ip=ctx.ip,
        )


@router.post("/unlock/code", response_model=CodeSent, status_code=202)
def unlock_code(body: PhoneRequest, ctx: Context) -> CodeSent:
    phone = account.request_unlock_code(
        ctx.db, settings=ctx.settings, phone=body.phone, ip=ctx.ip, lang=ctx.lang
    )
    return _sent(ctx, UNLOCK_SENT, phone)


@router.post("/unlock", response_model=Unlocked)
def unlock(body: UnlockRequest, ctx: Context) -> Unlocked:
    with keeping_failures(ctx):
        done = account.unlock_account(
            ctx.db,
            settings=ctx.settings,
            phone=body.phone,
            code=body.code,
            password=body.password,
            new_password=body.new_password,
            ip=ctx.ip,
        )
    return Unlocked(
        locked_at=done.locked_at, reason=done.reason, password_changed=done.password_changed
    )


@router.post("/reauth", status_code=204)
def reauthenticate(body: ReauthRequest, ctx: Context) -> None:
    """Confirms the password (and code) so that for five minutes this token may change the
    password, the phone and two-step settings."""
    ctx.require()
    with keeping_failures(ctx):
        service.reauthenticate(
            ctx.db,
            settings=ctx.settings,
            session=current_session(ctx),
            password=body.password,
            otp=body.otp,
            ip=ctx.ip,
        )
