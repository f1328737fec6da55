"""Why a number, link, email address or handle that is not in the registry is not ours: a
look-alike of which official one, a subdomain or `@` trick, a free mailbox, or just unknown.

Pure functions, no database: `diagnose` takes the registry's keys.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass

from walletdesk.helpcenter import channels

# Letters that look alike in other scripts, and digits used as letters (wa1letdesk, wall3t).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
        "ӏ": "l", "ԁ": "d", "ѕ": "s", "к": "k", "ո": "n", "ɑ": "a", "ο": "o", "ε": "e",
        "0": "o", "1": "l", "3": "e", "5": "s", "|": "l",
    }
)  # fmt: skip
_FREE_MAIL = frozenset(
    {
        "gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "qq.com", "foxmail.com",
        "163.com", "126.com", "sina.com", "sohu.com", "icloud.com", "proton.me", "aliyun.com",
    }
)  # fmt: skip
_SEPARATORS = re.compile(r"[\s_.\-·]+")


@dataclass(frozen=True)
class Diagnosis:
    reason: str  # official, lookalike_domain, subdomain_trick, disguised_link, unknown_website,
    # lookalike_email, free_email, unknown_email, lookalike_number, unknown_number,
    # lookalike_handle, unknown_handle
    resembles: str | None = None  # the official domain, number or handle it imitates
    seen: str | None = None  # what the value really is (the host a link opens, a domain)


def skeleton(text: str) -> str:
    """What a name looks like: punycode decoded, look-alike letters folded, separators gone."""
    if "xn--" in text:
        with contextlib.suppress(UnicodeError):
            text = text.encode("ascii").decode("idna")
    text = unicodedata.normalize("NFKC", text).casefold().translate(_CONFUSABLES)
    return _SEPARATORS.sub("", text)


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def _name(domain: str) -> str:
    """The part of a domain people read as its name: walletdesk in help.walletdesk.com."""
    labels = domain.split(".")
    return labels[-2] if len(labels) >= 2 else domain


def _base_domains(officials: list[str]) -> list[str]:
    """walletdesk.com for www.walletdesk.com and help.walletdesk.com."""
    return sorted({".".join(domain.split(".")[-2:]) for domain in officials})


def _lookalike_domain(host: str, officials: list[str]) -> str | None:
    for official in _base_domains(officials):
        name, seen = skeleton(_name(official)), skeleton(_name(host))
        whole = skeleton(host)
        if seen == name or name in whole or _edit_distance(seen, name) <= 2:
            return official
    return None


def _website(raw: str, host: str, officials: list[str]) -> Diagnosis:
    text = channels.clean(raw).casefold()
    for official in _base_domains(officials):
        # https://www.walletdesk.com@evil.top/ and https://evil.top\@walletdesk.com open evil.top
        if "@" in text and official in text:
            return Diagnosis("disguised_link", official, host)
        if host.startswith(official + ".") or f".{official}." in host:
            return Diagnosis("subdomain_trick", official, host)
    imitated = _lookalike_domain(host, officials)
    if imitated:
        return Diagnosis("lookalike_domain", imitated, host)
    return Diagnosis("unknown_website", _base_domains(officials)[0] if officials else None, host)


def _email(key: str, officials: list[str]) -> Diagnosis:
    domain = key.partition("@")[2]
    ours = _base_domains([address.partition("@")[2] for address in officials])
    if domain in ours:
        return Diagnosis("unknown_email", domain, key)
    official = _lookalike_domain(domain, ours)
    if official:
        return Diagnosis("lookalike_email", official, domain)
    if domain in _FREE_MAIL:
        return Diagnosis("free_email", ours[0] if ours else None, domain)
    return Diagnosis("unknown_email", ours[0] if ours else None, domain)


def _phone(key: str, officials: list[tuple[str, str]]) -> Diagnosis:
    for official_key, shown in officials:
        same_length = len(official_key) == len(key)
        if same_length and sum(a != b for a, b in zip(key, official_key, strict=True)) <= 2:
            return Diagnosis("lookalike_number", shown, key)
    return Diagnosis("unknown_number", None, key)


def _handle(key: str, officials: list[tuple[str, str]]) -> Diagnosis:
    seen = skeleton(key).strip("@")
    best: tuple[int, str] | None = None
    for official_key, shown in officials:
        name = skeleton(official_key)
        distance = _edit_distance(seen, name)
        brand = re.sub(r"[^a-z]", "", name)[:10]
        alike = distance <= 3 or (len(brand) >= 6 and brand in seen) or name in seen
        if alike and (best is None or distance < best[0]):
            best = (distance, shown)
    if best:
        return Diagnosis("lookalike_handle", best[1], key)
    return Diagnosis("unknown_handle", None, key)


def diagnose(*, raw: str, kind: str, key: str, registry: list[tuple[str, str, str]]) -> Diagnosis:
    """Why `key` (a reading of `raw` of `kind`) is not ours; `registry` holds each official
    channel's kind, key and value as shown."""
    keys = [(k, shown) for kind_, k, shown in registry if kind_ == kind]
    if kind == "website":
        return _website(raw, key, [k for k, _ in keys])
    if kind == "email":
        return _email(key, [k for k, _ in keys])
    if kind == "phone":
        return _phone(key, keys)
    handles = [(k, shown) for kind_, k, shown in registry if kind_ in ("social", "app")]
    return _handle(key, handles)
