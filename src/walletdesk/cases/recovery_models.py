"""Account recovery's records: what the customer proved (phone by SMS code, the transactions
they could name, ID document and selfie files) and what staff decided, one row per case.

Evidence files are kept apart from case attachments: only staff allowed to review a recovery
see them, never the conversation, and every look is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from walletdesk.db import Base, UTCDateTime, utcnow

REASONS = ("locked", "frozen", "stolen")
EVIDENCE_KINDS = ("id_document", "selfie")
OUTCOMES = ("unlock", "unfreeze", "freeze", "decline")


class RecoveryRequest(Base):
    """The recovery of one account, on its case. `token_hash` lets a reporter who cannot sign
    in (a locked or stolen account) continue from the public form; `named` keeps the
    transactions they named ({"amount_minor", "currency", "day", "matched"}) as typed."""

    __tablename__ = "recovery_requests"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(16))  # locked | frozen | stolen
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    named: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    matched_count: Mapped[int] = mapped_column(default=0)
    # The freeze the report made at once (a stolen account), before anyone looked.
    freeze_id: Mapped[int | None] = mapped_column(ForeignKey("account_freezes.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecoveryEvidence(Base):
    """An ID document or a selfie, checked by its content and kept under a random name."""

    __tablename__ = "recovery_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # id_document | selfie
    file_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
