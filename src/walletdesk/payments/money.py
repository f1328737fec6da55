"""Amounts typed by customers, parsed into minor units, and the CNY-equivalent used by the
withdrawal review threshold. Never floats.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from walletdesk.errors import ValidationFailed
from walletdesk.wallet.currencies import minor_units


def parse_amount(text: str, currency: str) -> int:
    """`"12.3", "CNY"` → 1230; more decimals than the currency has, or ≤ 0, is refused."""
    units = minor_units(currency)
    try:
        value = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationFailed("Enter an amount such as 100.00.", field="amount") from None
    if not value.is_finite() or value <= 0:
        raise ValidationFailed("Enter an amount greater than zero.", field="amount")
    scaled = value.scaleb(units)
    if scaled != scaled.to_integral_value() or scaled > 10**15:
        raise ValidationFailed("Enter an amount such as 100.00.", field="amount")
    return int(scaled)


def cny_equivalent(amount_minor: int, currency: str, rates: dict[str, Decimal]) -> Decimal:
    """The amount in CNY major units, by the configured rate table (1 when unlisted: CNY)."""
    rate = rates.get(currency, Decimal(1))
    return Decimal(amount_minor).scaleb(-minor_units(currency)) * rate
