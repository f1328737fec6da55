"""The details a customer gives in chat, picked out of their words: a transaction ID, an amount
with its currency, when it happened, a phone number. Values are kept as plain strings.
"""

from __future__ import annotations

import re
import unicodedata

from walletdesk.errors import ValidationFailed
from walletdesk.identity.logins import normalize_phone
from walletdesk.money import MINOR_UNITS, format_minor, parse_money

# Our transaction IDs (wallet/transactions.py new_public_id): kind letter, UTC yymmddHHMM, hex.
_OUR_ID = re.compile(r"(?<![a-z0-9])([dwfrt]\d{10}[0-9a-f]{6})(?![a-z0-9])", re.IGNORECASE)
# Someone else's reference (a bank's or a payment app's), when the customer says it is one.
_LABELLED_ID = re.compile(
    r"(?:交易单号|交易号|订单号|流水号|单号|参考号|transaction id|transaction number|txn id|"
    r"order (?:id|number)|reference(?: number)?|ref)\s*(?:是|为|:|#|no\.?)?\s*"
    r"([a-z0-9][a-z0-9-]{5,31})",
    re.IGNORECASE,
)
_CURRENCY_WORDS = {
    "元": "CNY",
    "块": "CNY",
    "人民币": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "¥": "CNY",
    "￥": "CNY",
    "美元": "USD",
    "美金": "USD",
    "usd": "USD",
    "$": "USD",
    "usdt": "USDT",
    "u": "USDT",
}
_CUR = "|".join(
    re.escape(w) for w in sorted(_CURRENCY_WORDS, key=len, reverse=True) if w not in "¥￥$"
)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT_AFTER = re.compile(rf"({_NUMBER})\s*({_CUR})(?![a-z])", re.IGNORECASE)
_AMOUNT_BEFORE = re.compile(rf"(?:([¥￥$])|\b(rmb|cny|usdt|usd)\b)\s*({_NUMBER})", re.IGNORECASE)
_AMOUNT_LABELLED = re.compile(
    rf"(?:金额|amount|充了|转了|提了|扣了|charged|paid)\D{{0,6}}({_NUMBER})"
)
_PHONE = re.compile(
    r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)|\+\d[\d\s-]{7,16}\d"
)
_DATE = (
    r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}月\d{1,2}[日号]|"
    r"今天|昨天|前天|今早|今晚|昨晚|刚才|上午|下午|晚上|凌晨|"
    r"today|yesterday|this (?:morning|afternoon|evening)|last night|tonight|"
    r"\d{1,2}/\d{1,2}(?:/\d{2,4})?|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2}(?:st|nd|rd|th)?|"
    r"\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
)
_CLOCK = (
    r"\d{1,2}[:：]\d{2}(?:\s?[ap]m)?|\d{1,2}\s?[ap]m(?![a-z])|"
    r"\d{1,2}[点时](?:\d{1,2}分?|半)?(?:左右)?"
)
_PART = rf"(?:{_DATE}|{_CLOCK})"
# One or more date and clock parts in a row: "昨天下午3点", "2024-06-01 14:30", "today at 3pm".
_WHEN = re.compile(
    rf"{_PART}(?:\s*(?:的|,|，|at|around|about)?\s*{_PART})*(?:左右)?", re.IGNORECASE
)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def transaction_ids(text: str) -> list[str]:
    """Our transaction IDs in `text` (upper case), else one labelled reference."""
    text = _plain(text)
    ours = [m.upper() for m in _OUR_ID.findall(text)]
    if ours:
        return ours
    labelled = _LABELLED_ID.search(text)
    return [labelled.group(1)] if labelled and any(c.isdigit() for c in labelled.group(1)) else []


def amount(text: str) -> str | None:
    """`100.50 CNY` for "100.5元", "¥100.5", "RMB 100.50"; None when no amount with a currency
    is named (a bare number could be anything: a date, an ID, a count)."""
    text = _plain(text)
    for match in _AMOUNT_AFTER.finditer(text):
        found = _money(match.group(1), _CURRENCY_WORDS[match.group(2).lower()])
        if found:
            return found
    for match in _AMOUNT_BEFORE.finditer(text):
        word = (match.group(1) or match.group(2)).lower()
        found = _money(match.group(3), _CURRENCY_WORDS[word])
        if found:
            return found
    labelled = _AMOUNT_LABELLED.search(text.lower())
    return _money(labelled.group(1), "CNY") if labelled else None


def _money(number: str, currency: str) -> str | None:
    if currency not in MINOR_UNITS:
        return None
    try:
        money = parse_money(number, currency)
    except ValidationFailed:
        return None
    return f"{format_minor(money.minor, currency)} {currency}"


def when(text: str) -> str | None:
    """The customer's words for when it happened ("昨天下午3点", "2024-06-01 14:30")."""
    text = _plain(text)
    best = max((m.group(0).strip() for m in _WHEN.finditer(text)), key=len, default="")
    return best or None


def phone(text: str) -> str | None:
    """A phone number in `text`, as +8613800138000."""
    for match in _PHONE.finditer(_plain(text)):
        try:
            return normalize_phone(re.sub(r"[\s-]", "", match.group(0)))
        except ValidationFailed:
            continue
    return None


def extract(text: str) -> dict[str, str]:
    """Every detail found in `text`, by case field name."""
    found: dict[str, str] = {}
    ids = transaction_ids(text)
    if ids:
        found["transaction_id"] = ids[0]
    # An ID's digits are not a phone number or a time: look at the text without it.
    rest = _OUR_ID.sub(" ", _plain(text))
    for name, value in (("amount", amount(rest)), ("registered_phone", phone(rest))):
        if value:
            found[name] = value
    if "registered_phone" in found:
        rest = _PHONE.sub(" ", rest)
    moment = when(rest)
    if moment:
        found["occurred_at"] = moment
    return found
