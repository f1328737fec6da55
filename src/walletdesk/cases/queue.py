"""The workspace's queue: the live conversations and the cases an agent works through, with
the inbox's filters and the unread counts. The filters an agent chose are kept in a cookie, so
that the queue beside an open item is the one they were working through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from fastapi.responses import Response
from sqlalchemy.orm import selectinload

from walletdesk.cases import service
from walletdesk.cases.queries import ASSIGNEE_FILTERS, DUE_FILTERS, SORTS
from walletdesk.conversations import service as conversations
from walletdesk.conversations.models import AgentPresence, Conversation
from walletdesk.db import utcnow
from walletdesk.i18n import N_
from walletdesk.web.deps import Ctx

QUEUE_COOKIE = "wd_queue"
CHAT_FILTERS = ("active", "queued", "mine", "all", "none")  # which conversations show
CHAT_LIMIT = 30
# A conversation's state as agents read it.
CHAT_STATES = {
    "assistant": N_("With the assistant"),
    "queued": N_("Waiting for a person"),
    "assigned": N_("With an agent"),
    "closed": N_("Ended"),
}

DEFAULT = service.CaseFilter(status="active")


@dataclass(frozen=True)
class ChatFilter:
    show: str = "active"
    lang: str = ""


@dataclass(frozen=True)
class ChatRow:
    conversation: Conversation
    unread: int
    waiting_minutes: int | None

    @property
    def id(self) -> int:
        return self.conversation.id


@dataclass(frozen=True)
class Queue:
    filters: service.CaseFilter
    found: service.CasePage
    unread: dict[int, int]  # case id → customer messages since staff last wrote
    chat: ChatFilter
    chats: list[ChatRow]
    assigned_to_me: int  # conversations of this agent: a new one is worth a sound
    available: bool  # whether this agent takes conversations now

    @property
    def chat_unread(self) -> int:
        return sum(row.unread for row in self.chats)

    @property
    def attention(self) -> int:
        return sum(self.unread.values()) + self.chat_unread

    @property
    def ids(self) -> list[int]:
        return [case.id for case in self.found.items]

    @property
    def query(self) -> str:
        """The filters as a query string (only what differs from the default)."""
        return urlencode(_as_params(self.filters, self.chat))


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
        sort=sort if (sort := params.get("sort", "updated")) in SORTS else "updated",
        due=due if (due := params.get("due", "")) in DUE_FILTERS else "",
    )


def chat_filter_from(params: Mapping[str, str]) -> ChatFilter:
    show = params.get("chat", "active")
    lang = params.get("chat_lang", "")
    return ChatFilter(
        show=show if show in CHAT_FILTERS else "active", lang=lang if lang in ("zh", "en") else ""
    )


def remembered(ctx: Ctx) -> tuple[service.CaseFilter, ChatFilter]:
    """The filters of the agent's last look at the inbox (the default without one)."""
    cookie = dict(parse_qsl(ctx.request.cookies.get(QUEUE_COOKIE, "")[:600]))
    return filters_from(cookie), chat_filter_from(cookie)


def load(ctx: Ctx, filters: tuple[service.CaseFilter, ChatFilter]) -> Queue:
    user = ctx.require("agent")
    cases, chat = filters
    found = service.list_cases(ctx.db, user=user, filters=cases)
    unread = service.unanswered_counts(ctx.db, case_ids=[case.id for case in found.items])
    chats, mine = _conversations(ctx, chat)
    presence = ctx.db.get(AgentPresence, user.id)
    return Queue(
        filters=cases,
        found=found,
        unread=unread,
        chat=chat,
        chats=chats,
        assigned_to_me=mine,
        available=presence is not None and presence.status == "available",
    )


def _conversations(ctx: Ctx, chat: ChatFilter) -> tuple[list[ChatRow], int]:
    """The conversations the filter shows, those waiting for a person first (longest wait
    first), then the newest; and how many this agent holds."""
    user = ctx.user
    if chat.show == "none" or user is None or not user.is_staff:
        return [], 0
    reader = conversations.Reader(user=user)
    if not reader.is_agent:
        return [], 0
    query = conversations.readable_conversations(reader).options(
        selectinload(Conversation.customer), selectinload(Conversation.assignee)
    )
    if chat.show == "active":
        query = query.where(Conversation.state != "closed")
    elif chat.show == "queued":
        query = query.where(Conversation.state == "queued")
    elif chat.show == "mine":
        query = query.where(Conversation.assignee_id == user.id, Conversation.state != "closed")
    if chat.lang:
        query = query.where(Conversation.lang == chat.lang)
    rows: list[Conversation] = list(
        ctx.db.scalars(query.order_by(Conversation.updated_at.desc()).limit(CHAT_LIMIT))
    )
    now = utcnow()
    found = [ChatRow(c, max(0, c.last_seq - c.agent_last_read_seq), _waiting(c, now)) for c in rows]
    found.sort(key=lambda row: (row.waiting_minutes is None, -(row.waiting_minutes or 0)))
    mine = sum(1 for c in rows if c.assignee_id == user.id and c.state == "assigned")
    return found, mine


def _waiting(conversation: Conversation, now: datetime) -> int | None:
    if conversation.state != "queued" or conversation.queued_at is None:
        return None
    return int((now - conversation.queued_at).total_seconds() // 60)


def remember(response: Response, queue: Queue) -> None:
    response.set_cookie(
        QUEUE_COOKIE,
        queue.query,
        max_age=30 * 24 * 3600,
        httponly=True,
        samesite="lax",
        path="/console",
    )


def _as_params(filters: service.CaseFilter, chat: ChatFilter) -> dict[str, str]:
    values = {
        "chat": chat.show,
        "chat_lang": chat.lang,
        "status": filters.status,
        "category": filters.category,
        "priority": filters.priority,
        "assignee": filters.assignee,
        "q": filters.q,
        "page": str(filters.page),
        "sort": filters.sort,
        "due": filters.due,
    }
    defaults = {
        "status": "active",
        "assignee": "anyone",
        "page": "1",
        "chat": "active",
        "sort": "updated",
    }
    return {k: v for k, v in values.items() if v and v != defaults.get(k)}
