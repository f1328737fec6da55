"""JSON endpoints of identity: API tokens (with the two-step code) and who am I. The rest of
/api/v1/auth, /api/v1/me/security and staff KYC review live in api_account, api_security
and api_kyc, and are mounted through `router` here.
"""

from __future__ import annotations

from fastapi import APIRouter

from walletdesk.identity import api_account, api_kyc, api_security, service, signin
from walletdesk.identity.schemas import Me, TokenRequest, TokenResponse
from walletdesk.identity.web import api_device_key, keeping_failures, user_agent
from walletdesk.web.deps import Context

auth = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@auth.post(
    "/token",
    response_model=TokenResponse,
    responses={401: {"description": "bad_credentials, otp_required or bad_otp"}},
)
def issue_token(body: TokenRequest, ctx: Context) -> TokenResponse:
    with keeping_failures(ctx):
        user, second_step = service.sign_in_at_once(
            ctx.db,
            settings=ctx.settings,
            login=body.login,
            password=body.password,
            ip=ctx.ip,
            otp=body.otp,
        )
    token = signin.complete_sign_in(
        ctx.db,
        settings=ctx.settings,
        user=user,
        kind="api",
        ip=ctx.ip,
        user_agent=user_agent(ctx.request),
        device_key=api_device_key(ctx.request),
        second_step=second_step,
    )
    return TokenResponse(access_token=token, expires_in=ctx.settings.api_token_hours * 3600)


@auth.get("/me", response_model=Me)
def me(ctx: Context) -> Me:
    user = ctx.require()
    return Me(
        id=user.id, role=user.role, display_name=user.display_name, login=user.login, lang=user.lang
    )


@auth.post("/logout", status_code=204)
def revoke_token(ctx: Context) -> None:
    ctx.require()
    auth_header = ctx.request.headers.get("authorization", "")
    if auth_header.lower().startswith("bearer "):
        service.end_session(ctx.db, token=auth_header[7:].strip())


router = APIRouter()
router.include_router(auth)
router.include_router(api_account.router)
router.include_router(api_security.router)
router.include_router(api_kyc.router)
