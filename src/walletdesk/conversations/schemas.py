"""API shapes of conversations (the contract in ARCHITECTURE.md: fields are only ever added)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ConversationCreate(BaseModel):
    channel: Literal["chat"] = "chat"
    lang: Literal["zh", "en"] = "zh"


class ConversationStarted(BaseModel):
    id: int
    token: str | None = Field(description="Only for a visitor: send it as X-Conversation-Token")


class MessageCreate(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class ArticleRef(BaseModel):
    slug: str
    title: str


class MessageOut(BaseModel):
    seq: int
    author: Literal["customer", "assistant", "agent", "system"]
    text: str = Field(description="As stored: redacted")
    article: ArticleRef | None
    created_at: datetime
    data: dict[str, Any] | None = None


class ConversationOut(BaseModel):
    id: int
    state: Literal["assistant", "queued", "assigned", "closed"]
    queue_position: int | None
    eta_minutes: int | None = None
    channel: str
    lang: str
    last_seq: int
    read_seq: int = Field(description="What the other side has read up to")
    case_id: int | None = None
    messages: list[MessageOut]


class ConversationSummary(BaseModel):
    id: int
    state: str
    channel: str
    lang: str
    customer_name: str | None
    assignee_id: int | None
    assignee_name: str | None
    last_seq: int
    unread: int
    waiting_minutes: int | None
    handover_reason: str
    case_id: int | None
    updated_at: datetime


class HandoverIn(BaseModel):
    reason: str = Field(default="requested", max_length=32)


class AssignIn(BaseModel):
    agent_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Empty: the caller takes it"
    )


class TransferIn(BaseModel):
    agent_id: int | None = Field(ge=1, le=2**31 - 1, description="null: back to the queue")


class PresenceIn(BaseModel):
    status: Literal["available", "away"]
    max_concurrent: int | None = Field(default=None, ge=1, le=20)
    languages: str | None = Field(default=None, max_length=32, description='e.g. "zh,en"')


class PresenceOut(BaseModel):
    status: str
    max_concurrent: int
    languages: str


class ReadIn(BaseModel):
    seq: int = Field(ge=0, le=2**31 - 1)


def message_out(message: Any) -> MessageOut:
    """A stored message as every transport shows it (GET, WebSocket, server-sent events)."""
    article = (
        ArticleRef(slug=message.article_slug, title=message.article_title or "")
        if message.article_slug
        else None
    )
    return MessageOut(
        seq=message.seq,
        author=message.author,
        text=message.text,
        article=article,
        created_at=message.created_at,
        data=message.data,
    )
