"""Posting money: deposits, transfers, fees, general entries, idempotency and refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.wallet.conftest import available, fund, make_customers
from walletdesk.db import session_scope
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.i18n import gettext
from walletdesk.wallet import service as wallet
from walletdesk.wallet.errors import InsufficientFunds
from walletdesk.wallet.ledger import verify_ledger
from walletdesk.wallet.models import JournalEntry, LedgerAccount, Posting


def count(factory, model) -> int:
    with session_scope(factory) as db:
        return db.execute(select(func.count()).select_from(model)).scalar_one()


def test_deposit_and_transfer_move_money_and_the_books_balance(factory):
    alice, bob = make_customers(factory, 2)
    fund(factory, alice, 10_000)
    with session_scope(factory) as db:
        entry = wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=bob,
            amount_minor=2_500,
            fee_minor=100,
            currency="CNY",
            idempotency_key="t-1",
            reference_type="case",
            reference_id="42",
            memo="rent",
        )
    assert entry.kind == "transfer" and not entry.replayed
    assert sum(amount for _, amount in entry.lines) == 0
    assert available(factory, alice) == 7_400
    assert available(factory, bob) == 2_500
    with session_scope(factory) as db:
        fees = wallet.system_balance(db, code="fee_income", currency="CNY")
        clearing = wallet.system_balance(db, code="clearing:bank_card", currency="CNY")
        assert (fees, clearing) == (100, -10_000)
        stored = db.get(JournalEntry, entry.id)
        assert (stored.reference_type, stored.reference_id, stored.memo) == ("case", "42", "rent")
        assert stored.created_at.tzinfo is not None
        report = verify_ledger(db)
    assert report.ok, report.problems
    assert report.totals == {"CNY": 0}


def test_accounts_are_per_customer_and_currency_created_on_first_use(factory):
    (alice,) = make_customers(factory, 1)
    with session_scope(factory) as db:
        cny = wallet.customer_account(db, user_id=alice, currency="CNY")
        usdt = wallet.customer_account(db, user_id=alice, currency="USDT")
        again = wallet.customer_account(db, user_id=alice, currency="CNY")
        assert cny.id == again.id != usdt.id
        assert wallet.system_account(db, code="suspense", currency="USD").kind == "system"
    assert count(factory, LedgerAccount) == 3
    fund(factory, alice, 1_500_000, "USDT")
    with session_scope(factory) as db:
        shown = wallet.balances(db, user_id=alice)
    assert shown["USDT"].total_minor == 1_500_000 and shown["CNY"].total_minor == 0


def test_same_key_same_content_returns_the_first_entry_without_posting_again(factory):
    alice, bob = make_customers(factory, 2)
    fund(factory, alice, 1_000)
    results = []
    for _ in range(2):
        with session_scope(factory) as db:
            results.append(
                wallet.post_transfer(
                    db,
                    from_user_id=alice,
                    to_user_id=bob,
                    amount_minor=600,
                    currency="CNY",
                    idempotency_key="pay-1",
                )
            )
    first, second = results
    assert second.replayed and second.id == first.id and second.lines == first.lines
    assert available(factory, alice) == 400
    # A replay still answers once the money has gone elsewhere (no InsufficientFunds).
    with session_scope(factory) as db:
        replay = wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=bob,
            amount_minor=600,
            currency="CNY",
            idempotency_key="pay-1",
        )
    assert replay.id == first.id
    assert count(factory, JournalEntry) == 2  # the funding deposit and the transfer


def test_same_key_other_content_is_a_conflict(factory):
    alice, bob = make_customers(factory, 2)
    fund(factory, alice, 1_000)
    with session_scope(factory) as db:
        wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=bob,
            amount_minor=100,
            currency="CNY",
            idempotency_key="pay-2",
        )
    with pytest.raises(Conflict) as caught, session_scope(factory) as db:
        wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=bob,
            amount_minor=101,
            currency="CNY",
            idempotency_key="pay-2",
        )
    assert caught.value.status == 409
    assert available(factory, bob) == 100


def test_overdraft_is_refused_with_a_translated_message(factory):
    alice, bob = make_customers(factory, 2)
    fund(factory, alice, 1_050)
    with pytest.raises(InsufficientFunds) as caught, session_scope(factory) as db:
        wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=bob,
            amount_minor=1_000,
            fee_minor=51,
            currency="CNY",
            idempotency_key="too-much",
        )
    error = caught.value
    assert (error.status, error.code) == (409, "insufficient_funds")
    assert gettext("en", error.message, **error.params) == (
        "Insufficient available balance: 10.50 CNY available, 10.51 needed."
    )
    assert (
        gettext("zh", error.message, **error.params) == "可用余额不足：可用 10.50 CNY，需要 10.51。"
    )
    assert available(factory, alice) == 1_050
    assert count(factory, JournalEntry) == 1


def test_general_entry_must_balance_and_stay_in_one_currency(factory):
    (alice,) = make_customers(factory, 1)
    fund(factory, alice, 500)
    with session_scope(factory) as db:
        mine = wallet.customer_account(db, user_id=alice, currency="CNY")
        comp = wallet.system_account(db, code="compensation_expense", currency="CNY")
        usd = wallet.system_account(db, code="suspense", currency="USD")
        with pytest.raises(ValidationFailed, match="sum to zero"):
            wallet.post_entry(
                db,
                idempotency_key="c-1",
                kind="compensation",
                currency="CNY",
                lines=[(comp, -300), (mine, 200)],
            )
        with pytest.raises(ValidationFailed, match="currency"):
            wallet.post_entry(
                db,
                idempotency_key="c-2",
                kind="compensation",
                currency="CNY",
                lines=[(usd, -300), (mine, 300)],
            )
        with pytest.raises(ValidationFailed, match="kind"):
            wallet.post_entry(
                db,
                idempotency_key="c-3",
                kind="gift",
                currency="CNY",
                lines=[(comp, -300), (mine, 300)],
            )
        entry = wallet.post_entry(
            db,
            idempotency_key="c-4",
            kind="compensation",
            currency="CNY",
            lines=[(comp, -300), (mine.id, 300)],
            reference_type="case",
            reference_id=7,  # a case id, as a number
        )
        # The caller's account object shows the new balance, not the one it loaded.
        assert mine.balance_minor == 800
    assert (entry.kind, entry.reference_id) == ("compensation", "7")
    with session_scope(factory) as db:
        assert db.get(JournalEntry, entry.id).reference_id == "7"
    assert count(factory, Posting) == 4


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [
        (0, "CNY", "amount_minor"),
        (-5, "CNY", "amount_minor"),
        (1.5, "CNY", "amount_minor"),
        (True, "CNY", "amount_minor"),
        (10**16, "CNY", "amount_minor"),
        (100, "XXX", "currency"),
    ],
)
def test_bad_amounts_and_currencies_are_refused(factory, amount, currency, field):
    alice, bob = make_customers(factory, 2)
    with pytest.raises(ValidationFailed) as caught, session_scope(factory) as db:
        wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=bob,
            amount_minor=amount,
            currency=currency,
            idempotency_key="bad",
        )
    assert caught.value.field == field


def test_transfers_to_yourself_or_unknown_customers_are_refused(factory):
    (alice,) = make_customers(factory, 1)
    fund(factory, alice, 100)
    with pytest.raises(ValidationFailed), session_scope(factory) as db:
        wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=alice,
            amount_minor=1,
            currency="CNY",
            idempotency_key="self",
        )
    with pytest.raises(NotFound), session_scope(factory) as db:
        wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=alice + 999,
            amount_minor=1,
            currency="CNY",
            idempotency_key="ghost",
        )
    assert available(factory, alice) == 100


def test_a_reversal_refunds_the_fee_leaves_holds_alone_and_books_the_rest_as_owed(factory):
    (alice,) = make_customers(factory, 1)
    fund(factory, alice, 10_000)  # a 100.00 deposit by bank card
    with session_scope(factory) as db:
        wallet.place_hold(
            db, user_id=alice, currency="CNY", amount_minor=7_000, idempotency_key="w-1"
        )
        entry, owed = wallet.post_reversal(
            db,
            user_id=alice,
            method="bank_card",
            amount_minor=10_000,
            fee_minor=60,  # its fee had been charged: the customer gets it back
            currency="CNY",
            idempotency_key="reversal-1",
        )
        assert entry.kind == "reversal"
        # 99.40 due; 30.00 available is taken; 69.40 owed; the 70.00 held stays held.
        assert owed == 6_940
        account = wallet.customer_account(db, user_id=alice, currency="CNY")
        assert (account.balance_minor, account.held_minor) == (7_000, 7_000)
        suspense = wallet.system_balance(db, code="suspense", currency="CNY")
        clearing = wallet.system_balance(db, code="clearing:bank_card", currency="CNY")
        fees = wallet.system_balance(db, code="fee_income", currency="CNY")
        assert (suspense, clearing) == (-6_940, 0)
        assert fees == -60
        assert verify_ledger(db).ok
