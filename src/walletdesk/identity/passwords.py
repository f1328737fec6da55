"""Password hashing (Argon2id) and the rules a new password must meet.

Rules follow NIST SP 800-63B: at least 8 characters, up to 128, not on a list of common or
breached passwords, not built on the person's own phone, name or the service's name, and
no composition rules ("one upper case, one digit...").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from walletdesk.config import Settings
from walletdesk.errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 128
SERVICE_WORDS = ("walletdesk", "wallet desk")
# zxcvbn's list (30,000 passwords from breach corpora) is mostly Western; these are the
# ones Chinese-speaking customers pick that it lacks.
CHINESE_COMMON = (
    "woaini1314",
    "woaini520",
    "5201314520",
    "1314520520",
    "woainima",
    "88888888",
    "66666666",
    "168168168",
    "qq123456",
    "qq5201314",
    "zxcvbnm123",
    "a5201314",
    "wang123456",
    "zhang123456",
    "li123456",
    "asd123456",
    "qwe123456",
    "abc5201314",
    "aini1314",
    "1qaz2wsx3edc",
)
_SUFFIX = re.compile(r"[\d\W_]{1,6}$")
_STRIP = re.compile(r"[\s\-_.]+")


@lru_cache(maxsize=1)
def blocklist() -> frozenset[str]:
    """Common and breached passwords, lower case (loaded on first use)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset([*FREQUENCY_LISTS["passwords"], *CHINESE_COMMON])


@cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


@cache
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    """Verified against when the login is unknown, at the configured cost, so that timing
    does not reveal which logins exist."""
    return _hasher(time_cost, memory_kib).hash("walletdesk-dummy-password")


def hasher_for(settings: Settings) -> PasswordHasher:
    return _hasher(settings.password_hash_time_cost, settings.password_hash_memory_kib)


def hash_password(password: str, *, settings: Settings) -> str:
    return hasher_for(settings).hash(password)


def verify_password(password_hash: str | None, password: str, *, settings: Settings) -> bool:
    """Whether `password` matches; with no hash (an unknown login) a dummy hash of the same
    cost is checked, so the answer takes as long either way."""
    cost = (settings.password_hash_time_cost, settings.password_hash_memory_kib)
    try:
        return hasher_for(settings).verify(password_hash or _dummy_hash(*cost), password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, *, settings: Settings) -> bool:
    """Whether a hash was made at another cost than the configured one (rehash on sign-in)."""
    try:
        return hasher_for(settings).check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def context_words(*, login: str = "", name: str = "") -> list[str]:
    """Words a password must not be built on: the phone (whole, national, last 8 digits), the
    email's name, the person's name and the service's name."""
    words = list(SERVICE_WORDS)
    digits = re.sub(r"\D", "", login) if "@" not in login else ""
    if len(digits) >= 8:
        words += [digits, digits[-11:], digits[-8:]]
    if "@" in login:
        words.append(login.split("@", 1)[0])
    if name:
        words.append(name)
        words += name.split()
    return [_normal(w) for w in words if _long_enough(_normal(w))]


def _normal(text: str) -> str:
    return _STRIP.sub("", unicodedata.normalize("NFKC", text).lower())


def _long_enough(word: str) -> bool:
    # Two Chinese characters make a whole name; Latin needs four letters to mean anything.
    wide = any(unicodedata.east_asian_width(ch) == "W" for ch in word)
    return len(word) >= (2 if wide else 4)


def _is_blocklisted(password: str) -> bool:
    lowered = password.lower()
    common = blocklist()
    if lowered in common or _normal(password) in common:
        return True
    base = _SUFFIX.sub("", lowered)  # "dragon2024!" is "dragon" with a tail
    return len(base) >= 4 and base != lowered and base in common


def check_new_password(password: str, *, login: str = "", name: str = "") -> None:
    """Raise ValidationFailed(field="password") with the reason when the password is weak."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(
            "Use at least {n} characters.",
            field="password",
            code="password_too_short",
            n=MIN_LENGTH,
        )
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(
            "Use at most {n} characters.", field="password", code="password_too_long", n=MAX_LENGTH
        )
    if _is_blocklisted(password):
        raise ValidationFailed(
            "This password is on a list of common or leaked passwords. Choose another.",
            field="password",
            code="password_common",
        )
    words = context_words(login=login, name=name)
    if _contains_any(_normal(password), words):
        raise ValidationFailed(
            "Do not build your password on your phone number, your name or the name WalletDesk.",
            field="password",
            code="password_personal",
        )
    if len(set(password)) < 3 or zxcvbn(password[:72], user_inputs=words)["score"] < 2:
        raise ValidationFailed(
            "This password is too common or easy to guess. Choose another.",
            field="password",
            code="password_too_common",
        )


def _contains_any(text: str, words: Iterable[str]) -> bool:
    return any(word in text for word in words)
