"""create_app(settings): the FastAPI application, its routers, middleware and error pages."""

from __future__ import annotations

import asyncio
import importlib
import logging
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

import anyio
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from walletdesk import __version__, jobs, money
from walletdesk.assistant import handover
from walletdesk.config import Settings
from walletdesk.conversations import realtime, streams
from walletdesk.db import (
    make_engine,
    make_probe_engine,
    make_sessionmaker,
    request_slots,
    session_scope,
)
from walletdesk.errors import DomainError, RateLimited, TooLarge
from walletdesk.helpcenter import training
from walletdesk.i18n import N_, Translator, catalog, gettext
from walletdesk.identity.present import local_time
from walletdesk.money import format_minor
from walletdesk.ratelimit import make_limiter
from walletdesk.references import case_number
from walletdesk.safety.accesslog import install_access_log_filter
from walletdesk.wallet.history import status_label
from walletdesk.wallet.reasons import reason_text
from walletdesk.wallet.steps import staff_step_note, step_note, step_text
from walletdesk.web import apidocs, deps, edge, openapi
from walletdesk.web.cors import make_cors

log = logging.getLogger("walletdesk")
WEB_DIR = Path(__file__).parent / "web"

# Each module defines `router`; the order decides which of two equal paths wins.
ROUTER_MODULES = (
    "walletdesk.identity.api",
    "walletdesk.identity.views",
    "walletdesk.helpcenter.api",
    "walletdesk.helpcenter.views",
    "walletdesk.conversations.api",
    "walletdesk.conversations.streams",
    "walletdesk.conversations.views",
    "walletdesk.cases.complaint_api",
    "walletdesk.cases.recovery_api",
    "walletdesk.cases.api",
    "walletdesk.cases.recovery_views",
    "walletdesk.cases.feedback_views",
    "walletdesk.cases.views",
    "walletdesk.cases.complaint_views",
    "walletdesk.admin.views",
    "walletdesk.safety.api",
    "walletdesk.wallet.api",
    "walletdesk.wallet.views",
    "walletdesk.payments.api",
    "walletdesk.payments.views",
    "walletdesk.risk.views",
    "walletdesk.approvals.views",
    "walletdesk.web.apidocs",
)

# Each module defines `subscribe()`, registering its handlers of other domains' events.
SUBSCRIBER_MODULES = (
    "walletdesk.cases.subscribers",
    "walletdesk.risk.subscribers",
    "walletdesk.conversations.realtime",
    "walletdesk.assistant.subscribers",
)

# Modules that register approval kinds (approvals.register_kind) as they are imported: the
# approvals queue shows and decides every kind, whichever page is asked for first.
APPROVAL_KIND_MODULES = (
    "walletdesk.wallet.adjustments",
    "walletdesk.wallet.owed",
    "walletdesk.risk.service",
)

# Files the same for everyone, which browsers may keep.
STATIC_PREFIXES = ("/static/", "/api/docs/assets/")

# Forms carry at most this many attachments; the request size limit follows from it.
MAX_FILES_PER_REQUEST = 5

