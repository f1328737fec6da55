"""Single and daily limits on outgoing payments per verification level (from fees.yaml), and
what a customer has left of them today (Beijing day).

The limits are set in one currency (CNY); a payment in another currency counts at its
equivalent by the configured rates (WALLETDESK_PAYMENTS_CNY_RATES), and today's use adds up
the payments of every currency, so that no currency goes around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from walletdesk.config import cny_rates_of
from walletdesk.db import utcnow
from walletdesk.errors import ValidationFailed
from walletdesk.identity import service as identity
from walletdesk.money import format_minor, minor_units
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
    """Today's limits as they apply to a payment in `currency`: the figures without `limit.`
    are in that currency (rounded down), the limit's own in the limit's currency."""

    limit: Limit
    used_today_minor: int  # in the limit's currency, every payment at its equivalent
    currency: str  # of the payment
    rates: dict[str, Decimal]

    def counted(self, amount_minor: int) -> Decimal:
        """A payment of `amount_minor` in `currency`, in minor units of the limit's currency."""
        return _convert(amount_minor, self.currency, self.limit.currency, self.rates)

    def shown(self, limit_minor: int) -> int:
        """A figure of the limit's currency in minor units of `currency`, rounded down."""
        value = _convert(limit_minor, self.limit.currency, self.currency, self.rates)
        return int(value.to_integral_value(ROUND_FLOOR))

    @property
    def daily_left_in_limit_currency(self) -> int:
        return max(self.limit.daily_minor - self.used_today_minor, 0)

    @property
    def single_minor(self) -> int:
        return self.shown(self.limit.single_minor)

    @property
    def daily_minor(self) -> int:
        return self.shown(self.limit.daily_minor)

    @property
    def daily_left_minor(self) -> int:
        return self.shown(self.daily_left_in_limit_currency)

    @property
    def single_left_minor(self) -> int:
        """The most the next payment may be: the single limit, or less if the day is nearly used."""
        return min(self.single_minor, self.daily_left_minor)


def _convert(amount_minor: int, source: str, target: str, rates: dict[str, Decimal]) -> Decimal:
    """`amount_minor` of `source` in minor units of `target`, through their CNY rates."""
    if source == target:
        return Decimal(amount_minor)
    major = Decimal(amount_minor).scaleb(-minor_units(source))
    converted = major * rates.get(source, Decimal(1)) / rates.get(target, Decimal(1))
    return converted.scaleb(minor_units(target))


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


def used_today(
    db: Session,
    *,
    user_id: int,
    currency: str,
    rates: dict[str, Decimal],
    now: datetime | None = None,
) -> int:
    """Today's (Beijing day) outgoing payments that have not failed, in every currency, added
    up in minor units of `currency` (rounded up)."""
    day = (now or utcnow()).astimezone(BEIJING).date()
    start = datetime.combine(day, time(), BEIJING)
    rows = db.execute(
        select(WalletTransaction.currency, func.sum(WalletTransaction.amount_minor))
        .where(
            WalletTransaction.user_id == user_id,
            WalletTransaction.kind.in_(OUTGOING),
            WalletTransaction.status.in_(COUNTED_STATES),
            WalletTransaction.created_at >= start,
            WalletTransaction.created_at < start + timedelta(days=1),
        )
        .group_by(WalletTransaction.currency)
    )
    total = sum(
        (_convert(int(spent or 0), paid_in, currency, rates) for paid_in, spent in rows),
        Decimal(0),
    )
    return int(total.to_integral_value(ROUND_CEILING))


def limits_left(db: Session, *, user_id: int, currency: str) -> LimitsLeft:
    """The customer's limits and today's use, for a payment in `currency`."""
    limit = limit_for(identity.kyc_level(db, user_id=user_id))
    rates = cny_rates_of(db)
    used = used_today(db, user_id=user_id, currency=limit.currency, rates=rates)
    return LimitsLeft(limit, used, currency, rates)


def check_limits(
    db: Session, *, user_id: int, direction: str, amount_minor: int, currency: str
) -> LimitsLeft:
    """Raise ValidationFailed(field="amount") if this outgoing payment is over a limit."""
    limit = limit_for(identity.kyc_level(db, user_id=user_id))
    if direction == "withdrawal" and not limit.withdrawals:
        raise ValidationFailed(
            "Complete real-name verification before you withdraw.", field="amount"
        )
    left = limits_left(db, user_id=user_id, currency=currency)
    counted = left.counted(amount_minor)
    if counted > limit.single_minor:
        raise ValidationFailed(
            "The most you can send in one payment is {limit} {currency}.",
            field="amount",
            limit=format_minor(left.single_minor, currency),
            currency=currency,
        )
    if counted > left.daily_left_in_limit_currency:
        raise ValidationFailed(
            "This is over your daily limit: {left} {currency} left of {limit} {currency} today.",
            field="amount",
            left=format_minor(left.daily_left_minor, currency),
            limit=format_minor(left.daily_minor, currency),
            currency=currency,
        )
    return left
