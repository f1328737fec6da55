"""PostgreSQL's hot path for postings: the locking read and the one-statement write, sent
straight to psycopg on the session's own connection (same transaction, no statement machinery).

Measured on the ledger benchmark, SQLAlchemy's per-statement work was most of a transfer's
client CPU; these two statements are what every transfer runs. SQLite uses the Core versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy.orm import Session


class LockedAccount(NamedTuple):
    """An account row as read under its lock."""

    id: int
    kind: str
    user_id: int | None
    code: str
    currency: str
    balance_minor: int
    held_minor: int


# Only placeholders are formatted into these texts: one text per count of accounts or lines,
# built once. Parameters are plain scalars (an IN item or VALUES cell each), which psycopg
# adapts far faster than arrays.


@cache
def lock_by_id(count: int) -> str:
    """Lock `count` accounts by id, in id order: transactions sharing accounts queue instead of
    deadlocking."""
    return (
        "SELECT id, kind, user_id, code, currency, balance_minor, held_minor"  # noqa: S608
        f" FROM wallet_accounts WHERE id IN ({_marks(count)})"
        " ORDER BY id FOR UPDATE"
    )


@cache
def lock_by_owner(customers: int, systems: int) -> str:
    """Lock customers' accounts and system accounts (by code, in one bucket) of one currency,
    in id order."""
    owners = [f"user_id IN ({_marks(customers)})"] if customers else []
    if systems:
        owners.append(f"(user_id IS NULL AND code IN ({_marks(systems)}) AND bucket = %s)")
    return (
        "SELECT id, kind, user_id, code, currency, balance_minor, held_minor"  # noqa: S608
        f" FROM wallet_accounts WHERE currency = %s AND ({' OR '.join(owners)})"
        " ORDER BY id FOR UPDATE"
    )


@cache
def write_entry(lines: int, accounts: int) -> str:
    """The entry, its postings and the accounts' new balances in one round trip, which also
    keeps the account locks short. When the key exists already the entry's insert yields no
    row, and so nothing else is written.

    Parameters: the entry's 8 columns, then (account id, amount) per line, then (account id,
    balance delta, held delta) per account.
    """
    line_rows = ", ".join(["(%s::integer, %s::bigint)"] * lines)
    delta_rows = ", ".join(["(%s::integer, %s::bigint, %s::bigint)"] * accounts)
    return f"""
    WITH entry AS (
        INSERT INTO wallet_entries (idempotency_key, fingerprint, kind, currency,
                                    reference_type, reference_id, memo, created_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT DO NOTHING
        RETURNING id
    ), lines AS (
        INSERT INTO wallet_postings (entry_id, account_id, amount_minor)
        SELECT entry.id, line.account_id, line.amount_minor
        FROM entry, (VALUES {line_rows}) AS line (account_id, amount_minor)
    ), moved AS (
        UPDATE wallet_accounts AS account
        SET balance_minor = account.balance_minor + delta.balance,
            held_minor = account.held_minor + delta.held
        FROM entry, (VALUES {delta_rows}) AS delta (id, balance, held)
        WHERE account.id = delta.id
    )
    SELECT id FROM entry
    """  # noqa: S608 (only placeholders are formatted in)


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def driver(db: Session) -> Any:
    """The psycopg connection carrying the session's transaction (begun if it was not)."""
    db.flush()  # what Session.execute would have done first
    return db.connection().connection.driver_connection


def lock(db: Session, sql: str, params: Sequence[Any]) -> dict[int, LockedAccount]:
    rows = driver(db).execute(sql, params).fetchall()
    return {row[0]: LockedAccount(*row) for row in rows}


def write(db: Session, sql: str, params: Sequence[Any]) -> int | None:
    row = driver(db).execute(sql, params).fetchone()
    return None if row is None else int(row[0])
