"""Money under concurrency: parallel transfers on hot accounts, double spends, racing replays.

Every thread has its own session and transaction, as concurrent requests would.
"""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import func, select, text

from tests.wallet.conftest import available, fund, make_customers, postgres_only, race
from walletdesk.db import session_scope
from walletdesk.errors import Conflict
from walletdesk.wallet import service as wallet
from walletdesk.wallet.errors import InsufficientFunds
from walletdesk.wallet.ledger import verify_ledger
from walletdesk.wallet.models import JournalEntry


def sizes(db_url: str) -> tuple[int, int]:
    """(threads, transfers per thread): SQLite serialises writers, so fewer there."""
    return (16, 40) if db_url.startswith("postgresql") else (6, 15)


def test_parallel_transfers_on_hot_accounts_lose_nothing(factory, db_url):
    hot = make_customers(factory, 4)
    for user_id in hot:
        fund(factory, user_id, 5_000)
    threads, per_thread = sizes(db_url)
    done: list[tuple[int, int, int]] = []
    refused = []
    lock = threading.Lock()

    def client(index: int) -> None:
        rng = random.Random(index)
        for n in range(per_thread):
            payer, payee = rng.sample(hot, 2)
            amount = rng.randint(1, 3_000)
            try:
                # No retry wrapper: a deadlock or "database is locked" would fail the test.
                with session_scope(factory) as db:
                    wallet.post_transfer(
                        db,
                        from_user_id=payer,
                        to_user_id=payee,
                        amount_minor=amount,
                        currency="CNY",
                        idempotency_key=f"hot-{index}-{n}",
                    )
            except InsufficientFunds:
                with lock:
                    refused.append(amount)
                continue
            with lock:
                done.append((payer, payee, amount))

    outcomes = race(threads, client)
    assert [o for o in outcomes if o is not None] == []
    assert len(done) + len(refused) == threads * per_thread
    assert done and len(done) > len(refused) / 10
    expected = dict.fromkeys(hot, 5_000)
    for payer, payee, amount in done:
        expected[payer] -= amount
        expected[payee] += amount
    assert {user_id: available(factory, user_id) for user_id in hot} == expected
    assert min(expected.values()) >= 0
    with session_scope(factory) as db:
        report = verify_ledger(db)
        entries = db.execute(select(func.count()).select_from(JournalEntry)).scalar_one()
    assert report.ok, report.problems
    assert entries == len(hot) + len(done)


@pytest.mark.parametrize("how", ["hold", "transfer"])
def test_two_withdrawals_that_together_exceed_the_balance_one_wins(factory, how):
    for _round in range(3):
        alice, bob = make_customers(factory, 2)
        fund(factory, alice, 1_000)

        def withdraw(index: int, alice: int = alice, bob: int = bob) -> object:
            with session_scope(factory) as db:
                if how == "hold":
                    return wallet.place_hold(
                        db,
                        user_id=alice,
                        currency="CNY",
                        amount_minor=600,
                        idempotency_key=f"{alice}-{index}",
                    )
                return wallet.post_transfer(
                    db,
                    from_user_id=alice,
                    to_user_id=bob,
                    amount_minor=600,
                    currency="CNY",
                    idempotency_key=f"{alice}-{index}",
                )

        outcomes = race(4, withdraw)
        refused = [o for o in outcomes if isinstance(o, InsufficientFunds)]
        assert len(refused) == 3, outcomes
        assert available(factory, alice) == 400
    with session_scope(factory) as db:
        assert verify_ledger(db).ok


def test_racing_replays_post_once(factory):
    alice, bob = make_customers(factory, 2)
    fund(factory, alice, 1_000)

    def pay(_index: int) -> object:
        with session_scope(factory) as db:
            return wallet.post_transfer(
                db,
                from_user_id=alice,
                to_user_id=bob,
                amount_minor=700,
                currency="CNY",
                idempotency_key="once",
            )

    outcomes = race(6, pay)
    assert {o.id for o in outcomes} == {outcomes[0].id}, outcomes
    assert sum(not o.replayed for o in outcomes) == 1
    assert available(factory, bob) == 700


def test_one_key_raced_with_different_content_posts_once(factory):
    people = make_customers(factory, 8)
    pairs = [(people[i], people[i + 1]) for i in range(0, 8, 2)]
    for payer, _ in pairs:
        fund(factory, payer, 1_000)

    def pay(index: int) -> object:
        payer, payee = pairs[index]  # no account in common: only the key collides
        with session_scope(factory) as db:
            return wallet.post_transfer(
                db,
                from_user_id=payer,
                to_user_id=payee,
                amount_minor=100,
                currency="CNY",
                idempotency_key="k",
            )

    outcomes = race(len(pairs), pay)
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == len(pairs) - 1, outcomes
    assert sum(available(factory, payee) for _, payee in pairs) == 100
    with session_scope(factory) as db:
        assert verify_ledger(db).ok


@postgres_only
def test_a_deadlock_is_retried_until_both_transactions_commit(factory):
    alice, bob = make_customers(factory, 2)
    fund(factory, alice, 100)
    fund(factory, bob, 100)
    with session_scope(factory) as db:
        ids = [wallet.customer_account(db, user_id=u, currency="CNY").id for u in (alice, bob)]
    barrier = threading.Barrier(2)
    attempts = []

    def crossing(index: int) -> str:
        first, second = ids if index == 0 else ids[::-1]

        def work(db) -> str:
            attempts.append(index)
            lock = text("SELECT id FROM wallet_accounts WHERE id = :id FOR UPDATE")
            db.execute(lock, {"id": first})
            if len(attempts) <= 2:
                barrier.wait(timeout=10)  # both hold one row, then want the other's
            db.execute(lock, {"id": second})
            return "committed"

        return wallet.run_in_transaction(factory, work)

    assert race(2, crossing) == ["committed", "committed"]
    assert len(attempts) == 3  # PostgreSQL broke the deadlock once; the loser ran again


@postgres_only
def test_deposits_and_fees_of_different_customers_do_not_queue_on_a_system_account(factory):
    """Issue 8: every deposit locked its clearing account's one row (and every fee the fee
    income row) until commit, so all customers' deposits queued on it. A second customer's
    deposit and transfer fee must not wait for a first one that has not committed yet."""
    first, second, third = make_customers(factory, 3)
    fund(factory, second, 10_000)
    with session_scope(factory) as open_db:
        wallet.post_deposit(
            open_db,
            user_id=first,
            method="bank_card",
            amount_minor=100,
            currency="CNY",
            idempotency_key="open-deposit",
        )
        wallet.post_fee(
            open_db, user_id=first, amount_minor=1, currency="CNY", idempotency_key="open-fee"
        )
        # Still open, holding its locks: the others must not wait for it.
        with session_scope(factory) as db:
            db.execute(text("SET LOCAL lock_timeout = '2s'"))
            wallet.post_deposit(
                db,
                user_id=second,
                method="bank_card",
                amount_minor=100,
                currency="CNY",
                idempotency_key="other-deposit",
            )
            wallet.post_transfer(
                db,
                from_user_id=second,
                to_user_id=third,
                amount_minor=100,
                fee_minor=5,
                currency="CNY",
                idempotency_key="other-transfer",
            )
    with session_scope(factory) as db:
        assert wallet.system_balance(db, code="clearing:bank_card", currency="CNY") == -10_200
        assert wallet.system_balance(db, code="fee_income", currency="CNY") == 6
        assert verify_ledger(db).ok
