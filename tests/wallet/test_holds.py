"""Holds: funds of a pending withdrawal set aside, then captured (posted) or released."""

from __future__ import annotations

import pytest

from tests.wallet.conftest import available, fund, make_customers
from walletdesk.db import session_scope
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.wallet import service as wallet
from walletdesk.wallet.errors import InsufficientFunds
from walletdesk.wallet.ledger import verify_ledger


def hold(factory, user_id, amount, key, currency="CNY"):
    with session_scope(factory) as db:
        return wallet.place_hold(
            db,
            user_id=user_id,
            currency=currency,
            amount_minor=amount,
            idempotency_key=key,
            reference_type="withdrawal",
            reference_id=key,
        )


def test_held_funds_are_not_available_but_still_in_the_balance(factory):
    alice, bob = make_customers(factory, 2)
    fund(factory, alice, 1_000)
    hold(factory, alice, 700, "w-1")
    with session_scope(factory) as db:
        shown = wallet.balances(db, user_id=alice)["CNY"]
    assert (shown.total_minor, shown.held_minor, shown.available_minor) == (1_000, 700, 300)
    with pytest.raises(InsufficientFunds), session_scope(factory) as db:
        wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=bob,
            amount_minor=301,
            currency="CNY",
            idempotency_key="t-1",
        )
    with pytest.raises(InsufficientFunds), session_scope(factory) as db:
        wallet.place_hold(
            db, user_id=alice, currency="CNY", amount_minor=301, idempotency_key="w-2"
        )
    with session_scope(factory) as db:
        wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=bob,
            amount_minor=300,
            currency="CNY",
            idempotency_key="t-2",
        )
    assert available(factory, alice) == 0


def test_capture_posts_the_withdrawal_with_its_fee(factory):
    (alice,) = make_customers(factory, 1)
    fund(factory, alice, 1_000)
    placed = hold(factory, alice, 600, "w-1")
    with session_scope(factory) as db:
        entry = wallet.capture_hold(
            db,
            hold_id=placed.id,
            to_code="clearing:bank_card",
            fee_minor=20,
            idempotency_key="cap-1",
        )
        again = wallet.capture_hold(
            db,
            hold_id=placed.id,
            to_code="clearing:bank_card",
            fee_minor=20,
            idempotency_key="cap-1",
        )
    assert entry.kind == "withdrawal" and again.replayed and again.id == entry.id
    assert (entry.reference_type, entry.reference_id) == ("withdrawal", "w-1")
    with session_scope(factory) as db:
        shown = wallet.balances(db, user_id=alice)["CNY"]
        assert (shown.total_minor, shown.held_minor) == (400, 0)
        clearing = wallet.system_balance(db, code="clearing:bank_card", currency="CNY")
        fees = wallet.system_balance(db, code="fee_income", currency="CNY")
        assert (clearing, fees) == (-1_000 + 580, 20)
        assert verify_ledger(db).ok
        with pytest.raises(Conflict):
            wallet.capture_hold(
                db, hold_id=placed.id, to_code="clearing:bank_card", idempotency_key="cap-other"
            )
        with pytest.raises(Conflict):
            wallet.release_hold(db, hold_id=placed.id)


def test_release_gives_the_funds_back_once(factory):
    (alice,) = make_customers(factory, 1)
    fund(factory, alice, 1_000)
    placed = hold(factory, alice, 1_000, "w-1")
    assert available(factory, alice) == 0
    with session_scope(factory) as db:
        released = wallet.release_hold(db, hold_id=placed.id)
        wallet.release_hold(db, hold_id=placed.id)  # twice is harmless
        assert released.status == "released" and released.settled_at is not None
    assert available(factory, alice) == 1_000
    with pytest.raises(Conflict), session_scope(factory) as db:
        wallet.capture_hold(
            db, hold_id=placed.id, to_code="clearing:bank_card", idempotency_key="cap-1"
        )
    with pytest.raises(NotFound), session_scope(factory) as db:
        wallet.release_hold(db, hold_id=placed.id + 100)
    with session_scope(factory) as db:
        assert verify_ledger(db).ok


def test_holds_are_idempotent_by_key(factory):
    (alice,) = make_customers(factory, 1)
    fund(factory, alice, 1_000)
    first = hold(factory, alice, 800, "w-1")
    second = hold(factory, alice, 800, "w-1")  # would not fit a second time
    assert first.id == second.id
    assert available(factory, alice) == 200
    with pytest.raises(Conflict):
        hold(factory, alice, 100, "w-1")


def test_fee_larger_than_the_hold_is_refused(factory):
    (alice,) = make_customers(factory, 1)
    fund(factory, alice, 1_000)
    placed = hold(factory, alice, 100, "w-1")
    with pytest.raises(ValidationFailed), session_scope(factory) as db:
        wallet.capture_hold(
            db, hold_id=placed.id, to_code="clearing:crypto", fee_minor=101, idempotency_key="cap-1"
        )
    with pytest.raises(ValidationFailed), session_scope(factory) as db:
        wallet.capture_hold(db, hold_id=placed.id, to_code="nowhere", idempotency_key="cap-2")
    assert available(factory, alice) == 900
