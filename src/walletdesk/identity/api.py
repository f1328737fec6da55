"""JSON endpoints of identity: API tokens and who am I."""

from __future__ import annotations

from fastapi import APIRouter

from walletdesk.identity import service
from walletdesk.identity.schemas import Me, TokenRequest, TokenResponse
from walletdesk.web.deps import Context

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", response_model=TokenResponse)
def issue_token(body: TokenRequest, ctx: Context) -> TokenResponse:
    user = ctx.authenticate(login=body.login, password=body.password)
    token = service.start_session(
        ctx.db,
        settings=ctx.settings,
        user=user,
        kind="api",
        ip=ctx.ip,
        user_agent=ctx.request.headers.get("user-agent", ""),
    )
    return TokenResponse(access_token=token, expires_in=ctx.settings.api_token_hours * 3600)


@router.get("/me", response_model=Me)
def me(ctx: Context) -> Me:
    user = ctx.require()
    return Me(
        id=user.id, role=user.role, display_name=user.display_name, login=user.login, lang=user.lang
    )


@router.post("/logout", status_code=204)
def revoke_token(ctx: Context) -> None:
    ctx.require()
    auth = ctx.request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        service.end_session(ctx.db, token=auth[7:].strip())
