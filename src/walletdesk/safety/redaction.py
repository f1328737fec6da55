"""The scam shield's redaction: finds secrets a customer pastes (recovery phrases, private
keys, card numbers, one-time codes, passwords, CVVs, ID numbers) and hides them.

Every channel passes text through `redact` before anything is stored. Offsets in findings
refer to the input text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mnemonic import Mnemonic

# A recovery phrase is 12–24 words; a run this long of BIP-39 words does not occur in prose
# (common words such as "the", "and", "my" are not in the list).
PHRASE_MIN_WORDS = 12
# With a word such as "seed phrase" / 助记词 nearby, a shorter (mistyped, partial) run counts.
PHRASE_MIN_WORDS_IN_CONTEXT = 8
CONTEXT_SPAN = 40

PHRASE_CONTEXT = re.compile(
    r"助记词|恢复短语|种子|seed|mnemonic|recovery|secret\s+phrase|backup\s+phrase", re.I
)
OTP_CONTEXT = re.compile(
    r"验证码|校验码|动态码|动态密码|短信码|一次性|otp|one[-\s]?time|verification|passcode|"
    r"\bcode\b|2fa|authenticator",
    re.I,
)
TXID_CONTEXT = re.compile(r"txid|tx\s*hash|hash|哈希|交易(?:号|id|ID|编号)?|transaction", re.I)

_EN_WORD = re.compile(r"[A-Za-z]+")
_ZH_RUN = re.compile(
    r"(?:[\u4e00-\u9fff][\s,，、]+){" + str(PHRASE_MIN_WORDS_IN_CONTEXT - 1) + r",}[\u4e00-\u9fff]"
)
_SEPARATOR = re.compile(r"^[\s,;，、。.:：\-\d()（）]*$")
_HEX_KEY = re.compile(r"(?<![0-9A-Za-z])(?:0x)?[0-9a-fA-F]{64}(?![0-9A-Za-z])")
_WIF_KEY = re.compile(r"(?<![0-9A-Za-z])[5KL][1-9A-HJ-NP-Za-km-z]{50,51}(?![0-9A-Za-z])")
_EXT_KEY = re.compile(r"(?<![0-9A-Za-z])[xyzt]prv[1-9A-HJ-NP-Za-km-z]{100,112}(?![0-9A-Za-z])")
_PEM_KEY = re.compile(
    r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----.*?-----END (?:[A-Z]+ )?PRIVATE KEY-----", re.S
)
_CARD = re.compile(r"(?<![\d])(?:\d[ \-]?){12,18}\d(?![\d])")
_CN_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_OTP = re.compile(r"(?<![\d.,:\-+/])\d{4,8}(?![\d.,:%\-/])")
# Only "password is/: <token>", and only a token that looks like one (has a digit or a
# symbol): prose such as "never share your password or code" must stay untouched.
_PASSWORD = re.compile(
    r"(?:密码|口令|password|passwd|pwd|pin)\s*(?:是|为|:|：|=|\bis\b)\s*"
    r"(?P<secret>[!-~]{4,64})",
    re.I,
)
_CVV = re.compile(
    r"(?:cvv2?|cvc2?|安全码|卡背面?\s*三位数?)\s*(?:是|为|:|：|is)?\s*(?P<secret>\d{3,4})(?!\d)",
    re.I,
)

# Stored text is read by customers and agents in either language, so the marker is bilingual.
LABELS = {
    "recovery_phrase": ("助记词", "recovery phrase"),
    "private_key": ("私钥", "private key"),
    "card_number": ("卡号", "card number"),
    "id_number": ("证件号", "ID number"),
    "otp": ("验证码", "one-time code"),
    "password": ("密码", "password"),
    "cvv": ("安全码", "card security code"),
}


def marker(kind: str, hint: str = "") -> str:
    zh, en = LABELS[kind]
    return f"[{zh}已隐藏{hint} | {en} hidden]"


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


@lru_cache(maxsize=1)
def _wordlists() -> tuple[frozenset[str], frozenset[str]]:
    english = frozenset(Mnemonic("english").wordlist)
    chinese = frozenset(Mnemonic("chinese_simplified").wordlist) | frozenset(
        Mnemonic("chinese_traditional").wordlist
    )
    return english, chinese


def _has_context(text: str, start: int, end: int, pattern: re.Pattern[str]) -> bool:
    window = text[max(0, start - CONTEXT_SPAN) : end + CONTEXT_SPAN]
    return bool(pattern.search(window))


def _phrase_long_enough(text: str, start: int, end: int, words: int) -> bool:
    if words >= PHRASE_MIN_WORDS:
        return True
    return words >= PHRASE_MIN_WORDS_IN_CONTEXT and _has_context(text, start, end, PHRASE_CONTEXT)


def _english_phrases(text: str) -> list[tuple[int, int]]:
    english, _ = _wordlists()
    spans: list[tuple[int, int]] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        if run and _phrase_long_enough(text, run[0].start(), run[-1].end(), len(run)):
            spans.append((run[0].start(), run[-1].end()))
        run.clear()

    for match in _EN_WORD.finditer(text):
        between = text[run[-1].end() : match.start()] if run else ""
        if match.group().lower() in english and _SEPARATOR.match(between):
            run.append(match)
        else:
            close()
            if match.group().lower() in english:
                run.append(match)
    close()
    return spans


def _chinese_phrases(text: str) -> list[tuple[int, int]]:
    _, chinese = _wordlists()
    spans = []
    for match in _ZH_RUN.finditer(text):
        chars = re.findall(r"[\u4e00-\u9fff]", match.group())
        if all(c in chinese for c in chars) and _phrase_long_enough(
            text, match.start(), match.end(), len(chars)
        ):
            spans.append((match.start(), match.end()))
    return spans


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
            if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits):
                cards.append((groups[i][0], groups[j - 1][1], digits))
                i = j
                break
        else:
            i += 1
    return cards


def _cn_id_ok(number: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _candidates(text: str) -> list[Finding]:
    found: list[Finding] = []

    def add(kind: str, start: int, end: int, replacement: str | None = None) -> None:
        found.append(Finding(kind, start, end, replacement or marker(kind)))

    for start, end in _english_phrases(text) + _chinese_phrases(text):
        add("recovery_phrase", start, end)
    for pattern in (_PEM_KEY, _EXT_KEY, _WIF_KEY):
        for match in pattern.finditer(text):
            add("private_key", match.start(), match.end())
    for match in _HEX_KEY.finditer(text):
        # A transaction hash has the same shape; support needs those, so context decides.
        if not _has_context(text, match.start(), match.start(), TXID_CONTEXT):
            add("private_key", match.start(), match.end())
    for match in _CN_ID.finditer(text):
        if _cn_id_ok(match.group()):
            add(
                "id_number",
                match.start(),
                match.end(),
                marker("id_number", f" {match.group()[:3]}…"),
            )
    for match in _CARD.finditer(text):
        for start, end, digits in _cards_in(match):
            add("card_number", start, end, marker("card_number", f" ****{digits[-4:]}"))
    for match in _CVV.finditer(text):
        add("cvv", match.start("secret"), match.end("secret"))
    for match in _PASSWORD.finditer(text):
        secret = match.group("secret").rstrip(".,;:!?)]}'\"")
        if len(secret) >= 4 and re.search(r"[^A-Za-z]", secret):
            add("password", match.start("secret"), match.start("secret") + len(secret))
    for match in _OTP.finditer(text):
        if _has_context(text, match.start(), match.end(), OTP_CONTEXT):
            add("otp", match.start(), match.end())
    return found


def redact(text: str) -> Redaction:
    """Hide every secret in `text`; where findings overlap, the earlier and longer one wins."""
    chosen: list[Finding] = []
    for finding in sorted(_candidates(text), key=lambda f: (f.start, -(f.end - f.start))):
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
