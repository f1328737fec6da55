"""Sign-in and sign-out pages."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from walletdesk.errors import DomainError
from walletdesk.identity import service
from walletdesk.web.deps import SESSION_COOKIE, Context

router = APIRouter(include_in_schema=False)


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
def login_page(ctx: Context, next: str | None = None) -> Response:
    if ctx.user is not None:
        return RedirectResponse(_safe_next(next, _home_of(ctx.user.role)), status_code=303)
    return ctx.render("login.html", next=next or "", login="", error=None)


@router.post("/login")
async def login_submit(ctx: Context) -> Response:
    form = await ctx.form()
    login, password = str(form.get("login", "")), str(form.get("password", ""))
    next_path = str(form.get("next", ""))
    try:
        user = ctx.authenticate(login=login, password=password)
    except DomainError as exc:
        error = ctx._(exc.message, **exc.params)
        return ctx.render(
            "login.html", status_code=exc.status, next=next_path, login=login, error=error
        )
    token = service.start_session(
        ctx.db,
        settings=ctx.settings,
        user=user,
        kind="web",
        ip=ctx.ip,
        user_agent=ctx.request.headers.get("user-agent", ""),
    )
    response = RedirectResponse(_safe_next(next_path, _home_of(user.role)), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.cookie_secure,
        max_age=ctx.settings.session_hours * 3600,
    )
    return response


@router.post("/logout")
async def logout(ctx: Context) -> Response:
    await ctx.form()
    token = ctx.request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(ctx.db, token=token)
    response = RedirectResponse("/help", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
