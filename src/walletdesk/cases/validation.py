"""Checking what a customer typed into a case form against its category, and turning it into
stored form: E.164 phones, UTC times, money as integer minor units with a currency.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar
from zoneinfo import ZoneInfo

from walletdesk.cases.categories import CURRENCIES, FIELDS, Category
from walletdesk.errors import FormInvalid, ValidationFailed
from walletdesk.identity.logins import normalize_phone
from walletdesk.money import parse_amount
from walletdesk.safety.service import redact_secrets

SUBJECT_MAX = 120
DESCRIPTION_MIN = 10
BODY_MAX = 5000
TEXT_FIELD_MAX = 500
_TXID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{3,63}")
T = TypeVar("T")


@dataclass
class CleanDetails:
    details: dict[str, str]  # registered_phone (E.164), occurred_at (ISO UTC), ...
    amount_minor: int | None = None
    currency: str | None = None


def clean_case(
    *,
    category: Category,
    subject: str,
    description: str,
    values: Mapping[str, str],
    file_count: int,
    tz: ZoneInfo,
) -> tuple[str, str, CleanDetails]:
    """The subject, description and details in stored form, or FormInvalid naming each field."""
    problems: list[ValidationFailed] = []
    clean = CleanDetails(details={})
    subject_text = _collect(problems, lambda: clean_subject(subject))
    description_text = _collect(problems, lambda: clean_description(description))
    for name in category.fields:
        _collect(problems, partial(_clean_field, clean, category, name, values, tz))
    if category.either and not any(str(values.get(name) or "").strip() for name in category.either):
        first = category.either[0]
        problems.append(ValidationFailed(FIELDS[category.either[1]].missing, field=first))
    files = FIELDS["attachments"]
    if files.name in category.required and file_count == 0:
        problems.append(ValidationFailed(files.missing, field=files.name))
    if problems or subject_text is None or description_text is None:
        raise FormInvalid(problems)
    return subject_text, description_text, clean


def _collect(problems: list[ValidationFailed], check: Callable[[], T]) -> T | None:
    try:
        return check()
    except ValidationFailed as exc:
        problems.append(exc)
        return None


def _clean_field(
    clean: CleanDetails, category: Category, name: str, values: Mapping[str, str], tz: ZoneInfo
) -> None:
    spec = FIELDS[name]
    raw = unicodedata.normalize("NFKC", str(values.get(name) or "")).strip()
    if spec.kind == "files":
        return  # files are counted by clean_case and checked by attachments.inspect
    if not raw:
        if name in category.required:
            raise ValidationFailed(spec.missing, field=name)
        return
    if spec.kind == "phone":
        try:
            clean.details[name] = normalize_phone(raw)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field=name) from exc
    elif spec.kind == "datetime":
        clean.details[name] = parse_time(raw, tz=tz).isoformat()
    elif spec.kind == "money":
        currency = str(values.get("currency") or "").strip().upper()
        if currency not in CURRENCIES:
            raise ValidationFailed("Choose a currency.", field="currency")
        clean.amount_minor = parse_amount(raw, currency, field=name)
        clean.currency = currency
    elif name == "transaction_id":
        if not _TXID.fullmatch(raw):
            raise ValidationFailed(
                "A transaction ID has 4 to 64 letters, digits, - or _.", field=name
            )
        clean.details[name] = raw
    else:
        clean.details[name] = redact_secrets(raw[:TEXT_FIELD_MAX])


def clean_subject(value: str) -> str:
    subject = redact_secrets(" ".join(value.split()))
    if not subject:
        raise ValidationFailed("Enter a short subject.", field="subject")
    if len(subject) > SUBJECT_MAX:
        raise ValidationFailed(
            "Keep the subject under {n} characters.", field="subject", n=SUBJECT_MAX
        )
    return subject


def clean_description(value: str) -> str:
    text = clean_body(value, field="description")
    if len(text) < DESCRIPTION_MIN:
        raise ValidationFailed(
            "Describe what happened in at least {n} characters.",
            field="description",
            n=DESCRIPTION_MIN,
        )
    return text


def clean_body(value: str, *, field: str = "body") -> str:
    """A message as stored: Unix line ends, no surrounding blank space, not empty, and no
    secret (recovery phrase, card number, code…) the writer pasted."""
    text = redact_secrets(value.replace("\r\n", "\n").strip())
    if not text:
        raise ValidationFailed("Write a message first.", field=field)
    if len(text) > BODY_MAX:
        raise ValidationFailed("Keep the text under {n} characters.", field=field, n=BODY_MAX)
    return text


def parse_time(value: str, *, tz: ZoneInfo) -> datetime:
    """A time the customer typed, in local time unless it carries an offset; not in the future."""
    try:
        when = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError as exc:
        raise ValidationFailed(
            "Enter the date and time as YYYY-MM-DD HH:MM.", field="occurred_at"
        ) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    when = when.astimezone(UTC)
    now = datetime.now(UTC)
    if when > now + timedelta(minutes=10):
        raise ValidationFailed("The transaction time cannot be in the future.", field="occurred_at")
    if when.year < 2000:
        raise ValidationFailed("Enter the date and time as YYYY-MM-DD HH:MM.", field="occurred_at")
    return when
