"""Rate limits on requests, by the client's address: `rate_limited(name)` as a route
dependency, `check_rate(request, name)` inside a handler (a page that limits one form only).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from walletdesk.ratelimit import enforce
from walletdesk.web import deps


def check_rate(request: Request, name: str) -> None:
    """RateLimited (429 with Retry-After) when this client went over `name`'s limit."""
    enforce(
        request.app.state.limiter,
        settings=request.app.state.settings,
        name=name,
        key=deps.client_ip(request),
    )


def rate_limited(name: str) -> Callable[[Request], None]:
    """`dependencies=[Depends(rate_limited("help_search"))]`."""

    def dependency(request: Request) -> None:
        check_rate(request, name)

    return dependency
