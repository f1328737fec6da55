"""Single and daily limits on outgoing payments per verification level (from fees.yaml), and
what a customer has left of them today (Beijing day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from walletdesk.db import utcnow
from walletdesk.errors import ValidationFailed
from walletdesk.identity import service as identity
from walletdesk.wallet.currencies import format_minor
from walletdesk.wallet.fees import BEIJING, raw_config
from walletdesk.wallet.transactions import WalletTransaction

OUTGOING = ("withdrawal", "transfer_out")
COUNTED_STATES = ("pending", "processing", "succeeded")


@dataclass(frozen=True)
class Limit:
    level: str
    currency: str
    single_minor: int
    daily_minor: int
    withdrawals: bool


@dataclass(frozen=True)
class LimitsLeft:
    limit: Limit
    used_today_minor: int

    @property
    def daily_left_minor(self) -> int:
        return max(self.limit.daily_minor - self.used_today_minor, 0)

    @property
    def single_left_minor(self) -> int:
        """The most the next payment may be: the single limit, or less if the day is nearly used."""
        return min(self.limit.single_minor, self.daily_left_minor)


@lru_cache(maxsize=1)
def limit_table() -> dict[str, Limit]:
    spec = raw_config()["limits"]
    return {
        level: Limit(
            level=level,
            currency=spec["currency"],
            single_minor=int(values["single"]),
            daily_minor=int(values["daily"]),
            withdrawals=bool(values["withdrawals"]),
        )
        for level, values in spec["levels"].items()
    }


def limit_for(level: str) -> Limit:
    table = limit_table()
    return table.get(level, table["unverified"])


def used_today(db: Session, *, user_id: int, currency: str, now: datetime | None = None) -> int:
    """The sum of today's (Beijing day) outgoing payments that have not failed."""
    day = (now or utcnow()).astimezone(BEIJING).date()
    start = datetime.combine(day, time(), BEIJING)
    total = db.scalar(
        select(func.coalesce(func.sum(WalletTransaction.amount_minor), 0)).where(
            WalletTransaction.user_id == user_id,
            WalletTransaction.currency == currency,
            WalletTransaction.kind.in_(OUTGOING),
            WalletTransaction.status.in_(COUNTED_STATES),
            WalletTransaction.created_at >= start,
            WalletTransaction.created_at < start + timedelta(days=1),
        )
    )
    return int(total or 0)


def limits_left(db: Session, *, user_id: int, currency: str) -> LimitsLeft | None:
    """The customer's limits and today's use; None when `currency` has no configured limit."""
    limit = limit_for(identity.kyc_level(db, user_id=user_id))
    if currency != limit.currency:
        return None
    return LimitsLeft(limit, used_today(db, user_id=user_id, currency=currency))


def check_limits(
    db: Session, *, user_id: int, direction: str, amount_minor: int, currency: str
) -> LimitsLeft | None:
    """Raise ValidationFailed(field="amount") if this outgoing payment is over a limit."""
    limit = limit_for(identity.kyc_level(db, user_id=user_id))
    if direction == "withdrawal" and not limit.withdrawals:
        raise ValidationFailed(
            "Complete real-name verification before you withdraw.", field="amount"
        )
    left = limits_left(db, user_id=user_id, currency=currency)
    if left is None:
        return None
    if amount_minor > limit.single_minor:
        raise ValidationFailed(
            "The most you can send in one payment is {limit} {currency}.",
            field="amount",
            limit=format_minor(limit.single_minor, currency),
            currency=currency,
        )
    if amount_minor > left.daily_left_minor:
        raise ValidationFailed(
            "This is over your daily limit: {left} {currency} left of {limit} {currency} today.",
            field="amount",
            left=format_minor(left.daily_left_minor, currency),
            limit=format_minor(limit.daily_minor, currency),
            currency=currency,
        )
    return left
