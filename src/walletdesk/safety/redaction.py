"""The scam shield's redaction: finds secrets a customer pastes (recovery phrases, private
keys, card numbers, one-time codes, passwords, CVVs, ID numbers) and hides them.

Every channel passes text through `redact` before anything is stored. Offsets in findings
refer to the input text; markers are in one language, the author's (`lang`, else guessed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from walletdesk.i18n import N_, gettext
from walletdesk.safety.phrases import CONTEXT_SPAN, has_context, recovery_phrases

OTP_CONTEXT = re.compile(
    r"验证码|校验码|动态码|动态密码|短信码|一次性|otp|one[-\s]?time|verification|passcode|"
    r"\bcode\b|2fa|authenticator",
    re.I,
)
# Words that come with a transaction hash: support needs those, so they stay.
TXID_CONTEXT = re.compile(
    r"txid|tx\s*hash|tx\b|hash|哈希|交易|transaction|transfer|deposit|withdraw|充值|提现|提币|"
    r"转账|到账|区块|链上|etherscan|tronscan|bscscan|explorer|浏览器",
    re.I,
)
KEY_CONTEXT = re.compile(r"私钥|private\s*key|priv\s*key|secret\s*key|密钥|导入|import", re.I)

_HEX_KEY = re.compile(r"(?<![0-9A-Za-z])(?:0x)?[0-9a-fA-F]{64}(?![0-9A-Za-z])")
_WIF_KEY = re.compile(r"(?<![0-9A-Za-z])[5KL][1-9A-HJ-NP-Za-km-z]{50,51}(?![0-9A-Za-z])")
_EXT_KEY = re.compile(r"(?<![0-9A-Za-z])[xyzt]prv[1-9A-HJ-NP-Za-km-z]{100,112}(?![0-9A-Za-z])")
_PEM_KEY = re.compile(
    r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----.*?-----END (?:[A-Z]+ )?PRIVATE KEY-----", re.S
)
_CARD = re.compile(r"(?<![\dA-Za-z])(?:\d[ \-]?){12,18}\d(?![\dA-Za-z])")
_CN_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
# A code stands alone: not a part of 1,234.56, 400-820-6688, 2026/12/04, +86 138 0013 8000,
# #4829 or 100%.
_OTP = re.compile(r"(?<![\d+/#])(?<!\d[.,:\-])(?<!\d\s)\d{4,8}(?![\d%/])(?![.,:\-]\d)(?!\s\d)")
# What is not a code although the word "code" is near: amounts, error codes, ticket numbers.
_NOT_OTP_AFTER = re.compile(r"\s*(?:元|块|万|美元|港币|[A-Z]{3}\b|USDT|rmb|yuan|dollars?)", re.I)
_NOT_OTP_BEFORE = re.compile(
    r"(?:error|错误|失败|status|ticket|ending|尾号|后四位|last\s*(?:4|four)|工单|order|订单|邮编|zip|postcode|block|区块|[¥$￥])"
    r"[^\d]{0,8}$"
    # An amount right after a money verb: "withdrew 293978", "充值 100000".
    r"|(?:withdr[a-z]*|deposit[a-z]*|paid|pay|transferr?e?d?|sent|top(?:ped)?\s*up|refund[a-z]*|"
    r"charged|充值|提现|转账|付款|支付|退款|扣款?|扣了|转了)\s*(?:了|of|:|：)?\s*$",
    re.I,
)
# The letters and digits around a digit run: a code stands alone, a hash or an ID does not.
_TOKEN = re.compile(r"[0-9A-Za-z]+")
_CODE_PREFIX = re.compile(r"^(?:code|otp|pin|g|no)$", re.I)
# Only "password is/: <token>", and only a token that looks like one (has a digit or a
# symbol): prose such as "never share your password or code" must stay untouched.
_PASSWORD = re.compile(
    r"(?:密码|口令|password|passwd|pwd|pin)\s*(?:是|为|:|：|=|\bis\b)\s*"
    r"(?P<secret>[!-~]{4,64})",
    re.I,
)
_CVV = re.compile(
    r"(?:cvv2?|cvc2?|安全码|卡背面?\s*三位数?)[)）]?\s*(?:是|为|:|：|is)?\s*"
    r"(?P<secret>\d{3,4})(?!\d)",
    re.I,
)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_HAN = re.compile(r"[\u4e00-\u9fff]")

MARKERS = {
    "recovery_phrase": N_("[recovery phrase hidden]"),
    "private_key": N_("[private key hidden]"),
    "card_number": N_("[card number hidden ****{last4}]"),
    "id_number": N_("[ID number hidden {prefix}…]"),
    "otp": N_("[one-time code hidden]"),
    "password": N_("[password hidden]"),
    "cvv": N_("[card security code hidden]"),
}


def text_lang(text: str) -> str:
    """The language a message is written in, for its markers: zh when it has Chinese."""
    return "zh" if _HAN.search(text) else "en"


def marker(kind: str, lang: str, **hint: str) -> str:
    return gettext(lang, MARKERS[kind], **hint)


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Redaction:
    text: str
    findings: list[Finding]


def luhn_valid(digits: str) -> bool:
    """The Luhn check digit test that every payment card number passes."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _cards_in(match: re.Match[str]) -> list[tuple[int, int, str]]:
    """Luhn-valid card numbers among the digit groups of a match, longest first: a card is
    often followed by other numbers ("4111 1111 1111 1111 12/27")."""
    groups = [
        (m.start() + match.start(), m.end() + match.start(), m.group())
        for m in re.finditer(r"\d+", match.group())
    ]
    cards, i = [], 0
    while i < len(groups):
        for j in range(len(groups), i, -1):
            digits = "".join(g[2] for g in groups[i:j])
            digits = digits.translate(_FULL_WIDTH)
            if 13 <= len(digits) <= 19 and _card_prefix(digits) and luhn_valid(digits):
                cards.append((groups[i][0], groups[j - 1][1], digits))
                i = j
                break
        else:
            i += 1
    return cards


