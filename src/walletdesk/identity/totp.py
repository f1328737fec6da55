"""Two-step verification: an authenticator app (TOTP, enrolled from a QR code drawn here) and
ten single-use backup codes, kept as HMACs. A TOTP code is accepted at most once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno
from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, ValidationFailed
from walletdesk.identity.models import BackupCode, TotpCredential, User

BACKUP_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_SIX_DIGITS = re.compile(r"^\d{6}$")


def credential(db: Session, *, user_id: int) -> TotpCredential | None:
    return db.scalar(select(TotpCredential).where(TotpCredential.user_id == user_id))


def is_enabled(db: Session, *, user_id: int) -> bool:
    row = credential(db, user_id=user_id)
    return row is not None and row.confirmed_at is not None


def start_enrolment(db: Session, *, user: User) -> TotpCredential:
    """A new secret waiting for its first code; replaces an unconfirmed one."""
    row = credential(db, user_id=user.id)
    if row is not None and row.confirmed_at is not None:
        raise Conflict("Two-step verification is already on.", code="two_step_on")
    if row is None:
        row = TotpCredential(user_id=user.id, secret="")
        db.add(row)
    row.secret = pyotp.random_base32()
    row.created_at = utcnow()
    row.last_step = 0
    db.flush()
    return row


def provisioning_uri(row: TotpCredential, *, user: User, issuer: str) -> str:
    return pyotp.TOTP(row.secret).provisioning_uri(name=user.login, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI, drawn here (no outside service sees the secret)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#1d2433"))


def _match_step(row: TotpCredential, code: str) -> int | None:
    """The time step `code` belongs to (now, or one step either side for clock drift),
    unless that step or a later one was already used."""
    totp = pyotp.TOTP(row.secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if step > row.last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_enrolment(db: Session, *, settings: Settings, user: User, code: str) -> list[str]:
    """Turn two-step verification on with the app's first code; returns the backup codes."""
    row = credential(db, user_id=user.id)
    if row is None or row.confirmed_at is not None:
        raise Conflict("Start the set-up again.", code="two_step_not_pending")
    code = re.sub(r"\s", "", code or "")
    step = _match_step(row, code) if _SIX_DIGITS.match(code) else None
    if step is None:
        raise ValidationFailed(
            "The code is wrong. Check the time on your phone and try again.",
            field="otp",
            code="bad_otp",
        )
    row.last_step = step
    row.confirmed_at = utcnow()
    db.flush()
    return new_backup_codes(db, settings=settings, user_id=user.id)


def disable(db: Session, *, user_id: int) -> None:
    db.execute(delete(BackupCode).where(BackupCode.user_id == user_id))
    db.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
    db.flush()


def _backup_digest(settings: Settings, code: str) -> str:
    key = settings.signing_key().encode()
    return hmac.new(key, f"backup:{code}".encode(), hashlib.sha256).hexdigest()


def _normal_backup(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").lower()


def new_backup_codes(db: Session, *, settings: Settings, user_id: int) -> list[str]:
    """Ten fresh codes shown once; the old ones stop working."""
    db.execute(delete(BackupCode).where(BackupCode.user_id == user_id))
    codes = []
    for _ in range(BACKUP_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(BackupCode(user_id=user_id, code_hash=_backup_digest(settings, raw)))
    db.flush()
    return codes


def backup_codes_left(db: Session, *, user_id: int) -> int:
    count = db.scalar(
        select(func.count(BackupCode.id)).where(
            BackupCode.user_id == user_id, BackupCode.used_at.is_(None)
        )
    )
    return int(count or 0)


def check_second_step(db: Session, *, settings: Settings, user_id: int, code: str) -> str | None:
    """'totp' or 'backup' when `code` is a good app code or an unused backup code (then
    spent), else None."""
    # Locked (on PostgreSQL) so two requests cannot both spend the same code.
    row = db.scalar(
        select(TotpCredential).where(TotpCredential.user_id == user_id).with_for_update()
    )
    if row is None or row.confirmed_at is None:
        return None
    compact = re.sub(r"\s", "", code or "")
    if _SIX_DIGITS.match(compact):
        step = _match_step(row, compact)
        if step is None:
            return None
        row.last_step = step
        db.flush()
        return "totp"
    backup = db.scalar(
        select(BackupCode).where(
            BackupCode.user_id == user_id,
            BackupCode.code_hash == _backup_digest(settings, _normal_backup(code)),
            BackupCode.used_at.is_(None),
        )
    )
    if backup is None:
        return None
    spent: CursorResult[tuple[()]] = db.execute(  # type: ignore[assignment]
        update(BackupCode)
        .where(BackupCode.id == backup.id, BackupCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return "backup" if spent.rowcount == 1 else None