# img-src blob: lets the chat show a visitor's own screenshot, which it fetches with the
# conversation's token (an <img src> could not send it); only our scripts make blob URLs.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.ensure_dirs()
    settings.signing_key()
    deps.trusted_networks(settings.trusted_proxies)  # a mistyped proxy address fails here
    catalog("zh")  # read once now: error handlers translate on the event loop
    install_access_log_filter()
    money.configure(max_amount_major=settings.max_amount_major)
    register_subscribers()
    engine = make_engine(settings.db_url)
    probe = make_probe_engine(settings.db_url)
    factory = make_sessionmaker(engine, info={"settings": settings})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = jobs.start_inline(factory=factory, settings=settings)
        await anyio.to_thread.run_sync(_start_search_model, settings, factory)
        # The chat assistant's handover classifier: trained beside start-up (a second of CPU),
        # so that the first chat message does not wait for it.
        threading.Thread(target=handover.warm, name="handover-warm", daemon=True).start()
        await app.state.chat_hub.start()
        await app.state.queue_watch.start()
        yield
        await app.state.queue_watch.stop()
        await app.state.chat_hub.stop()

        def shut_down() -> None:  # waits for the jobs thread and closes connections
            if runner is not None:
                runner.stop()
            engine.dispose()
            probe.dispose()

        await anyio.to_thread.run_sync(shut_down)

    app = FastAPI(
        title="walletdesk",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(edge.refuse_nul)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = factory
    app.state.db_slots = anyio.CapacityLimiter(request_slots(engine))
    app.state.limiter = make_limiter(settings)
    app.state.chat_hub = realtime.make_hub(settings)
    app.state.queue_watch = streams.QueueWatch(app)
    app.state.templates = _templates(settings)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    apidocs.mount_assets(app)
    _install_middleware(app, settings)
    _install_error_handlers(app)
    for name in APPROVAL_KIND_MODULES:
        importlib.import_module(name)
    for name in ROUTER_MODULES:
        router = importlib.import_module(name).router
        openapi.declare_errors(router)
        app.include_router(router)
    _prepare_routes(app)

    # The health check has its own connection and its own thread, kept alive, so that it
    # answers at once while every request thread and pooled connection is busy.
    health_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")

    def ping_database() -> None:
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))

    @app.get("/healthz", tags=["meta"])
    async def healthz() -> dict[str, str]:
        await asyncio.get_running_loop().run_in_executor(health_thread, ping_database)
        return {"status": "ok", "version": __version__}

    return app


def register_subscribers() -> None:
    """Every domain's handlers of the events it listens to. Each process that changes state
    calls it before its first transaction (the web app, `walletdesk worker`, the CLI), so a
    timeline line is never missed; registering again is a no-op (tests build many apps)."""
    for name in SUBSCRIBER_MODULES:
        importlib.import_module(name).subscribe()


def _prepare_routes(app: FastAPI) -> None:
    """FastAPI prepares an included router's routes on the first request that reaches it,
    on the event loop (a third of a second for all of them): do it now, once, instead."""
    scope = {"type": "http", "method": "GET", "path": "/", "root_path": "", "headers": []}
    for route in app.router.routes:
        route.matches(scope)


def _start_search_model(settings: Settings, factory: sessionmaker[Session]) -> None:
    """Load the built help-search model, or build it in the background when there is none
    (a clean clone): searches use the lexical ranking until it is ready."""
    from walletdesk.helpcenter import model_store, questions

    if not settings.search_model:
        return

    def labels() -> list[training.Example]:
        try:
            with session_scope(factory) as db:
                return questions.labelled_examples(db)
        except Exception:  # no schema yet: the shipped data alone
            log.warning("help search labels unavailable; building from the shipped data")
            return []

    model_store.ensure(settings.model_dir, labels)


def _template_globals(request: Request) -> dict[str, object]:
    """`_` and `lang` in every template, from the language chosen for this request."""
    lang = _lang_of(request)
    return {"_": Translator(lang), "lang": lang}


def _templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(
        directory=WEB_DIR / "templates", context_processors=[_template_globals]
    )
    templates.env.globals["csrf_token"] = deps.csrf_token_for
    templates.env.globals["failure_reason_text"] = reason_text
    templates.env.globals["format_amount"] = format_minor
    # A stored (UTC) moment in the service's time zone, as every page shows times.
    templates.env.globals["local_time"] = partial(local_time, settings=settings)
    templates.env.globals["status_label"] = status_label
    templates.env.globals["step_text"] = step_text
    templates.env.globals["step_note"] = step_note
    templates.env.globals["staff_step_note"] = staff_step_note
    templates.env.globals["case_number"] = case_number
    return templates


