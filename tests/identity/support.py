"""Helpers for identity's tests: reading codes from the sandbox SMS outbox, and letting time
pass for codes and sessions (by moving their timestamps back)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from walletdesk.identity import sms
from walletdesk.identity.models import AuthSession, SmsCode, User

VALID_ID_CARD = "11010519491231002X"  # the standard's worked example; its check digit is right


def texts_to(app, phone: str) -> list[str]:
    """Bodies of the sandbox SMS sent to `phone`, newest first."""
    with app.state.sessionmaker() as db:
        return [m.body for m in sms.outbox(db, phone=phone)]


def last_code(app, phone: str) -> str:
    for body in texts_to(app, phone):
        found = re.search(r"(?<!\d)(\d{6})(?!\d)", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no code was texted to {phone}")


def pass_time_for_codes(app, phone: str, *, seconds: int) -> None:
    """As if `seconds` had passed since the codes of `phone` were sent."""
    shift = timedelta(seconds=seconds)
    with app.state.sessionmaker() as db:
        for row in db.scalars(select(SmsCode).where(SmsCode.phone == phone)):
            row.created_at -= shift
            row.expires_at -= shift
        db.commit()


def pass_time_for_sessions(app, user_id: int, *, minutes: int) -> None:
    """As if the person signed in (and last confirmed their password) `minutes` ago."""
    shift = timedelta(minutes=minutes)
    with app.state.sessionmaker() as db:
        for row in db.scalars(select(AuthSession).where(AuthSession.user_id == user_id)):
            row.created_at -= shift
            if row.reauth_at is not None:
                row.reauth_at -= shift
        db.commit()


def user_by_phone(app, phone: str) -> User | None:
    with app.state.sessionmaker() as db:
        return db.scalar(select(User).where(User.phone == phone))
