"""The wallet's fee schedule (fees.yaml): reading and checking it, and quoting the fee of one
deposit, withdrawal or transfer for one customer, promotions and waivers applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.db import utcnow
from walletdesk.errors import ValidationFailed
from walletdesk.identity.models import User
from walletdesk.money import MINOR_UNITS, check_currency
from walletdesk.wallet.transactions import WalletTransaction

FEES_PATH = Path(__file__).with_name("fees.yaml")
DIRECTIONS = ("deposit", "withdrawal", "transfer")
SCOPES = ("domestic", "cross_border", "any")
ANY_CURRENCY = "*"
BEIJING = ZoneInfo("Asia/Shanghai")
# Withdrawals that count towards "first N free this month": those not failed or reversed.
COUNTED_STATES = ("pending", "processing", "succeeded")


@dataclass(frozen=True)
class FeeTier:
    up_to: int | None  # minor units; the tier applies to amounts below it
    percent: Decimal = Decimal(0)
    min: int | None = None
    max: int | None = None
    fixed: int = 0


@dataclass(frozen=True)
class FeeRule:
    id: str
    direction: str
    method: str
    scope: str
    currency: str
    tiers: tuple[FeeTier, ...]
    conversion: bool | None = None  # None: whether or not currencies are converted
    note: dict[str, str] = field(default_factory=dict)

    def tier_for(self, amount: int) -> FeeTier:
        for tier in self.tiers:
            if tier.up_to is None or amount < tier.up_to:
                return tier
        return self.tiers[-1]

    @property
    def is_free(self) -> bool:
        return all(t.percent == 0 and not t.fixed and not t.min for t in self.tiers)


@dataclass(frozen=True)
class Offer:
    """A promotion or a waiver: the rules it applies to, when, and what it says."""

    id: str
    applies_to: tuple[str, ...]
    title: dict[str, str]
    description: dict[str, str]
    free_per_calendar_month: int | None = None
    customer_flag: bool = False  # only for customers whose fee waiver flag is set
    starts: date | None = None  # Beijing dates; ends is exclusive
    ends: date | None = None

    def in_window(self, day: date) -> bool:
        return (self.starts is None or day >= self.starts) and (
            self.ends is None or day < self.ends
        )


@dataclass(frozen=True)
class FeeSchedule:
    minor_units: dict[str, int]
    directions: dict[str, dict[str, str]]
    methods: dict[str, dict[str, str]]
    scopes: dict[str, dict[str, str]]
    rules: tuple[FeeRule, ...]
    promotions: tuple[Offer, ...]
    waivers: tuple[Offer, ...]

    def rules_for(self, direction: str) -> list[FeeRule]:
        return [r for r in self.rules if r.direction == direction]

    def offers_for(self, rule_id: str) -> list[Offer]:
        return [o for o in (*self.promotions, *self.waivers) if rule_id in o.applies_to]

    def find(
        self, *, direction: str, method: str, scope: str, currency: str, conversion: bool = False
    ) -> FeeRule | None:
        for rule in self.rules:
            if (
                rule.direction == direction
                and rule.method == method
                and rule.scope in (scope, "any")
                and rule.currency in (currency, ANY_CURRENCY)
                and rule.conversion in (None, conversion)
            ):
                return rule
        return None


@dataclass(frozen=True)
class FeeQuote:
    """The fee one customer pays for one payment; `standard_fee_minor` is before offers."""

    fee_minor: int
    standard_fee_minor: int
    currency: str
    rule: FeeRule
    promotion: Offer | None = None
    waiver: Offer | None = None

    def details(self) -> dict[str, object]:
        """What to keep in WalletTransaction.details so monthly promotions can be counted."""
        offer = self.promotion or self.waiver
        return {"fee_rule": self.rule.id, "fee_offer": offer.id if offer else None}


def fee_for(rule: FeeRule, amount: int) -> int:
    """The fee in minor units for `amount` minor units, before promotions and waivers."""
    tier = rule.tier_for(amount)
    fee = int((Decimal(amount) * tier.percent / 100).quantize(Decimal(1), ROUND_HALF_UP))
    fee += tier.fixed
    if tier.min is not None:
        fee = max(fee, tier.min)
    if tier.max is not None:
        fee = min(fee, tier.max)
    return fee


def quote_fee(
    db: Session,
    *,
    user_id: int,
    method: str,
    direction: str,
    scope: str,
    amount_minor: int,
    currency: str,
    conversion: bool = False,
    fee_waived: bool | None = None,
    now: datetime | None = None,
) -> FeeQuote:
    """The fee for this payment. A waiver beats a promotion; both are checked on Beijing days.

    `fee_waived`: whether the customer's own fee waiver (granted by support, e.g. as
    compensation) is in force; None reads it from the customer.
    """
    check_currency(currency)
    schedule = load_schedule()
    rule = schedule.find(
        direction=direction, method=method, scope=scope, currency=currency, conversion=conversion
    )
    if rule is None:
        raise ValidationFailed(
            "This payment method is not available for this currency.", field="method"
        )
    standard = fee_for(rule, amount_minor)
    quote = FeeQuote(fee_minor=standard, standard_fee_minor=standard, currency=currency, rule=rule)
    if standard == 0:
        return quote
    moment = now or utcnow()
    today = moment.astimezone(BEIJING).date()
    if fee_waived is None:
        fee_waived = fee_waiver_in_force(db, user_id=user_id, now=moment)
    for waiver in schedule.waivers:
        applies = rule.id in waiver.applies_to and waiver.in_window(today)
        if applies and (fee_waived or not waiver.customer_flag):
            return FeeQuote(0, standard, currency, rule, waiver=waiver)
    for promotion in schedule.promotions:
        if rule.id not in promotion.applies_to or not promotion.in_window(today):
            continue
        if promotion.customer_flag and not fee_waived:
            continue
        limit = promotion.free_per_calendar_month
        if limit is None or _used_this_month(db, user_id, promotion, today) < limit:
            return FeeQuote(0, standard, currency, rule, promotion=promotion)
    return quote


def fee_waiver_in_force(db: Session, *, user_id: int, now: datetime | None = None) -> bool:
    customer = db.get(User, user_id)
    until = customer.fee_waiver_until if customer else None
    return until is not None and until > (now or utcnow())


def _used_this_month(db: Session, user_id: int, promotion: Offer, today: date) -> int:
    """How many of this month's payments fell under the promotion's rules (free or not)."""
    first_day = today.replace(day=1)
    first = datetime.combine(first_day, time(), BEIJING)
    after = datetime.combine((first_day + timedelta(days=32)).replace(day=1), time(), BEIJING)
    rows = db.scalars(
        select(WalletTransaction.details).where(
            WalletTransaction.user_id == user_id,
            WalletTransaction.created_at >= first,
            WalletTransaction.created_at < after,
            WalletTransaction.status.in_(COUNTED_STATES),
            WalletTransaction.kind.in_(("withdrawal", "transfer_out", "deposit")),
        )
    )
    return sum(1 for details in rows if (details or {}).get("fee_rule") in promotion.applies_to)


@lru_cache(maxsize=4)
def raw_config(path: Path = FEES_PATH) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    return data


@lru_cache(maxsize=4)
def load_schedule(path: Path = FEES_PATH) -> FeeSchedule:
    data = raw_config(path)
    minor = dict(MINOR_UNITS)  # the one table of decimals (walletdesk.money)
    rules = tuple(_rule(item, minor) for item in data["rules"])
    ids = {r.id for r in rules}
    promotions = tuple(_offer(item, ids) for item in data.get("promotions") or [])
    waivers = tuple(_offer(item, ids) for item in data.get("waivers") or [])
    return FeeSchedule(
        minor_units=minor,
        directions=data["directions"],
        methods=data["methods"],
        scopes=data["scopes"],
        rules=rules,
        promotions=promotions,
        waivers=waivers,
    )


def _rule(item: dict[str, Any], minor: dict[str, int]) -> FeeRule:
    if item["direction"] not in DIRECTIONS or item["scope"] not in SCOPES:
        raise ValueError(f"fee rule {item['id']}: unknown direction or scope")
    if item["currency"] != ANY_CURRENCY and item["currency"] not in minor:
        raise ValueError(f"fee rule {item['id']}: unknown currency")
    tiers = tuple(
        FeeTier(
            up_to=t.get("up_to"),
            percent=Decimal(str(t.get("percent", "0"))),
            min=t.get("min"),
            max=t.get("max"),
            fixed=int(t.get("fixed", 0)),
        )
        for t in item["tiers"]
    )
    if not tiers or tiers[-1].up_to is not None:
        raise ValueError(f"fee rule {item['id']}: the last tier must have no upper bound")
    return FeeRule(
        id=item["id"],
        direction=item["direction"],
        method=item["method"],
        scope=item["scope"],
        currency=item["currency"],
        tiers=tiers,
        conversion=item.get("conversion"),
        note=item.get("note") or {},
    )


def _offer(item: dict[str, Any], rule_ids: set[str]) -> Offer:
    unknown = set(item["applies_to"]) - rule_ids
    if unknown:
        raise ValueError(f"offer {item['id']}: unknown rules {sorted(unknown)}")
    return Offer(
        id=item["id"],
        applies_to=tuple(item["applies_to"]),
        title=item["title"],
        description=item.get("description") or {},
        free_per_calendar_month=item.get("free_per_calendar_month"),
        customer_flag=bool(item.get("customer_flag", False)),
        starts=_date(item.get("starts")),
        ends=_date(item.get("ends")),
    )


def _date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