def _card_prefix(digits: str) -> bool:
    """Issued ranges: Visa 4, Mastercard 51–55 and 2221–2720, Amex 34/37, UnionPay 62,
    Discover 6, JCB 35, Diners 36/38. Order numbers such as 2026… are not cards."""
    if digits[0] in "456":
        return True
    if digits[0] == "3":
        return digits[1] in "45678"
    return digits[0] == "2" and 2221 <= int(digits[:4]) <= 2720


def _cn_id_ok(number: str) -> bool:
    """The check digit, a province code and a birth date: an order number of 18 digits
    passes the check digit once in eleven."""
    birth = number[6:14]
    if number[0] not in "1234568" or not birth.startswith(("19", "20")):
        return False
    if not (1 <= int(birth[4:6]) <= 12 and 1 <= int(birth[6:8]) <= 31):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _distance(text: str, start: int, end: int, pattern: re.Pattern[str]) -> int | None:
    """How far the nearest match of `pattern` is from text[start:end], within the span."""
    left = max(0, start - CONTEXT_SPAN)
    found = [
        min(abs(m.end() - start), abs(m.start() - end))
        for m in pattern.finditer(text, left, end + CONTEXT_SPAN)
        if m.end() <= start or m.start() >= end
    ]
    return min(found) if found else None


def _is_private_key(text: str, start: int, end: int) -> bool:
    """A transaction hash has the shape of a hex key; support needs those, so the nearer of
    the words around it decides, and a bare one is taken for a key."""
    key = _distance(text, start, end, KEY_CONTEXT)
    txid = _distance(text, start, end, TXID_CONTEXT)
    return txid is None or (key is not None and key <= txid)


def _stands_alone(text: str, start: int, end: int) -> bool:
    """A code is not a piece of a longer run of letters and digits (a hash, our transaction
    IDs such as T2612041530AB1234); "code123456" still counts."""
    for token in _TOKEN.finditer(text, max(0, start - 128), end + 128):
        if token.start() <= start and token.end() >= end:
            if token.end() > end:
                return False
            return token.start() == start or bool(_CODE_PREFIX.match(text[token.start() : start]))
    return True


def _is_date(digits: str) -> bool:
    return (
        len(digits) == 8
        and digits.startswith(("19", "20"))
        and 1 <= int(digits[4:6]) <= 12
        and 1 <= int(digits[6:8]) <= 31
    )


def _is_otp(text: str, start: int, end: int) -> bool:
    return (
        _stands_alone(text, start, end)
        and not _is_date(text[start:end])
        and not _NOT_OTP_AFTER.match(text, end)
        and not _NOT_OTP_BEFORE.search(text[max(0, start - 20) : start])
        and has_context(text, start, end, OTP_CONTEXT)
    )


def _candidates(text: str, lang: str) -> list[Finding]:
    found: list[Finding] = []

    def add(kind: str, start: int, end: int, **hint: str) -> None:
        found.append(Finding(kind, start, end, marker(kind, lang, **hint)))

    for start, end in recovery_phrases(text):
        add("recovery_phrase", start, end)
    for pattern in (_PEM_KEY, _EXT_KEY, _WIF_KEY):
        for match in pattern.finditer(text):
            add("private_key", match.start(), match.end())
    for match in _HEX_KEY.finditer(text):
        if _is_private_key(text, match.start(), match.end()):
            add("private_key", match.start(), match.end())
    for match in _CN_ID.finditer(text):
        if _cn_id_ok(match.group()):
            add("id_number", match.start(), match.end(), prefix=match.group()[:3])
    for match in _CARD.finditer(text):
        for start, end, digits in _cards_in(match):
            add("card_number", start, end, last4=digits[-4:])
    for match in _CVV.finditer(text):
        add("cvv", match.start("secret"), match.end("secret"))
    for match in _PASSWORD.finditer(text):
        secret = match.group("secret").rstrip(".,;:?)]}'\"")
        if len(secret) >= 4 and re.search(r"[^A-Za-z]", secret):
            add("password", match.start("secret"), match.start("secret") + len(secret))
    for match in _OTP.finditer(text):
        if _is_otp(text, match.start(), match.end()):
            add("otp", match.start(), match.end())
    return found


def redact(text: str, *, lang: str | None = None) -> Redaction:
    """Hide every secret in `text`; where findings overlap, the earlier and longer one wins.
    Markers are in `lang` (zh or en), by default the language the text is written in."""
    chosen: list[Finding] = []
    candidates = _candidates(text, lang if lang in ("zh", "en") else text_lang(text))
    for finding in sorted(candidates, key=lambda f: (f.start, -(f.end - f.start))):
        if chosen and finding.start < chosen[-1].end:
            continue
        chosen.append(finding)
    parts, cursor = [], 0
    for finding in chosen:
        parts.append(text[cursor : finding.start])
        parts.append(finding.replacement)
        cursor = finding.end
    parts.append(text[cursor:])
    return Redaction(text="".join(parts), findings=chosen)
