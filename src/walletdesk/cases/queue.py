"""The workspace's queue: the cases an agent works through, with the inbox's filters and the
unread counts. The filters an agent chose are kept in a cookie, so that the queue beside an
open case is the one they were working through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

from fastapi.responses import Response

from walletdesk.cases import service
from walletdesk.cases.queries import ASSIGNEE_FILTERS
from walletdesk.web.deps import Ctx

QUEUE_COOKIE = "wd_queue"

DEFAULT = service.CaseFilter(status="active")


@dataclass(frozen=True)
class Queue:
    filters: service.CaseFilter
    found: service.CasePage
    unread: dict[int, int]  # case id → customer messages since staff last wrote

    @property
    def ids(self) -> list[int]:
        return [case.id for case in self.found.items]

    @property
    def query(self) -> str:
        """The filters as a query string (only what differs from the default)."""
        return urlencode(_as_params(self.filters))


def filters_from(params: Mapping[str, str]) -> service.CaseFilter:
    page = params.get("page", "1")
    assignee = params.get("assignee", "anyone")
    return replace(
        DEFAULT,
        status=params.get("status", "active")[:32] or "active",
        category=params.get("category", "")[:32],
        priority=params.get("priority", "")[:16],
        assignee=assignee if assignee in ASSIGNEE_FILTERS else "anyone",
        q=params.get("q", "")[:100],
        page=min(int(page), 10**9) if page.isdigit() and int(page) > 0 else 1,
    )


def remembered(ctx: Ctx) -> service.CaseFilter:
    """The filters of the agent's last look at the inbox (the default without one)."""
    cookie = ctx.request.cookies.get(QUEUE_COOKIE, "")[:600]
    return filters_from(dict(parse_qsl(cookie)))


def load(ctx: Ctx, filters: service.CaseFilter) -> Queue:
    user = ctx.require("agent")
    found = service.list_cases(ctx.db, user=user, filters=filters)
    unread = service.unanswered_counts(ctx.db, case_ids=[case.id for case in found.items])
    return Queue(filters=filters, found=found, unread=unread)


def remember(response: Response, queue: Queue) -> None:
    response.set_cookie(
        QUEUE_COOKIE,
        queue.query,
        max_age=30 * 24 * 3600,
        httponly=True,
        samesite="lax",
        path="/console",
    )


def _as_params(filters: service.CaseFilter) -> dict[str, str]:
    values = {
        "status": filters.status,
        "category": filters.category,
        "priority": filters.priority,
        "assignee": filters.assignee,
        "q": filters.q,
        "page": str(filters.page),
    }
    defaults = {"status": "active", "assignee": "anyone", "page": "1"}
    return {k: v for k, v in values.items() if v and v != defaults.get(k)}
