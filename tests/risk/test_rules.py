"""Each rule holds or freezes at its boundary and lets the payment through just below it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from tests.risk.conftest import (
    bind_card,
    frozen,
    fund,
    hits,
    prepare,
    transfer,
    use_rules,
    withdraw,
)
from walletdesk.db import session_scope
from walletdesk.identity import service as identity
from walletdesk.wallet.transactions import WalletTransaction

PASSWORD = "correct horse battery"


def _newcomer(app, phone: str):
    """An established customer with money and no payments out yet."""
    with session_scope(app.state.sessionmaker) as db:
        user = identity.create_user(
            db, role="customer", phone=phone, password=PASSWORD, display_name="王五"
        )
    prepare(app, user)
    fund(app, user, 3_000_000)
    return user


def test_large_withdrawal_is_held_from_the_threshold_on(app, people, tmp_path):
    use_rules(app, tmp_path, {"large_withdrawal": {}})
    prepare(app, people.customer)
    fund(app, people.customer, 20_000_000)
    card = bind_card(app, people.customer)
    below = withdraw(app, people.customer, card, 4_999_999)
    assert below.status == "processing"
    at = withdraw(app, people.customer, card, 5_000_000)
    assert at.status == "pending"
    assert [s.status for s in at.steps] == ["pending", "risk_check", "review"]
    assert hits(app, people.customer) == [("large_withdrawal", "review", at.public_id)]
    assert not frozen(app, people.customer)


def test_a_young_account_is_frozen_by_a_large_withdrawal_but_not_at_seven_days(
    app, people, tmp_path
):
    use_rules(app, tmp_path, {"new_account_large_withdrawal": {}})
    prepare(app, people.customer, age_days=6.99)
    prepare(app, people.other_customer, age_days=7)
    for who in (people.customer, people.other_customer):
        fund(app, who, 20_000_000)
    card = bind_card(app, people.customer)
    assert withdraw(app, people.customer, card, 4_999_999).status == "processing"
    assert not frozen(app, people.customer)
    tx = withdraw(app, people.customer, card, 5_000_000)
    assert tx.status == "pending"  # waits for review with its funds held
    assert frozen(app, people.customer)
    assert hits(app, people.customer) == [("new_account_large_withdrawal", "freeze", tx.public_id)]
    other_card = bind_card(app, people.other_customer)
    assert withdraw(app, people.other_customer, other_card, 5_000_000).status == "processing"
    assert not frozen(app, people.other_customer)


def test_an_amount_far_above_the_usual_is_held_above_the_multiple_and_the_floor(
    app, people, tmp_path
):
    use_rules(app, tmp_path, {"unusual_amount": {"params": {"multiple": 5, "floor_cny": 10000}}})
    for who in (people.customer, people.other_customer):
        prepare(app, who)
    fund(app, people.customer, 30_000_000)
    assert transfer(app, people.customer, people.other_customer, 300_000).status == "succeeded"
    # 5 × 3,000 is not above five times the largest: it goes
    assert transfer(app, people.customer, people.other_customer, 1_500_000).status == "succeeded"
    held = transfer(app, people.customer, people.other_customer, 7_500_001)  # > 5 × 15,000
    assert held.status == "pending" and held.hold_id is not None
    assert [h[:2] for h in hits(app, people.customer)] == [("unusual_amount", "review")]
    # no history: the floor alone decides
    below = _newcomer(app, "13700137000")
    assert transfer(app, below, people.other_customer, 999_999).status == "succeeded"
    at = _newcomer(app, "13600136000")
    assert transfer(app, at, people.other_customer, 1_000_000).status == "pending"


def test_more_payments_than_allowed_within_the_window_freeze_the_account(app, people, tmp_path):
    use_rules(app, tmp_path, {"velocity": {"params": {"max_count": 3, "window_minutes": 60}}})
    for who in (people.customer, people.other_customer):
        prepare(app, who)
    fund(app, people.customer, 1_000_000)
    sent = [transfer(app, people.customer, people.other_customer, 100) for _ in range(3)]
    assert {tx.status for tx in sent} == {"succeeded"}
    with session_scope(app.state.sessionmaker) as db:  # the first one leaves the window
        db.execute(
            update(WalletTransaction)
            .where(WalletTransaction.public_id == sent[0].public_id)
            .values(created_at=sent[0].created_at - timedelta(minutes=61))
        )
    assert transfer(app, people.customer, people.other_customer, 100).status == "succeeded"
    assert not frozen(app, people.customer)
    stopped = transfer(app, people.customer, people.other_customer, 100)
    assert stopped.status == "failed" and stopped.failure_code == "account_frozen"
    assert frozen(app, people.customer)
    assert hits(app, people.customer) == [("velocity", "freeze", stopped.public_id)]


def test_more_money_than_allowed_within_the_window_freezes_the_account(app, people, tmp_path):
    use_rules(app, tmp_path, {"velocity": {"params": {"max_total_cny": 1000}}})
    for who in (people.customer, people.other_customer):
        prepare(app, who)
    fund(app, people.customer, 1_000_000)
    assert transfer(app, people.customer, people.other_customer, 60_000).status == "succeeded"
    assert transfer(app, people.customer, people.other_customer, 40_000).status == "succeeded"
    assert transfer(app, people.customer, people.other_customer, 1).status == "failed"
    assert frozen(app, people.customer)
    with session_scope(app.state.sessionmaker) as db:  # nothing left for the stopped one
        received = db.scalars(
            select(WalletTransaction.amount_minor).where(
                WalletTransaction.user_id == people.other_customer.id
            )
        ).all()
    assert sorted(received) == [40_000, 60_000]
