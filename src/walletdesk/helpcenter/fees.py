"""The fee schedule (fees.yaml): reading and checking it, computing a fee, and describing a
rule in a customer's words. The wallet is meant to take this configuration over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from walletdesk.i18n import Translator

FEES_PATH = Path(__file__).with_name("fees.yaml")
DIRECTIONS = ("deposit", "withdrawal", "transfer")
SCOPES = ("domestic", "cross_border", "any")
ANY_CURRENCY = "*"


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
    """A promotion or a waiver: the rules it applies to and what it says."""

    id: str
    applies_to: tuple[str, ...]
    title: dict[str, str]
    description: dict[str, str]
    free_per_calendar_month: int | None = None


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


@lru_cache(maxsize=4)
def load_schedule(path: Path = FEES_PATH) -> FeeSchedule:
    data = yaml.safe_load(path.read_text("utf-8"))
    minor = {code: int(spec["minor_units"]) for code, spec in data["currencies"].items()}
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
    )


def format_amount(minor: int, currency: str, schedule: FeeSchedule) -> str:
    """`100` CNY → `1 CNY`, `50` CNY → `0.50 CNY`, `1000000` USDT → `1 USDT`."""
    digits = schedule.minor_units.get(currency, 2)
    value = Decimal(minor).scaleb(-digits)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{text} {currency}" if currency != ANY_CURRENCY else text


def describe_tier(tier: FeeTier, currency: str, schedule: FeeSchedule, _: Translator) -> str:
    """`2.5%, minimum 1 CNY` in the reader's language."""
    if tier.percent == 0 and not tier.fixed and not tier.min:
        return _("Free")
    parts = []
    if tier.percent:
        parts.append(f"{tier.percent.normalize():f}%")
    if tier.fixed:
        parts.append(
            _("{amount} per transaction", amount=format_amount(tier.fixed, currency, schedule))
        )
    if tier.min is not None:
        parts.append(_("minimum {amount}", amount=format_amount(tier.min, currency, schedule)))
    if tier.max is not None:
        parts.append(_("maximum {amount}", amount=format_amount(tier.max, currency, schedule)))
    return _(", ").join(parts)


def label(names: dict[str, dict[str, str]], key: str, lang: str) -> str:
    entry = names.get(key) or {}
    return entry.get(lang) or entry.get("en") or key


def describe_rule(rule: FeeRule, schedule: FeeSchedule, _: Translator) -> str:
    """The whole rule in words; amount tiers are named by their upper bound."""
    currency = rule.currency
    if len(rule.tiers) == 1:
        return describe_tier(rule.tiers[0], currency, schedule, _)
    parts = []
    for tier in rule.tiers:
        text = describe_tier(tier, currency, schedule, _)
        if tier.up_to is not None:
            bound = format_amount(tier.up_to, currency, schedule)
            text = _("below {amount}: {fee}", amount=bound, fee=text)
        else:
            text = _("otherwise: {fee}", fee=text)
        parts.append(text)
    return _("; ").join(parts)
