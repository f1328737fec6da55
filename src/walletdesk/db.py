"""Engine, sessions and the declarative base.

The request or job owns the transaction: services flush, never commit; `session_scope`
commits once at the end and then runs the after-commit callbacks (bus events, jobs, email).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which drops tzinfo) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def make_probe_engine(url: str) -> Engine:
    """A small engine of its own for the health check: it answers while the main pool is busy.
    On SQLite it reads without taking the write lock."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=1, max_overflow=2, pool_pre_ping=True, pool_timeout=5)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_begin_immediate), not the driver.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    """Every transaction takes SQLite's write lock when it begins, waiting for it (busy
    timeout) instead of failing: a transaction that read first and wrote later could not
    upgrade its lock once another one had written ("database is locked")."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(
    engine: Engine, *, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """`info` is copied into each session's `Session.info` (the app puts its settings there, so
    after-commit work such as transaction alerts can reach them)."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the surrounding transaction commits; dropped on rollback, also
    when the session goes on after `rollback()` and commits later work."""
    if not session.in_transaction():
        # Tie the callback to a transaction even before any SQL ran, so that a rollback
        # that comes first drops it (with none begun, rollback() would not say so).
        session.begin()
    pending = session.info.get("after_commit")
    if pending is None:
        pending = session.info["after_commit"] = []
        if not event.contains(session, "after_soft_rollback", _drop_after_commit):
            event.listen(session, "after_soft_rollback", _drop_after_commit)
    pending.append(callback)


def _drop_after_commit(session: Session, previous: SessionTransaction) -> None:
    # The soft rollback fires even when the transaction never reached the database (no
    # DBAPI rollback happens then, and "after_rollback" would not), so nothing registered
    # survives it. A savepoint's rollback leaves the outer transaction's callbacks alone.
    if previous.parent is None:
        session.info.pop("after_commit", None)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    session = factory()
    try:
        yield session
    except BaseException:
        rollback_and_close(session)
        raise
    for callback in commit(session):
        callback()


def commit(session: Session) -> list[Callable[[], None]]:
    """Commit and close `session` (rolled back and closed if the commit fails); return its
    after-commit callbacks, for the caller to run."""
    try:
        session.commit()
    except BaseException:
        rollback_and_close(session)
        raise
    callbacks = list(session.info.pop("after_commit", []))
    session.close()
    return callbacks


def rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
        session.info.pop("after_commit", None)
    finally:
        session.close()


def request_slots(engine: Engine) -> int:
    """How many requests may hold a session at once: fewer than the pooled connections (jobs
    and error pages need some) and well under the 40 worker threads. More would not go
    faster: one process runs Python on one core at a time, and SQLite writes one at a time."""
    return 4 if engine.dialect.name == "sqlite" else 12
