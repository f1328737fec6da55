"""What every request handler gets: the database session, the signed-in user, the language,
CSRF checking and page rendering.

The request owns the transaction: `get_db` commits after the handler returns, before the
response is sent, and then runs after-commit callbacks.

Handlers are plain `def`: FastAPI runs them in the thread pool, so database, file, image and
password work never blocks the event loop. What must be awaited (reading the body) is awaited
on the loop on the handler's behalf (`Ctx.form`, `RawBody`).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio
import anyio.from_thread
import anyio.to_thread
from fastapi import Depends, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from walletdesk.config import Settings
from walletdesk.db import commit, rollback_and_close
from walletdesk.errors import DomainError, Forbidden, FormInvalid, Unauthorized
from walletdesk.i18n import Translator, from_accept_language, normalize_lang
from walletdesk.identity import service as identity
from walletdesk.identity.models import User

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SESSION_COOKIE = "wd_session"
CSRF_COOKIE = "wd_csrf"
LANG_COOKIE = "wd_lang"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's session, committed after the handler returns (then the after-commit work
    runs), rolled back if it raised.

    A request takes one of a fixed number of database slots, waiting for it on the event loop
    and holding it until its transaction ends. There are fewer slots than worker threads, so a
    transaction that holds locks always finds a thread for its next step (the handler, the
    commit): without that, threads blocked on its locks could take every thread it needs.
    """
    slots: anyio.CapacityLimiter = request.app.state.db_slots
    async with slots:
        session = request.app.state.sessionmaker()
        try:
            yield session
        except BaseException:
            await anyio.to_thread.run_sync(rollback_and_close, session, abandon_on_cancel=False)
            raise
        callbacks = await run_in_threadpool(commit, session)
    for callback in callbacks:
        await run_in_threadpool(callback)


DB = Annotated[Session, Depends(get_db, scope="function")]

# A row id in a path: a positive 32-bit integer (PostgreSQL's INTEGER); anything else is a 422
# that names the parameter, never a database error.
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def read_body(request: Request) -> bytes:
    return await request.body()


# The raw request body, read on the event loop for a plain `def` handler (signed webhooks).
RawBody = Annotated[bytes, Depends(read_body)]


def client_ip(request: Request) -> str:
    """The client's address: the peer's, unless the peer is one of the configured proxies
    (WALLETDESK_TRUSTED_PROXIES); then the nearest X-Forwarded-For hop that is not one."""
    peer = request.client.host if request.client else ""
    settings: Settings = request.app.state.settings
    proxies = trusted_networks(settings.trusted_proxies)
    if not proxies or not _within(peer, proxies):
        return peer
    header = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, proxies):
            return hop if _is_address(hop) else peer
    return hops[0] if hops else peer


@lru_cache(maxsize=8)
def trusted_networks(spec: str) -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or CIDRs; a mistake fails at start-up, not per request."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    )


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _within(text: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(address in network for network in networks)


def csrf_token_for(request: Request) -> str:
    """The form token: an HMAC of the browser's CSRF cookie (set by the middleware)."""
    seed: str = request.state.csrf_seed
    key = request.app.state.settings.signing_key().encode()
    return hmac.new(key, seed.encode(), hashlib.sha256).hexdigest()


def csrf_valid(request: Request, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token_for(request), token or "")


@dataclass
class Ctx:
    request: Request
    db: Session
    settings: Settings
    user: User | None
    lang: str
    via_token: bool

    @property
    def _(self) -> Translator:
        return Translator(self.lang)

    @property
    def ip(self) -> str:
        return client_ip(self.request)

    def require(self, *roles: str) -> User:
        return identity.require(self.user, *roles, path=self.request.url.path)

    @property
    def support_only(self) -> bool:
        """A self-locked customer: their session reaches support (cases, help) only."""
        return self.user is not None and self.user.self_locked_at is not None

    def form(self) -> dict[str, Any]:
        """The submitted form, after checking its CSRF token."""
        return dict(self.multi_form())

    def multi_form(self) -> FormData:
        """The submitted form with every value of every field (files too), after checking its
        CSRF token. Called from the handler's worker thread: the body is parsed on the event
        loop (once; Starlette keeps it), the handler waits."""
        form: FormData = anyio.from_thread.run(self._read_form)
        if not csrf_valid(self.request, str(form.get("csrf_token") or "")):
            raise Forbidden("Your form expired. Please reload the page and try again.", code="csrf")
        return form

    async def _read_form(self) -> FormData:
        return await self.request.form()

    def authenticate(self, *, login: str, password: str) -> User:
        try:
            return identity.authenticate(
                self.db, settings=self.settings, login=login, password=password, ip=self.ip
            )
        except DomainError:
            self.db.commit()  # the failed attempt counts towards throttling and the lock
            raise

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        templates = self.request.app.state.templates
        added = {
            k: v for provide in _page_values.get(template, ()) for k, v in provide(self).items()
        }
        return templates.TemplateResponse(
            self.request, template, {"ctx": self, **added, **values}, status_code=status_code
        )

    def url(self, path: str, **query: Any) -> str:
        params = {k: v for k, v in query.items() if v not in (None, "")}
        return path + ("?" + urlencode(params) if params else "")


def current_user(request: Request, db: Session) -> tuple[User | None, bool]:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        row = identity.resolve_session(db, token=auth[7:].strip(), kind="api")
        if row is None:
            raise Unauthorized("The access token is invalid or expired.", code="bad_token")
        return row.user, True
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        row = identity.resolve_session(db, token=cookie, kind="web")
        if row is not None:
            return row.user, False
    return None, False


def language_of(request: Request, user: User | None) -> str:
    settings: Settings = request.app.state.settings
    return (
        normalize_lang(request.query_params.get("lang"))
        or normalize_lang(request.cookies.get(LANG_COOKIE))
        or (user.lang if user is not None else None)
        or (
            from_accept_language(request.headers.get("accept-language"))
            if request.url.path.startswith("/api/")
            else None
        )
        or settings.default_lang
    )


def get_ctx(request: Request, db: DB) -> Ctx:
    user, via_token = current_user(request, db)
    lang = language_of(request, user)
    request.state.lang = lang
    ctx = Ctx(request, db, request.app.state.settings, user, lang, via_token)
    request.state.ctx = ctx
    # A cookie-authenticated JSON call that changes state must carry the CSRF token as a header.
    if (
        request.method in UNSAFE
        and request.url.path.startswith("/api/")
        and user is not None
        and not via_token
        and not csrf_valid(request, request.headers.get("x-csrf-token"))
    ):
        raise Forbidden("Missing or invalid CSRF token.", code="csrf")
    return ctx


Context = Annotated[Ctx, Depends(get_ctx)]


def field_errors(ctx: Ctx, error: DomainError) -> dict[str, str]:
    """field name → translated message; a form's problems all at once."""
    problems = error.problems if isinstance(error, FormInvalid) else [error]
    errors: dict[str, str] = {}
    for problem in problems:
        errors.setdefault(problem.field or "form", ctx._(problem.message, **problem.params))
    return errors


# What a higher domain shows on a lower domain's page (risk's freezes on identity's security
# page): registered by the higher one, so that the page's own domain need not import it.
PageValues = Callable[[Ctx], dict[str, Any]]
_page_values: dict[str, list[PageValues]] = {}


def extend_page(template: str, provide: PageValues) -> None:
    """Every render of `template` also gets the values `provide(ctx)` returns (the page's own
    values win a clash). Registering the same function again is a no-op."""
    known = _page_values.setdefault(template, [])
    if provide not in known:
        known.append(provide)
