"""Approval requests: who asked for what on which customer (and case), and who decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walletdesk.db import Base, UTCDateTime, utcnow
from walletdesk.identity.models import User

STATUSES = ("pending", "approved", "rejected")


class Approval(Base):
    __tablename__ = "approvals"
    __table_args__ = (Index("ix_approvals_status_requested", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # What to do, in the kind's own terms (amounts in minor units, ids), fixed at request time.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(500))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    # What carrying it out produced (a journal entry id, the freeze lifted, ...).
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="selectin")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="selectin")
    customer: Mapped[User] = relationship(foreign_keys=[customer_id], lazy="selectin")
