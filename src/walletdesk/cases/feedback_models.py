"""Feedback's tags: what a piece of feedback or a suggestion is about, one row per tag, so
that they can be counted by tag over a period.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from walletdesk.db import Base


class FeedbackTag(Base):
    __tablename__ = "feedback_tags"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
