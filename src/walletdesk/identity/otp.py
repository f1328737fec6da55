"""SMS one-time codes: six digits, kept as an HMAC, valid ten minutes, good once, dead after
five wrong tries; asking for codes is throttled per phone and per address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import RateLimited, ValidationFailed
from walletdesk.identity.models import SmsCode

PURPOSES = ("register", "reset", "unlock", "phone", "step_up", "recovery")
CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5
RESEND_AFTER = timedelta(seconds=60)
PER_PHONE_PER_DAY = 10
PER_IP_PER_HOUR = 30
_CODE = re.compile(r"^\d{6}$")


def _digest(settings: Settings, *, phone: str, purpose: str, code: str) -> str:
    key = settings.signing_key().encode()
    return hmac.new(key, f"sms:{purpose}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _throttle(db: Session, *, phone: str, ip: str, purpose: str) -> None:
    now = utcnow()
    recent = select(func.max(SmsCode.created_at)).where(SmsCode.phone == phone)
    if purpose == "step_up":  # the next payment's code may come once the last one was used
        recent = recent.where(SmsCode.used_at.is_(None))
    last = db.scalar(recent)
    if last is not None and last > now - RESEND_AFTER:
        wait = int((last + RESEND_AFTER - now).total_seconds()) + 1
        raise RateLimited(
            "Please wait {seconds} seconds before asking for another code.",
            code="resend_too_soon",
            seconds=wait,
        )
    today = db.scalar(
        select(func.count(SmsCode.id)).where(
            SmsCode.phone == phone, SmsCode.created_at > now - timedelta(days=1)
        )
    )
    if (today or 0) >= PER_PHONE_PER_DAY:
        raise RateLimited(
            "Too many codes were sent to this number today. Please try again tomorrow.",
            code="too_many_codes",
        )
    by_ip = db.scalar(
        select(func.count(SmsCode.id)).where(
            SmsCode.ip == ip, SmsCode.created_at > now - timedelta(hours=1)
        )
    )
    if ip and (by_ip or 0) >= PER_IP_PER_HOUR:
        raise RateLimited(code="too_many_codes")


def new_code(db: Session, *, settings: Settings, phone: str, purpose: str, ip: str) -> str:
    """A fresh live code for `phone` and `purpose` (earlier ones stop working).

    Callers create one even when nothing will be sent (a decoy), so that throttling and the
    answers to wrong guesses are the same whether or not the phone is registered.
    """
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    _throttle(db, phone=phone, ip=ip, purpose=purpose)
    code = f"{secrets.randbelow(10**6):06d}"
    db.add(
        SmsCode(
            phone=phone,
            purpose=purpose,
            code_hash=_digest(settings, phone=phone, purpose=purpose, code=code),
            ip=ip[:64],
            expires_at=utcnow() + CODE_TTL,
        )
    )
    db.flush()
    return code


def use_code(db: Session, *, settings: Settings, phone: str, purpose: str, code: str) -> None:
    """Accept `code` once, or raise ValidationFailed(field="code").

    A wrong guess is counted on the row and flushed: the caller must commit it before the
    error ends the request.
    """
    code = re.sub(r"\s", "", code or "")
    if not _CODE.match(code):
        raise ValidationFailed("Enter the 6-digit code from the SMS.", field="code")
    row = db.scalar(
        select(SmsCode)
        .where(SmsCode.phone == phone, SmsCode.purpose == purpose)
        .order_by(SmsCode.id.desc())
        .limit(1)
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise ValidationFailed(
            "This code has expired or was already used. Please request a new one.",
            field="code",
            code="code_expired",
        )
    # A try is claimed (counted as wrong) before the code is compared, by one conditional
    # UPDATE: parallel guesses cannot compare more than MAX_TRIES codes.
    tries = db.execute(
        update(SmsCode)
        .where(SmsCode.id == row.id, SmsCode.failed_tries < MAX_TRIES)
        .values(failed_tries=SmsCode.failed_tries + 1)
        .returning(SmsCode.failed_tries)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.flush()
    if tries is None:
        raise _dead()
    expected = _digest(settings, phone=phone, purpose=purpose, code=code)
    if not hmac.compare_digest(expected, row.code_hash):
        if tries >= MAX_TRIES:
            raise _dead()
        raise ValidationFailed(
            "The code is wrong. Check the SMS and try again.", field="code", code="code_wrong"
        )
    spent: CursorResult[tuple[()]] = db.execute(  # type: ignore[assignment]
        update(SmsCode)
        .where(SmsCode.id == row.id, SmsCode.used_at.is_(None))
        .values(used_at=utcnow(), failed_tries=SmsCode.failed_tries - 1)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # spent by a concurrent request a moment ago
        raise ValidationFailed(
            "This code has expired or was already used. Please request a new one.",
            field="code",
            code="code_expired",
        )


def _dead() -> ValidationFailed:
    return ValidationFailed(
        "Too many wrong codes. This code no longer works; please request a new one.",
        field="code",
        code="code_dead",
    )
