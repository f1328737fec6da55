"""Case tables: the case with its structured details, its messages (replies and internal
notes), its attachments and its timeline of typed events.

Relationships never load lazily with SQL (`raise_on_sql`): list pages load what they show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walletdesk.db import Base, UTCDateTime, utcnow
from walletdesk.identity.models import User
from walletdesk.references import (  # noqa: F401 (re-exported: the number's rule is shared)
    NUMBER_PREFIX,
    case_number,
    parse_case_number,
)

SYSTEM_CHANNELS = frozenset({"risk"})


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_sla_due", "sla_due_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The case type (cases.types): its path of states and its clock. Older rows are inquiries.
    type: Mapped[str] = mapped_column(
        String(24), default="inquiry", server_default="inquiry", index=True
    )
    category: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(24), default="new", index=True)
    priority: Mapped[str] = mapped_column(String(16), default="normal", index=True)
    channel: Mapped[str] = mapped_column(String(16), default="portal")  # portal | api | ...
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    # Category-specific answers (registered_phone, occurred_at, transaction_id, ...).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # When the earliest running SLA clock is due (none running: empty), kept by cases.sla.
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[User] = relationship(foreign_keys=[customer_id], lazy="raise_on_sql")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="raise_on_sql")

    @property
    def number(self) -> str:
        return case_number(self.id)

    @property
    def opened_by(self) -> str:
        """customer, or system when risk control or reconciliation opened it."""
        return "system" if self.channel in SYSTEM_CHANNELS else "customer"


class CaseMessage(Base):
    """A reply in the conversation, or (internal=True) a note that only staff ever see.

    A message without an author is written by the system (an approved refund, a risk review):
    its `line` holds a message id and parameters, rendered in the reader's language."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    line: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship(lazy="raise_on_sql")
    attachments: Mapped[list[CaseAttachment]] = relationship(
        lazy="raise_on_sql", order_by="CaseAttachment.id"
    )


class CaseAttachment(Base):
    """A checked file kept under the uploads directory by a random name.

    Attached to a message, or to the case itself (sent with the case or uploaded on its own);
    it is internal exactly when its message is.
    """

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_messages.id", ondelete="CASCADE"), index=True
    )
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    file_name: Mapped[str] = mapped_column(String(255))  # sanitised original name
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def author_kind(message: CaseMessage) -> str:
    """customer | agent | system: who a message is shown as written by."""
    if message.author is None:
        return "system"
    return "agent" if message.author.is_staff else "customer"


class CaseEvent(Base):
    """One entry of the case timeline: who did what, when. `type` names the change
    (open, reply, note, status, priority, assign, attach); `data` holds its particulars."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    type: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="raise_on_sql")


class CaseCommitment(Base):
    """The deadline we committed to for a complaint or an appeal: the jurisdiction's rule, when
    the answer is due (moved by an extension with its reason), and what was sent when."""

    __tablename__ = "case_commitments"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[str] = mapped_column(String(32))
    jurisdiction: Mapped[str] = mapped_column(String(8))
    lang: Mapped[str] = mapped_column(String(8))  # the language of the letters we send
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    extension: Mapped[str | None] = mapped_column(String(32))
    extension_reason: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
