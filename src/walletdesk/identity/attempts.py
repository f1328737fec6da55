"""Wrong passwords per login, known or not: each check claims a try first, by one conditional
UPDATE, so parallel requests cannot check more passwords than the limit allows; after too
many, checks pause for a delay that doubles with every further wrong try.

The claimed row stays locked (PostgreSQL) or the database write-locked (SQLite) until the
caller commits, so the checks of one login run one at a time. Functions flush, never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import RateLimited
from walletdesk.identity.models import LoginGuard, User
from walletdesk.identity.present import local_time

# Wrong tries older than this are forgotten: a mistake a month ago does not count today.
FORGET_AFTER = timedelta(days=1)


class TooManyAttempts(RateLimited):
    code = "too_many_attempts"
    default_message = "Too many attempts. Try again in {minutes} min (after {time})."


def delay_after(failures: int, *, settings: Settings) -> timedelta:
    """The pause after `failures` wrong tries in a row: none below the limit, then the first
    delay, doubling with each further wrong try, up to the longest."""
    over = failures - settings.login_max_failures
    if over < 0:
        return timedelta(0)
    first = settings.login_delay_seconds * 2 ** min(over, 20)
    return timedelta(seconds=min(first, settings.login_lock_minutes * 60))


def too_many(until: datetime, *, settings: Settings) -> TooManyAttempts:
    minutes = max(1, -(-int((until - utcnow()).total_seconds()) // 60))
    return TooManyAttempts(minutes=minutes, time=local_time(until, settings)[-5:])


def _ensure_row(db: Session, login: str) -> None:
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(insert(LoginGuard).values(login=login, failures=0).on_conflict_do_nothing())


def claim(db: Session, *, settings: Settings, login: str) -> None:
    """Count one try of `login` as wrong before checking it (`forgive` takes it back when it
    was right); TooManyAttempts, the same for every login, while a delay runs."""
    now = utcnow()
    _ensure_row(db, login)
    fresh = LoginGuard.last_failure_at.is_(None) | (LoginGuard.last_failure_at < now - FORGET_AFTER)
    claimed = db.execute(
        update(LoginGuard)
        .where(
            LoginGuard.login == login,
            LoginGuard.delayed_until.is_(None) | (LoginGuard.delayed_until <= now),
        )
        .values(
            failures=case((fresh, 1), else_=LoginGuard.failures + 1),
            last_failure_at=now,
        )
        .returning(LoginGuard.failures)
    ).scalar_one_or_none()
    if claimed is None:
        until = db.scalar(select(LoginGuard.delayed_until).where(LoginGuard.login == login))
        raise too_many(until or now, settings=settings)
    pause = delay_after(claimed, settings=settings)
    if pause:
        # While this try is checked, and after it if wrong, the next ones wait.
        until = now + pause
        db.execute(update(LoginGuard).where(LoginGuard.login == login).values(delayed_until=until))
        db.execute(update(User).where(_is(login)).values(locked_until=until))
    db.flush()


def release(db: Session, *, login: str) -> None:
    """The claimed try was right: it does not count, and no delay holds the next step (a
    wrong two-step code after it counts again, so knowing the password is not enough)."""
    db.execute(
        update(LoginGuard)
        .where(LoginGuard.login == login, LoginGuard.failures > 0)
        .values(failures=LoginGuard.failures - 1, delayed_until=None)
    )
    db.execute(update(User).where(_is(login)).values(locked_until=None))
    db.flush()


def forgive(db: Session, *, login: str) -> None:
    """The try was right (or the customer proved who they are): the count starts over."""
    db.execute(delete(LoginGuard).where(LoginGuard.login == login))
    db.execute(update(User).where(_is(login)).values(locked_until=None, failed_logins=0))
    db.flush()


def delayed_until(db: Session, *, login: str) -> datetime | None:
    """When checks of `login` may go on, while a delay runs; else None."""
    until = db.scalar(select(LoginGuard.delayed_until).where(LoginGuard.login == login))
    return until if until is not None and until > utcnow() else None


def failures(db: Session, *, login: str) -> int:
    return db.scalar(select(LoginGuard.failures).where(LoginGuard.login == login)) or 0


def _is(login: str) -> ColumnElement[bool]:
    return (User.phone == login) | (User.email == login)
