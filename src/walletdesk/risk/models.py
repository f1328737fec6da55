"""Account freezes (why, by what, which case, and who lifted them with whose approval) and risk
hits (each time a rule matched, on what, with the figures it saw), for staff to see why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from walletdesk.db import Base, UTCDateTime, utcnow

STAFF = "staff"  # AccountFreeze.rule of a freeze made by hand


class AccountFreeze(Base):
    """While `lifted_at` is empty, money cannot leave the account (it can still come in).

    `reason` is shown to the customer: a rule's message id (translated when shown) or the
    words of the member of staff who froze it. `source` names what tripped the rule, e.g.
    "wallet_transaction:W2406…"; it is empty for a freeze by hand.
    """

    __tablename__ = "account_freezes"
    __table_args__ = (Index("ix_account_freezes_user_lifted", "user_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    rule: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(80), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the approver
    lift_approval_id: Mapped[int | None] = mapped_column(ForeignKey("approvals.id"))
    lift_note: Mapped[str] = mapped_column(String(500), default="")  # the request's reason

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class RiskHit(Base):
    """One rule matching one subject: a wallet transaction (its public id) or a device's
    sign-in. `action` is what the rule was set to do; `details` the figures it compared."""

    __tablename__ = "risk_hits"
    __table_args__ = (
        Index("ix_risk_hits_user_at", "user_id", "at"),
        Index("ix_risk_hits_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rule: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(16))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
