"""The SLA clocks of cases: one row per case and metric (first response, each next response,
resolution) with when it started, when it is due, its pauses, and when it was met, warned and
breached. Kept beside the cases table, which knows nothing of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from walletdesk.db import Base, UTCDateTime


class SlaClock(Base):
    """A clock is open while `met_at` is empty. While `paused_at` is set it is stopped (the
        case waits on the customer); on resume the paused business time is added to
        `paused_seconds` and `due_at` (and `warning_at`, the moment the policy's share of the target
    has passed) move on by it. All times UTC."""

    __tablename__ = "case_sla_clocks"
    __table_args__ = (Index("ix_case_sla_clocks_open_due", "met_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(16))  # first_response | next_response | resolution
    target_seconds: Mapped[int] = mapped_column(Integer)  # business time allowed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    warning_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when a warning is due
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)  # business time paused
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_open(self) -> bool:
        return self.met_at is None
