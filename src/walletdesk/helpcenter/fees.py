"""The fee schedule as the help center shows it: the wallet's own schedule (wallet/fees.yaml,
read by walletdesk.wallet.fees) described in a customer's words.
"""

from __future__ import annotations

from decimal import Decimal

from walletdesk.i18n import Translator
from walletdesk.wallet.fees import (
    ANY_CURRENCY,
    DIRECTIONS,
    SCOPES,
    FeeRule,
    FeeSchedule,
    FeeTier,
    Offer,
    fee_for,
    load_schedule,
)

__all__ = [
    "DIRECTIONS",
    "SCOPES",
    "FeeRule",
    "FeeSchedule",
    "FeeTier",
    "Offer",
    "describe_rule",
    "describe_tier",
    "fee_for",
    "format_amount",
    "label",
    "load_schedule",
]


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
