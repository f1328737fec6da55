"""Conversation tables: a conversation of any channel (chat now; email, Telegram, phone later),
its messages numbered per conversation, their files, and the agents' availability.

Message text is stored redacted, always: the scam shield runs before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walletdesk.db import Base, UTCDateTime, utcnow
from walletdesk.identity.models import User

CHANNELS = ("chat", "email", "telegram", "phone")
STATES = ("assistant", "queued", "assigned", "closed")
AUTHORS = ("customer", "assistant", "agent", "system")


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="chat", index=True)
    lang: Mapped[str] = mapped_column(String(5), default="zh", index=True)
    state: Mapped[str] = mapped_column(String(16), default="assistant", index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A visitor who has not signed in: only the SHA-256 of their token is kept.
    visitor_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The case a follow-up became (cases sit above conversations: no foreign key to import).
    case_id: Mapped[int | None] = mapped_column(index=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    customer_last_read_seq: Mapped[int] = mapped_column(default=0)
    agent_last_read_seq: Mapped[int] = mapped_column(default=0)
    # The assistant's state: details collected so far, consecutive unsure answers.
    assistant_memory: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    handover_reason: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[User | None] = relationship(foreign_keys=[customer_id], lazy="raise_on_sql")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="raise_on_sql")


class Message(Base):
    """One message of a conversation; `seq` counts from 1 in each conversation, so a client
    that reconnects asks for what came after the last one it has."""

    __tablename__ = "conversation_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_conversation_messages_seq"),
        Index("ix_conversation_messages_conversation_seq", "conversation_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()
    author: Mapped[str] = mapped_column(String(16))  # customer | assistant | agent | system
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)  # redacted
    article_slug: Mapped[str | None] = mapped_column(String(120))
    article_title: Mapped[str | None] = mapped_column(String(200))
    # What else the message carries: kind (queue, warning, channel_check, transactions, ...)
    # and its particulars, attachment ids.
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConversationAttachment(Base):
    """A checked file of a message, kept under the uploads directory by a random name (the
    same checks and storage as a case's files)."""

    __tablename__ = "conversation_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation_messages.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AgentPresence(Base):
    """Whether an agent takes conversations now, how many at once, in which languages."""

    __tablename__ = "agent_presence"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="away")  # available | away
    max_concurrent: Mapped[int] = mapped_column(default=3)
    languages: Mapped[str] = mapped_column(String(32), default="zh,en")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def speaks(self, lang: str) -> bool:
        return lang in {part.strip() for part in self.languages.split(",")}
