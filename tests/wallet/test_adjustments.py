"""Fee refunds and compensation from a case: asked by one member of staff, approved by a
second, posted once as a balanced entry with the case as reference, and seen by the customer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.cases.conftest import make_case
from tests.conftest import sign_in
from walletdesk.approvals import service as approvals
from walletdesk.approvals.models import Approval
from walletdesk.db import session_scope
from walletdesk.errors import Conflict, Forbidden, ValidationFailed
from walletdesk.identity.models import User
from walletdesk.wallet import adjustments
from walletdesk.wallet import service as wallet
from walletdesk.wallet.ledger import verify_ledger
from walletdesk.wallet.models import JournalEntry
from walletdesk.wallet.transactions import WalletTransaction, record_transaction

FEE = 500  # 5.00 CNY


def paid_withdrawal(app, customer, *, amount: int = 100_000, fee: int = FEE) -> str:
    """A withdrawal of `amount` that was paid out and cost `fee`, posted the way payments
    posts one (hold, then capture into clearing and fee income); its public id."""
    with session_scope(app.state.sessionmaker) as db:
        wallet.post_deposit(
            db,
            user_id=customer.id,
            method="bank_card",
            amount_minor=1_000_000,
            currency="CNY",
            idempotency_key=f"fund:{customer.id}",
        )
        hold = wallet.place_hold(
            db,
            user_id=customer.id,
            currency="CNY",
            amount_minor=amount + fee,
            idempotency_key=f"hold:{customer.id}:{amount}",
        )
        entry = wallet.capture_hold(
            db,
            hold_id=hold.id,
            to_code="clearing:bank_card",
            idempotency_key=f"cap:{hold.id}",
            fee_minor=fee,
        )
        tx = record_transaction(
            db,
            user_id=customer.id,
            kind="withdrawal",
            amount_minor=amount,
            fee_minor=fee,
            currency="CNY",
            status="succeeded",
            method="bank_card",
            entry_id=entry.id,
            hold_id=hold.id,
        )
        return tx.public_id


def _request_refund(app, people, public_id: str, amount: int, case_id: int | None) -> int:
    with session_scope(app.state.sessionmaker) as db:
        approval = adjustments.request_fee_refund(
            db,
            staff=db.get(User, people.agent.id),
            customer_id=people.customer.id,
            public_id=public_id,
            amount_minor=amount,
            reason="Charged the cross-border fee on a domestic card",
            case_id=case_id,
        )
        return approval.id


def _decide(app, staff, approval_id: int, approve: bool = True, note: str = "") -> Approval:
    with session_scope(app.state.sessionmaker) as db:
        return approvals.decide(
            db, approval_id=approval_id, staff=db.get(User, staff.id), approve=approve, note=note
        )


def _money(app, customer) -> tuple[int, int]:
    """(customer's CNY balance, fee income's CNY balance)."""
    with session_scope(app.state.sessionmaker) as db:
        income = wallet.system_balance(db, code="fee_income", currency="CNY")
        return wallet.balances(db, user_id=customer.id)["CNY"].total_minor, income


def test_an_approved_fee_refund_moves_exactly_the_amount_once(app, client, people):
    public_id = paid_withdrawal(app, people.customer)
    case_id = make_case(app, people.customer)
    before = _money(app, people.customer)
    approval_id = _request_refund(app, people, public_id, 300, case_id)
    assert _money(app, people.customer) == before  # nothing moves before approval

    decided = _decide(app, people.supervisor, approval_id)
    assert decided.status == "approved"
    assert _money(app, people.customer) == (before[0] + 300, before[1] - 300)
    with session_scope(app.state.sessionmaker) as db:
        assert verify_ledger(db).problems == []
        entry = db.scalar(
            select(JournalEntry).where(JournalEntry.idempotency_key == f"approval:{approval_id}")
        )
        assert entry is not None and entry.kind == "refund"
        assert (entry.reference_type, entry.reference_id) == ("case", str(case_id))
        refund = db.scalar(select(WalletTransaction).where(WalletTransaction.kind == "refund"))
        assert refund is not None and refund.entry_id == entry.id
        assert (refund.status, refund.amount_minor, refund.reference_id) == (
            "succeeded",
            300,
            public_id,
        )

    # Replayed: decided again is refused, carried out again posts nothing more.
    with pytest.raises(Conflict):
        _decide(app, people.admin, approval_id)
    with session_scope(app.state.sessionmaker) as db:
        approval = db.get(Approval, approval_id)
        again = approvals.get_kind("fee_refund").execute(
            db, approval, db.get(User, people.admin.id)
        )
        assert again == decided.result
    assert _money(app, people.customer) == (before[0] + 300, before[1] - 300)
    with session_scope(app.state.sessionmaker) as db:
        refunds = db.scalars(select(WalletTransaction).where(WalletTransaction.kind == "refund"))
        assert len(refunds.all()) == 1

    # The customer sees it in their history.
    sign_in(client, people.customer)
    history = client.get("/wallet/transactions?lang=en").text
    assert refund.public_id in history and "+3.00 CNY" in history and "Refund" in history


def test_a_fee_refund_never_exceeds_the_fee_left(app, people):
    public_id = paid_withdrawal(app, people.customer)
    with pytest.raises(ValidationFailed) as raised:
        _request_refund(app, people, public_id, FEE + 1, None)
    assert raised.value.field == "amount"
    first = _request_refund(app, people, public_id, 400, None)
    # What was already asked for counts, before anyone approves it.
    with pytest.raises(ValidationFailed):
        _request_refund(app, people, public_id, 200, None)
    _decide(app, people.supervisor, first)
    with pytest.raises(ValidationFailed):
        _request_refund(app, people, public_id, 101, None)

    # A request that got past the first check (asked some other way) is checked again when
    # approved: nothing is posted and it stays waiting.
    with session_scope(app.state.sessionmaker) as db:
        sneaked = approvals.request_approval(
            db,
            kind="fee_refund",
            staff=db.get(User, people.agent.id),
            customer_id=people.customer.id,
            payload={"transaction": public_id, "amount_minor": 200, "currency": "CNY"},
            reason="again",
        ).id
    before = _money(app, people.customer)
    with pytest.raises(ValidationFailed):
        _decide(app, people.supervisor, sneaked)
    assert _money(app, people.customer) == before
    with session_scope(app.state.sessionmaker) as db:
        assert db.get(Approval, sneaked).status == "pending"
        assert verify_ledger(db).problems == []
    # Once rejected it no longer counts: the last 1.00 CNY can be asked for.
    _decide(app, people.supervisor, sneaked, approve=False, note="Already refunded")
    _request_refund(app, people, public_id, 100, None)


def test_refunds_need_a_charged_fee_and_a_positive_amount(app, people):
    public_id = paid_withdrawal(app, people.customer)
    with pytest.raises(ValidationFailed):
        _request_refund(app, people, public_id, 0, None)
    with session_scope(app.state.sessionmaker) as db:
        failed = record_transaction(
            db,
            user_id=people.customer.id,
            kind="withdrawal",
            amount_minor=1000,
            fee_minor=FEE,
            currency="CNY",
            status="failed",
            method="bank_card",
        ).public_id
    with pytest.raises(ValidationFailed):  # a failed withdrawal's fee was never taken
        _request_refund(app, people, failed, 100, None)


def test_the_same_person_or_an_agent_cannot_approve(app, people):
    public_id = paid_withdrawal(app, people.customer)
    approval_id = _request_refund(app, people, public_id, 100, None)
    with pytest.raises(Forbidden):
        _decide(app, people.agent, approval_id)  # asked by this agent
    with session_scope(app.state.sessionmaker) as db:
        own = adjustments.request_compensation(
            db,
            staff=db.get(User, people.supervisor.id),
            customer_id=people.customer.id,
            amount_minor=1000,
            currency="CNY",
            reason="Outage on 1 June",
        ).id
    with pytest.raises(Forbidden):
        _decide(app, people.supervisor, own)
    with pytest.raises(Forbidden):
        _decide(app, people.other_customer, own)
    before = _money(app, people.customer)
    _decide(app, people.admin, own)
    assert _money(app, people.customer)[0] == before[0] + 1000


def test_compensation_comes_from_the_expense_account_in_the_customers_currency(app, people):
    paid_withdrawal(app, people.customer)
    case_id = make_case(app, people.customer)
    with session_scope(app.state.sessionmaker) as db:
        with pytest.raises(ValidationFailed) as raised:
            adjustments.request_compensation(
                db,
                staff=db.get(User, people.agent.id),
                customer_id=people.customer.id,
                amount_minor=1000,
                currency="USD",  # the customer holds no USD
                reason="x",
            )
        assert raised.value.field == "currency"
        with pytest.raises(ValidationFailed):
            adjustments.request_compensation(
                db,
                staff=db.get(User, people.agent.id),
                customer_id=people.customer.id,
                amount_minor=-5,
                currency="CNY",
                reason="x",
            )
        approval_id = adjustments.request_compensation(
            db,
            staff=db.get(User, people.agent.id),
            customer_id=people.customer.id,
            amount_minor=2_000,
            currency="CNY",
            reason="Delayed withdrawal",
            case_id=case_id,
        ).id
    before = _money(app, people.customer)
    _decide(app, people.supervisor, approval_id)
    with session_scope(app.state.sessionmaker) as db:
        expense = wallet.system_balance(db, code="compensation_expense", currency="CNY")
        assert expense == -2_000
        assert wallet.balances(db, user_id=people.customer.id)["CNY"].total_minor == (
            before[0] + 2_000
        )
        tx = db.scalar(select(WalletTransaction).where(WalletTransaction.kind == "compensation"))
        assert tx is not None and (tx.status, tx.amount_minor) == ("succeeded", 2_000)
        assert verify_ledger(db).problems == []
