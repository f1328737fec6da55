"""Normalising what people type as their login: a phone number or an email address."""

from __future__ import annotations

import re

import phonenumbers

from walletdesk.errors import ValidationFailed

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_phone(value: str, *, region: str = "CN") -> str:
    """`+86 138-0013-8000`, `13800138000` and `0086 13800138000` all become `+8613800138000`."""
    raw = value.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed("Enter a valid phone number.", field="phone") from exc
    if not phonenumbers.is_possible_number(number):
        raise ValidationFailed("Enter a valid phone number.", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str) -> str:
    email = value.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValidationFailed("Enter a valid email address.", field="email")
    return email


def normalize_login(value: str) -> str:
    """Email when it has an @, else a phone number; raises ValidationFailed(field=login)."""
    value = value.strip()
    if not value:
        raise ValidationFailed("Enter your phone number or email.", field="login")
    try:
        return normalize_email(value) if "@" in value else normalize_phone(value)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="login") from exc


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:-8] + "****" + phone[-4:] if len(phone) > 8 else "****"
