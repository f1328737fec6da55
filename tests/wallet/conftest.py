"""Wallet test helpers: an engine and sessions on the per-test database, customers, money."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from walletdesk.db import make_engine, make_sessionmaker, session_scope, utcnow
from walletdesk.wallet import service as wallet

NEW_CUSTOMER = text(
    "INSERT INTO users (role, email, display_name, password_hash, lang, is_active,"
    " failed_logins, created_at) VALUES ('customer', :email, :name, '!', 'zh', true, 0, :now)"
    " RETURNING id"
)

# Runs a test on PostgreSQL only (the `db_url` fixture otherwise runs it on both backends).
postgres_only = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def make_customers(factory: sessionmaker[Session], count: int) -> list[int]:
    """`count` customers (no password: they only own money here). Plain SQL with the columns
    of the first migration, so these tests do not depend on the identity model's details."""
    ids = []
    with session_scope(factory) as db:
        for i in range(count):
            ids.append(
                db.execute(
                    NEW_CUSTOMER,
                    {
                        "email": f"{uuid.uuid4().hex}@c.test",
                        "name": f"c{i}",
                        "now": utcnow(),
                    },
                ).scalar_one()
            )
    return ids


def fund(
    factory: sessionmaker[Session], user_id: int, amount_minor: int, currency: str = "CNY"
) -> None:
    with session_scope(factory) as db:
        wallet.post_deposit(
            db,
            user_id=user_id,
            method="bank_card",
            amount_minor=amount_minor,
            currency=currency,
            idempotency_key=f"fund-{uuid.uuid4().hex}",
        )


def available(factory: sessionmaker[Session], user_id: int, currency: str = "CNY") -> int:
    with session_scope(factory) as db:
        found = wallet.balances(db, user_id=user_id).get(currency)
        return found.available_minor if found else 0


def race(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..count-1) on `count` threads released together; results or raised errors."""
    barrier = Barrier(count)

    def attempt(index: int) -> Any:
        barrier.wait()
        try:
            return work(index)
        except Exception as exc:  # the caller counts successes and failures
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(attempt, range(count)))
