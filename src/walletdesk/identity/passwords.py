"""Password hashing (Argon2id) and the rules a new password must meet.

Rules follow NIST SP 800-63B: a minimum length, a blocklist of common passwords, and no
composition rules.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from walletdesk.errors import ValidationFailed

_hasher = PasswordHasher()
# Verified against when the login is unknown, so timing does not reveal which logins exist.
_DUMMY_HASH = _hasher.hash("walletdesk-dummy-password")

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON = frozenset(
    [
        "password",
        "password1",
        "password123",
        "12345678",
        "123456789",
        "1234567890",
        "qwerty123",
        "qwertyuiop",
        "11111111",
        "00000000",
        "88888888",
        "66666666",
        "iloveyou",
        "abc12345",
        "abcd1234",
        "a1234567",
        "aa123456",
        "woaini1314",
        "5201314520",
        "1qaz2wsx",
        "qazwsxedc",
        "admin123",
        "letmein1",
        "welcome1",
        "passw0rd",
        "zxcvbnm123",
        "asdfghjkl",
        "987654321",
        "12341234",
        "11223344",
        "wallet123",
        "walletdesk",
    ]
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def check_new_password(password: str, *, login: str = "") -> None:
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
    lowered = password.lower()
    if (
        lowered in COMMON
        or (login and login.lower().lstrip("+") in lowered)
        or len(set(password)) < 3
    ):
        raise ValidationFailed(
            "This password is too common or easy to guess. Choose another.",
            field="password",
            code="password_too_common",
        )
