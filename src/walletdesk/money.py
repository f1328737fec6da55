"""Money: integer minor units with a currency. The currencies and their decimals (one table for
cases, wallet, payments and the fee schedule), and amounts typed by people parsed and shown.

Parsing takes what a person types in a form or an API body ("1,000.50", full-width digits from
a Chinese IME) and refuses whatever it could misread ("100,50", "1,0,0", exponents, Arabic-Indic
digits, more decimals than the currency has, amounts beyond the cap) with a message naming the
field, never a crash. Showing uses babel's number formats for zh_CN and en.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal

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

# The largest amount anyone may type, in major units of any currency (configure() sets it from
# the `max_amount_major` setting). Far below the ledger's own bound (journal.MAX_AMOUNT).
DEFAULT_MAX_MAJOR = 1_000_000_000
LEDGER_MAX_MINOR = 10**15
_limits = {"max_major": DEFAULT_MAX_MAJOR}

_LOCALES = {"zh": "zh_CN", "en": "en"}
_SYMBOLS = "¥$"  # a leading one is dropped (full-width ￥ and ＄ become these by NFKC)
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}")
_NUMBERISH = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")
_MAX_TYPED = 40  # characters: anything longer is not an amount


def configure(*, max_amount_major: int) -> None:
    """Set the largest amount accepted, in major units (from settings, at start)."""
    if max_amount_major <= 0:
        raise ValueError("max_amount_major must be positive")
    _limits["max_major"] = max_amount_major


def check_currency(currency: str) -> str:
    """The currency code if the wallet supports it, else ValidationFailed on field `currency`."""
    if currency not in MINOR_UNITS:
        raise ValidationFailed(
            "Unsupported currency: {currency}.", field="currency", currency=str(currency)[:8]
        )
    return currency


def minor_units(currency: str) -> int:
    return MINOR_UNITS[check_currency(currency)]


def max_minor(currency: str) -> int:
    """The largest amount accepted in `currency`, in minor units."""
    return min(_limits["max_major"] * 10 ** minor_units(currency), LEDGER_MAX_MINOR)


@dataclass(frozen=True, order=True)
class Money:
    """An amount: integer minor units of a currency (never a float)."""

    minor: int
    currency: str

    @property
    def major(self) -> Decimal:
        return Decimal(self.minor).scaleb(-minor_units(self.currency))

    def plain(self) -> str:
        """`123.40`: as a person would type it back, with the currency's decimals."""
        return format_minor(self.minor, self.currency)

    def shown(self, lang: str = "zh") -> str:
        """`1,234.50 CNY`: grouped in the reader's locale, with the currency's code."""
        return f"{format_grouped(self.minor, self.currency, lang)} {self.currency}"


def format_minor(amount_minor: int, currency: str) -> str:
    """`12345, "CNY"` → `"123.45"`: the amount in major units with the currency's decimals."""
    digits = minor_units(currency)
    return f"{Decimal(amount_minor).scaleb(-digits):.{digits}f}"


def format_grouped(
    amount_minor: int, currency: str, lang: str = "zh", *, trim: bool = False
) -> str:
    """`123450, "CNY"` → `"1,234.50"` by babel's pattern for the language; with `trim`, a
    whole amount drops its decimals (`"1"` for 100 CNY minor units, as the fee page words it)."""
    digits = minor_units(currency)
    value = Decimal(amount_minor).scaleb(-digits)
    if trim and value == value.to_integral_value():
        digits = 0
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_LOCALES.get(lang, "zh_CN"))


def normalize_typed(text: object) -> str:
    """What a person typed, as parse_money reads it: NFKC (full-width digits and dots become
    ASCII), surrounding space and a leading currency symbol dropped. Shown back in the form."""
    raw = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    if raw[:1] and raw[0] in _SYMBOLS:
        raw = raw[1:].strip()
    return raw


def parse_money(
    text: object, currency: str, *, field: str = "amount", allow_zero: bool = False
) -> Money:
    """The amount typed in `currency`; ValidationFailed on `field` (422) for anything else."""
    check_currency(currency)
    places = MINOR_UNITS[currency]
    raw = normalize_typed(text)
    if not raw:
        raise ValidationFailed("Enter an amount, e.g. 100.50.", field=field)
    if len(raw) > _MAX_TYPED:
        raise ValidationFailed("This amount is too large.", field=field)
    if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in raw):
        raise ValidationFailed("Type the amount with the digits 0 to 9.", field=field)
    if "," in raw:
        raw = _ungrouped(raw, field)
    if not _PLAIN.fullmatch(raw):
        raise ValidationFailed("Enter the amount as a number, e.g. 100.50.", field=field)
    whole, _, fraction = raw.partition(".")
    fraction = fraction.rstrip("0")
    if len(fraction) > places:
        raise ValidationFailed(
            "{currency} amounts have at most {places} decimal places.",
            field=field,
            currency=currency,
            places=places,
        )
    if len(whole.lstrip("0")) > 18:  # before int(): no huge integers built from input
        raise ValidationFailed("This amount is too large.", field=field)
    minor = int(whole) * 10**places + int(fraction.ljust(places, "0") or "0")
    if minor <= 0 and not (allow_zero and minor == 0):
        raise ValidationFailed("The amount must be greater than zero.", field=field)
    cap = max_minor(currency)
    if minor > cap:
        raise ValidationFailed(
            "This amount is too large: at most {max} {currency}.",
            field=field,
            max=format_grouped(cap, currency, "en", trim=True),
            currency=currency,
        )
    return Money(minor, currency)


def parse_amount(text: object, currency: str, *, field: str = "amount") -> int:
    """parse_money's minor units: `"1,234.5"` CNY → 123450."""
    return parse_money(text, currency, field=field).minor


def _ungrouped(raw: str, field: str) -> str:
    """The amount without its thousands separators; a comma anywhere else is refused."""
    if _GROUPED.fullmatch(raw):
        return raw.replace(",", "")
    if _DECIMAL_COMMA.fullmatch(raw):
        raise ValidationFailed(
            "Use a dot for decimals in the amount: {dotted}, not {typed}.",
            field=field,
            dotted=raw.replace(",", "."),
            typed=raw,
        )
    if _NUMBERISH.fullmatch(raw):
        raise ValidationFailed(
            "A comma in the amount may only separate thousands, e.g. 1,000.50.", field=field
        )
    raise ValidationFailed("Enter the amount as a number, e.g. 100.50.", field=field)


def cny_equivalent(amount_minor: int, currency: str, rates: dict[str, Decimal]) -> Decimal:
    """The amount in CNY major units, by a rate table (1 when unlisted: CNY)."""
    rate = rates.get(currency, Decimal(1))
    return Decimal(amount_minor).scaleb(-minor_units(currency)) * rate
