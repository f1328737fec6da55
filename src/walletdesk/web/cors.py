"""Cross-origin access for the chat widget on other sites' pages: only the conversations API
(and the widget's texts), only for the origins in WALLETDESK_WIDGET_ORIGINS, and never with
cookies (a visitor's conversation token travels in a header instead).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from walletdesk.config import Settings

PATHS = ("/api/v1/conversations", "/api/v1/chat/")
ALLOWED_HEADERS = "content-type, x-conversation-token, last-event-id"
Next = Callable[[Request], Awaitable[Response]]


def widget_origins(settings: Settings) -> frozenset[str]:
    return frozenset(o.strip().rstrip("/") for o in settings.widget_origins.split(",") if o.strip())


def make_cors(settings: Settings) -> Callable[[Request, Next], Awaitable[Response]]:
    allowed = widget_origins(settings)

    async def cors(request: Request, call_next: Next) -> Response:
        origin = (request.headers.get("origin") or "").rstrip("/")
        if origin not in allowed or not request.url.path.startswith(PATHS):
            return await call_next(request)
        if request.method == "OPTIONS" and request.headers.get("access-control-request-method"):
            response = Response(status_code=204)
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
        else:
            response = await call_next(request)
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        return response

    return cors
