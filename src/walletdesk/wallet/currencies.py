"""The currencies the wallet holds and their minor units (ISO 4217, plus the USDT token).

Amounts are always integers in minor units; `minor_units` tells how many decimals a currency has.
"""

from __future__ import annotations

from decimal import Decimal

from walletdesk.errors import ValidationFailed

# ISO 4217 minor units (checked against the ISO data set by tests/wallet/test_currencies.py).
ISO_CURRENCIES: dict[str, int] = {
    "CNY": 2,
    "USD": 2,
    "EUR": 2,
    "HKD": 2,
    "GBP": 2,
    "JPY": 0,
}

# Tokens outside ISO 4217: USDT is held to 6 decimals, as on its main chains.
TOKEN_CURRENCIES: dict[str, int] = {"USDT": 6}

MINOR_UNITS: dict[str, int] = {**ISO_CURRENCIES, **TOKEN_CURRENCIES}


def check_currency(currency: str) -> str:
    """The currency code if the wallet supports it, else ValidationFailed on field `currency`."""
    if currency not in MINOR_UNITS:
        raise ValidationFailed(
            "Unsupported currency: {currency}.", field="currency", currency=str(currency)[:8]
        )
    return currency


def minor_units(currency: str) -> int:
    return MINOR_UNITS[check_currency(currency)]


def format_minor(amount_minor: int, currency: str) -> str:
    """`12345, "CNY"` → `"123.45"`: the amount in major units with the currency's decimals."""
    digits = minor_units(currency)
    return f"{Decimal(amount_minor).scaleb(-digits):.{digits}f}"
