"""walletdesk.money: one way to read an amount a person typed, and to show it back.

Issue 8: "100,50" CNY was read as 10,050.00 in the deposit, withdrawal, transfer and
compensation forms ("1,0,0" as 100), Arabic-Indic digits were taken, and huge values gave 500s.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletdesk.errors import ValidationFailed
from walletdesk.money import (
    MINOR_UNITS,
    Money,
    configure,
    format_grouped,
    format_minor,
    max_minor,
    normalize_typed,
    parse_amount,
    parse_money,
)


def refused(text: str, currency: str = "CNY", field: str = "amount") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as error:
        parse_money(text, currency, field=field)
    assert error.value.field == field
    return error.value


def test_grouping_commas_only_in_thousands_positions():
    assert parse_amount("1,000.50", "CNY") == 100_050
    assert parse_amount("12,345,678", "CNY") == 1_234_567_800
    assert parse_amount("100", "CNY") == 10_000
    for typed in ("1,0,0", "10,00", "1,00,000", ",100", "100,", "1,000,00"):
        refused(typed)


def test_a_decimal_comma_is_refused_with_a_hint_to_use_a_dot():
    error = refused("100,50", field="deposit_amount")
    assert str(error) == "Use a dot for decimals in the amount: 100.50, not 100,50."


def test_full_width_digits_are_normalised_and_other_scripts_refused():
    assert normalize_typed("１００．５０") == "100.50"
    assert parse_amount("１，０００．５", "CNY") == 100_050
    assert parse_amount("￥ 88", "CNY") == 8_800
    for typed in ("١٠٠", "१००", "๑๐๐"):  # Arabic-Indic, Devanagari, Thai digits
        assert "digits 0 to 9" in str(refused(typed))


@pytest.mark.parametrize(
    "typed", ["1E+100", "9" * 30, "1e999999", "1e3", "NaN", "Infinity", "-inf", "0x10", "-5"]
)
def test_exponents_huge_values_and_non_numbers_are_refused(typed):
    refused(typed)


def test_decimals_beyond_the_currency_and_zero_are_refused():
    assert parse_amount("0.000001", "USDT") == 1
    assert parse_amount("12.3456780", "USDT") == 12_345_678  # trailing zeros are no decimals
    assert str(refused("0.001", "USD")) == "USD amounts have at most 2 decimal places."
    refused("1.5", "JPY")
    refused("0")
    assert parse_money("0", "CNY", allow_zero=True) == Money(0, "CNY")
    with pytest.raises(ValidationFailed) as error:
        parse_money("5", "BTC")
    assert error.value.field == "currency"


def test_the_cap_is_a_setting_and_never_above_the_ledgers_bound():
    assert parse_amount("1,000,000,000", "CNY") == max_minor("CNY")
    assert "at most 1,000,000,000 CNY" in str(refused("1,000,000,000.01"))
    try:
        configure(max_amount_major=100)
        refused("100.01")
        assert parse_amount("100", "USDT") == 100_000_000
    finally:
        configure(max_amount_major=1_000_000_000)
    assert max_minor("USDT") <= 10**15


def test_formatting_with_babel_in_both_languages():
    assert Money(123_450, "CNY").shown("en") == "1,234.50 CNY"
    assert Money(123_450, "CNY").shown("zh") == "1,234.50 CNY"
    assert format_grouped(100, "JPY", "en") == "100"
    assert format_grouped(1_500_000, "USDT", "zh") == "1.500000"
    assert Money(5, "CNY").plain() == "0.05"


amounts = st.sampled_from(sorted(MINOR_UNITS)).flatmap(
    lambda currency: st.tuples(st.integers(1, max_minor(currency)), st.just(currency))
)


@given(amounts, st.sampled_from(["zh", "en"]))
def test_what_is_shown_parses_back_to_the_same_amount(amount, lang):
    minor, currency = amount
    assert parse_amount(format_minor(minor, currency), currency) == minor
    assert parse_amount(format_grouped(minor, currency, lang), currency) == minor
    wide = format_grouped(minor, currency, lang).translate(
        str.maketrans("0123456789.,", "０１２３４５６７８９．，")
    )
    assert parse_amount(wide, currency) == minor
