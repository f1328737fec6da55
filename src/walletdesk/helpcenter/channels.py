"""Normalising what someone was contacted from (a number, link, email address, handle or app
name) so that it can be compared with the registry of official channels.

Pure functions, no database: `channel_key` for a registry entry of known kind, `candidates`
for a pasted value of unknown kind, `website_matches` for the domain rule.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers

from walletdesk.errors import ValidationFailed
from walletdesk.identity.logins import normalize_phone

MAX_VALUE_CHARS = 500
KINDS = ("phone", "website", "email", "social", "app")

_PHONE_CHARS = re.compile(r"^\+?[\d\s\-().]+$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_DISPLAY_EMAIL = re.compile(r"<([^<>]+)>\s*$")
_DOMAIN = re.compile(
    r"^(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]*[a-z0-9\u00a1-\uffff])?\.)+"
    r"[a-z\u00a1-\uffff][a-z0-9\u00a1-\uffff-]+$"
)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_QUOTES = "\"'“”‘’「」『』《》<>()（）[]【】 \t\r\n"
# Messaging services whose links name a handle: t.me/WalletDeskSupport is @WalletDeskSupport.
_HANDLE_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
# 400 and 800 numbers are China's nationwide service numbers: ten digits, no area code.
_SERVICE_NUMBER = re.compile(r"^(?:400|800)\d{7}$")


@dataclass(frozen=True)
class Candidate:
    """One reading of a pasted value: of this kind, it normalises to this key."""

    kind: str
    key: str


def clean(value: str) -> str:
    """Full-width forms folded (NFKC), surrounding quotes and brackets and spaces dropped."""
    text = unicodedata.normalize("NFKC", str(value or ""))[:MAX_VALUE_CHARS]
    text = text.replace("\u200b", "").replace("\ufeff", "")
    return text.strip(_QUOTES)


def phone_key(value: str) -> str | None:
    """E.164 of a phone number, China by default: `+86 138-0013-8000` = `13800138000`,
    `400-820-6688` = `4008206688` = `+86 400 820 6688`."""
    raw = re.sub(r"^tel:", "", clean(value), flags=re.IGNORECASE).strip()
    if not raw or not _PHONE_CHARS.match(raw):
        return None
    digits = re.sub(r"\D", "", raw)
    national = re.sub(r"^(?:0086|86)", "", digits) if len(digits) > 10 else digits
    if _SERVICE_NUMBER.match(national):
        return "+86" + national
    if len(digits) < 5 or len(digits) > 17:
        return None
    try:
        return normalize_phone(raw)
    except (ValidationFailed, phonenumbers.NumberParseException):
        return None


def email_key(value: str) -> str | None:
    text = unicodedata.normalize("NFKC", str(value or ""))[:MAX_VALUE_CHARS].strip()
    shown = _DISPLAY_EMAIL.search(text)  # "WalletDesk <support@walletdesk.com>"
    text = clean(shown.group(1) if shown else text)
    text = re.sub(r"^mailto:", "", text.strip(), flags=re.IGNORECASE).split("?", 1)[0]
    text = text.strip().lower()
    return text if _EMAIL.match(text) else None


def host_of(value: str) -> str | None:
    """The host a link leads to, lower case, without `www.`, port or trailing dot.

    Browsers treat a backslash as a slash and ignore what precedes an `@` in the authority,
    so `https://walletdesk.com@evil.top/` leads to evil.top; the same reading is used here.
    """
    text = clean(value).replace("\\", "/")
    if not text or " " in text.strip():
        return None
    if not _SCHEME.match(text):
        text = "http://" + text.lstrip("/")
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return None
    host = host.strip(".").lower()
    host = host.removeprefix("www.")
    if not _DOMAIN.match(host):
        return None
    return _idna(host)


def _idna(host: str) -> str:
    """Non-ASCII labels as punycode: a Cyrillic `а` in wаlletdesk.com stays different."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def path_of(value: str) -> str:
    text = clean(value).replace("\\", "/")
    if not _SCHEME.match(text):
        text = "http://" + text.lstrip("/")
    try:
        return urlsplit(text).path
    except ValueError:
        return ""


def handle_key(value: str) -> str | None:
    """A social handle or account name: case-insensitive, without a leading `@`."""
    text = clean(value).lstrip("@").strip()
    text = re.sub(r"\s+", " ", text).casefold()
    return text or None


def href(kind: str, value: str) -> str | None:
    """Where a registry entry's value leads when it is clicked: `tel:+864008206688` for a
    number, `mailto:` for an address, the site itself for a website; None for the others."""
    if kind == "phone":
        number = phone_key(value)
        return f"tel:{number}" if number else None
    if kind == "email":
        address = email_key(value)
        return f"mailto:{address}" if address else None
    if kind == "website" and host_of(value):
        text = clean(value)
        return text if _SCHEME.match(text) else f"https://{text}"
    return None


def channel_key(kind: str, value: str) -> str:
    """The key a registry entry of `kind` is stored under; ValidationFailed if unusable."""
    key: str | None
    if kind == "phone":
        key = phone_key(value)
    elif kind == "website":
        key = host_of(value)
    elif kind == "email":
        key = email_key(value)
    elif kind in ("social", "app"):
        key = handle_key(value)
    else:
        raise ValidationFailed("Unknown channel kind.", field="kind")
    if not key:
        raise ValidationFailed("This value is not valid for this kind of channel.", field="value")
    return key


def candidates(value: str) -> list[Candidate]:
    """Every plausible reading of a pasted value, most specific first."""
    text = clean(value)
    if not text:
        return []
    found: list[Candidate] = []
    looks_like_link = bool(_SCHEME.match(text)) or "/" in text.split("@", 1)[0]
    email = email_key(value) if "@" in text.lstrip("@") and not looks_like_link else None
    if email:
        return [Candidate("email", email)]
    phone = phone_key(text)
    if phone:
        return [Candidate("phone", phone)]
    host = None if text.startswith("@") else host_of(text) if "." in text or "/" in text else None
    if host:
        found.append(Candidate("website", host))
        handle = _linked_handle(host, text)
        if handle:
            found.append(Candidate("social", handle))
        return found
    handle = handle_key(text)
    return [Candidate("social", handle), Candidate("app", handle)] if handle else []


def _linked_handle(host: str, text: str) -> str | None:
    if host not in _HANDLE_HOSTS:
        return None
    first = path_of(text).strip("/").split("/", 1)[0]
    return handle_key(first) if first else None


def website_matches(host: str, official: str) -> bool:
    """The host is the official domain or one of its subdomains (help.walletdesk.com).

    walletdesk.com.evil.top, wallet-desk.com, walletdesk.co and evilwalletdesk.com do not
    match: only a suffix starting at a label boundary counts.
    """
    return host == official or host.endswith("." + official)
