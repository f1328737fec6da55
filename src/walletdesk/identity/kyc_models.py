"""Real-name verification (KYC) tables: what a customer submitted and how staff decided.

Document images live on disk under the uploads dir; these rows point at them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walletdesk.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from walletdesk.identity.models import User

KYC_LEVELS = ("unverified", "basic", "advanced")
ID_TYPES = ("id_card", "passport")


class KycSubmission(Base):
    __tablename__ = "kyc_submissions"
    __table_args__ = (Index("ix_kyc_submissions_status_submitted", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(16))  # the level asked for: basic or advanced
    real_name: Mapped[str] = mapped_column(String(100))
    id_type: Mapped[str] = mapped_column(String(16))
    id_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # approved, rejected
    reason: Mapped[str] = mapped_column(String(500), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    customer: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    documents: Mapped[list[KycDocument]] = relationship(
        back_populates="submission", order_by="KycDocument.id", lazy="selectin"
    )


class KycDocument(Base):
    __tablename__ = "kyc_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("kyc_submissions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # id_front, id_back, selfie
    stored_name: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))

    submission: Mapped[KycSubmission] = relationship(back_populates="documents")
