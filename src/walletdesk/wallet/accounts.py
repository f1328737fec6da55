"""Finding, creating and locking ledger accounts: the row locks every posting starts with.

Statements are built once (Core, bound parameters) because they are on every transfer's path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from walletdesk.db import utcnow
from walletdesk.errors import NotFound
from walletdesk.identity.models import User
from walletdesk.wallet import fastpath
from walletdesk.wallet.fastpath import LockedAccount
from walletdesk.wallet.models import ACCOUNTS as ACC
from walletdesk.wallet.models import SYSTEM_BUCKETS

_LOCKED = (
    ACC.c.id,
    ACC.c.kind,
    ACC.c.user_id,
    ACC.c.code,
    ACC.c.currency,
    ACC.c.balance_minor,
    ACC.c.held_minor,
)
_BY_ID = ACC.c.id.in_(bindparam("ids", expanding=True))
_BY_OWNER = and_(
    ACC.c.currency == bindparam("in_currency"),
    or_(
        ACC.c.user_id.in_(bindparam("users", expanding=True)),
        and_(
            ACC.c.user_id.is_(None),
            ACC.c.code.in_(bindparam("codes", expanding=True)),
            ACC.c.bucket == bindparam("in_bucket"),
        ),
    ),
)


def _locking(where: Any) -> dict[str, Any]:
    """The locking read for each database (PostgreSQL's own is in fastpath: same statement).

    PostgreSQL: SELECT … FOR UPDATE in id order, so two entries sharing accounts cannot
    deadlock. SQLite has no row locks: a write first takes the database's write lock (what
    BEGIN IMMEDIATE does), so nothing read afterwards can change before commit.
    """
    return {
        "postgresql": select(*_LOCKED).where(where).order_by(ACC.c.id).with_for_update(),
        "sqlite": update(ACC)
        .where(where)
        .values(balance_minor=ACC.c.balance_minor)
        .returning(*_LOCKED),
    }


_LOCK_BY_ID = _locking(_BY_ID)
_LOCK_BY_OWNER = _locking(_BY_OWNER)


def dialect(db: Session) -> str:
    return db.get_bind().dialect.name


def lock_ids(db: Session, ids: Sequence[int]) -> dict[int, LockedAccount]:
    """Lock these accounts until the transaction ends; id → row as locked (missing: absent)."""
    ordered = sorted(set(ids))
    if dialect(db) == "postgresql":
        return fastpath.lock(db, fastpath.lock_by_id(len(ordered)), ordered)
    return _locked(db.execute(_LOCK_BY_ID[dialect(db)], {"ids": ordered}))


def bucket_of(user_id: int) -> int:
    """The bucket of the system accounts a customer's postings use: customers spread over
    SYSTEM_BUCKETS rows, so that their deposits and fees do not queue on one row's lock."""
    return user_id % SYSTEM_BUCKETS


def lock_named(
    db: Session, *, customers: Sequence[int], systems: Sequence[str], currency: str
) -> dict[int, LockedAccount]:
    """Lock the customers' accounts in `currency` and the system accounts' bucket of the first
    customer (see bucket_of), creating any that is missing."""
    bucket = bucket_of(customers[0]) if customers else 0
    locked = _lock_by_owner(db, customers, systems, currency, bucket)
    if len(locked) < len(customers) + len(systems):
        found = set(by_owner(locked))
        missing = [user_id for user_id in customers if user_id not in found]
        check_customers(db, missing)
        codes = [code for code in systems if code not in found]
        create_missing(db, customers=missing, systems=codes, currency=currency, bucket=bucket)
        locked = _lock_by_owner(db, customers, systems, currency, bucket)
    return locked


def by_owner(locked: dict[int, LockedAccount]) -> dict[int | str, LockedAccount]:
    """The locked rows by owner: a customer's id, or a system account's code."""
    return {row.user_id or row.code: row for row in locked.values()}


def _lock_by_owner(
    db: Session, customers: Sequence[int], systems: Sequence[str], currency: str, bucket: int
) -> dict[int, LockedAccount]:
    if dialect(db) == "postgresql":
        sql = fastpath.lock_by_owner(len(customers), len(systems))
        tail = [bucket] if systems else []
        return fastpath.lock(db, sql, [currency, *customers, *systems, *tail])
    params = {
        "in_currency": currency,
        "users": list(customers),
        "codes": list(systems),
        "in_bucket": bucket,
    }
    return _locked(db.execute(_LOCK_BY_OWNER[dialect(db)], params))


def _locked(rows: Any) -> dict[int, LockedAccount]:
    return {row.id: LockedAccount(*row) for row in rows}


def insert_once(db: Session, table: Table, values: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING: a row whose unique key exists is left alone.

    On PostgreSQL a concurrent uncommitted insert of the same key makes this wait for it, so
    the loser sees the winner's row instead of failing the whole transaction.
    """
    insert = sqlite_insert if dialect(db) == "sqlite" else pg_insert
    return insert(table).values(values).on_conflict_do_nothing()


def create_missing(
    db: Session,
    *,
    customers: Sequence[int],
    systems: Sequence[str],
    currency: str,
    bucket: int = 0,
) -> None:
    """Create these accounts unless they exist (in a fixed order, so creators cannot deadlock)."""
    now = utcnow()
    rows = [
        dict(kind="customer", user_id=user_id, code="customer", currency=currency, created_at=now)
        for user_id in sorted(customers)
    ] + [
        dict(kind="system", user_id=None, code=code, currency=currency, created_at=now)
        for code in sorted(systems)
    ]
    if rows:
        for row in rows:
            row.update(balance_minor=0, held_minor=0, bucket=0 if row["user_id"] else bucket)
        db.execute(insert_once(db, ACC, rows))


def check_customers(db: Session, user_ids: Sequence[int]) -> None:
    """NotFound unless every id is a person's (before an account is made for them)."""
    if not user_ids:
        return
    # Only the key is read: the wallet needs no more of the identity domain than that.
    found = set(db.scalars(select(User.id).where(User.id.in_(user_ids))))
    if len(found) < len(set(user_ids)):
        raise NotFound("This customer does not exist.")


def ensure_system(db: Session, *, code: str, currency: str, bucket: int = 0) -> int:
    """The id of system account `code`'s `bucket` in `currency`, created if missing (not
    locked)."""
    where = and_(
        ACC.c.user_id.is_(None),
        ACC.c.code == code,
        ACC.c.currency == currency,
        ACC.c.bucket == bucket,
    )
    account_id = db.execute(select(ACC.c.id).where(where)).scalar()
    if account_id is None:
        create_missing(db, customers=[], systems=[code], currency=currency, bucket=bucket)
        account_id = db.execute(select(ACC.c.id).where(where)).scalar_one()
    return int(account_id)