class BodyLimit:
    """Stops reading a request body at the limit, declared or not (a chunked upload of 1 GiB
    is refused at the limit, not spooled to disk first)."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise TooLarge("The request is too large.", code="too_large")
            return message

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 413:
                # The client may still be sending: end the connection instead of reading on.
                message = {**message, "headers": [*message["headers"], (b"connection", b"close")]}
            await send(message)

        await self.app(scope, counted, closing)


def body_limit(settings: Settings) -> int:
    return settings.upload_max_bytes * MAX_FILES_PER_REQUEST + 1024 * 1024


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(BodyLimit, limit=body_limit(settings))
    app.middleware("http")(make_cors(settings))

    @app.middleware("http")
    async def csrf_seed_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        seed = request.cookies.get(deps.CSRF_COOKIE)
        fresh = not seed or len(seed) != 43
        request.state.csrf_seed = secrets.token_urlsafe(32) if fresh else seed
        if _body_too_large(request, settings):
            message = gettext(_lang_of(request), "The request is too large.")
            response = await _error_response(request, 413, "too_large", message, None)
        else:
            response = await call_next(request)
        if fresh:
            response.set_cookie(
                deps.CSRF_COOKIE,
                request.state.csrf_seed,
                httponly=True,
                samesite="lax",
                secure=settings.cookie_secure,
            )
        lang = request.query_params.get("lang")
        if lang in ("zh", "en") and not request.url.path.startswith("/api/"):
            response.set_cookie(deps.LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith(STATIC_PREFIXES):
            # Pages and answers are personal (balances, cases, statements): never kept by a
            # browser or a proxy for the next person at the same computer.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _body_too_large(request: Request, settings: Settings) -> bool:
    """Refuse before reading: Starlette would spool the whole body to disk first."""
    declared = request.headers.get("content-length", "")
    return declared.isdigit() and int(declared) > body_limit(settings)


def _lang_of(request: Request) -> str:
    lang = getattr(request.state, "lang", None)
    return lang if lang else deps.language_of(request, None)


def _error_page_ctx(request: Request) -> deps.Ctx | None:
    """Who is signed in, so the error page keeps their menu and language."""
    try:
        with session_scope(request.app.state.sessionmaker) as db:
            user, via_token = deps.current_user(request, db)
            settings = request.app.state.settings
            return deps.Ctx(request, db, settings, user, _lang_of(request), via_token)
    except DomainError:
        return None


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _error_response(
    request: Request, status: int, code: str, message: str, field: str | None
) -> Response:
    if _is_api(request):
        body = {"error": {"code": code, "message": message, "field": field}}
        return JSONResponse(body, status_code=status)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    # The handler's session was rolled back and closed, which expired its objects (ctx.user):
    # load who is signed in afresh.
    return await run_in_threadpool(_error_page, request, status, message)


def _error_page(request: Request, status: int, message: str) -> Response:
    ctx = _error_page_ctx(request)
    return request.app.state.templates.TemplateResponse(
        request,
        "error.html",
        {"ctx": ctx, "status": status, "message": message},
        status_code=status,
    )


HTTP_ERRORS = {
    400: ("bad_request", N_("The request is invalid.")),
    404: ("not_found", N_("Not found.")),
    405: ("method_not_allowed", N_("This method is not allowed here.")),
    413: ("too_large", N_("The request is too large.")),
}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        message = gettext(_lang_of(request), exc.message, **exc.params)
        response = await _error_response(request, exc.status, exc.code, message, exc.field)
        if isinstance(exc, RateLimited) and exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        lang = _lang_of(request)
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
        field = ".".join(loc) or None
        kind = (
            "This field is required."
            if first.get("type") == "missing"
            else "This value is not valid."
        )
        message = gettext(lang, kind)
        if field:
            message = gettext(lang, "{field}: {message}", field=field, message=message)
        return await _error_response(request, 422, "validation_failed", message, field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Errors Starlette raises itself (no route, wrong method, a body it cannot parse), in
        the same shape and language as every other error."""
        if isinstance(exc.__cause__, DomainError):  # FastAPI reading the body: ours (too large)
            return await domain_error(request, exc.__cause__)
        code, text = HTTP_ERRORS.get(exc.status_code, ("bad_request", "The request is invalid."))
        message = gettext(_lang_of(request), text)
        response = await _error_response(request, exc.status_code, code, message, None)
        for name, value in (exc.headers or {}).items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        message = gettext(_lang_of(request), "Something went wrong on our side. Please try again.")
        return await _error_response(request, 500, "internal_error", message, None)
