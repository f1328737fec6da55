"""The supported currencies and their minor units, checked against the ISO 4217 data set."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from walletdesk.errors import ValidationFailed
from walletdesk.money import (
    ISO_CURRENCIES,
    MINOR_UNITS,
    check_currency,
    format_minor,
)

ROOT = Path(__file__).resolve().parents[2]
ISO_DATA = ROOT / "../shared/data/iso4217/codes-all.csv"


def iso_minor_units() -> dict[str, str]:
    """Alphabetic code → minor units of the currencies in use (not withdrawn)."""
    with ISO_DATA.open(encoding="utf-8") as fh:
        return {
            row["AlphabeticCode"]: row["MinorUnit"]
            for row in csv.DictReader(fh)
            if row["AlphabeticCode"] and not row["WithdrawalDate"]
        }


def test_iso_currencies_match_the_iso_data_set():
    iso = iso_minor_units()
    assert {code: iso.get(code) for code in ISO_CURRENCIES} == {
        code: str(units) for code, units in ISO_CURRENCIES.items()
    }


def test_the_wallet_holds_cny_usd_and_usdt():
    assert (MINOR_UNITS["CNY"], MINOR_UNITS["USD"], MINOR_UNITS["USDT"]) == (2, 2, 6)
    assert "USDT" not in iso_minor_units()


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (12345, "CNY", "123.45"),
        (5, "USD", "0.05"),
        (1_500_000, "USDT", "1.500000"),
        (700, "JPY", "700"),
        (0, "CNY", "0.00"),
    ],
)
def test_amounts_are_shown_with_the_currencys_decimals(amount, currency, shown):
    assert format_minor(amount, currency) == shown


def test_unknown_currencies_are_refused():
    with pytest.raises(ValidationFailed) as caught:
        check_currency("BTC")
    assert caught.value.field == "currency"
