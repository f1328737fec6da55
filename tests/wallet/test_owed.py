"""Money owed after a chargeback of spent money: shown to the customer and the agent, and
written off by staff (one asks on the case, a second approves) when it will not be repaid."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.cases.test_agent_actions import _post, _timeline
from tests.conftest import sign_in
from walletdesk.approvals import service as approvals
from walletdesk.approvals.models import Approval
from walletdesk.db import session_scope
from walletdesk.errors import Forbidden, ValidationFailed
from walletdesk.identity.models import User
from walletdesk.payments.reversals import reverse_deposit
from walletdesk.risk import service as risk
from walletdesk.wallet import owed
from walletdesk.wallet import service as wallet
from walletdesk.wallet.ledger import verify_ledger
from walletdesk.wallet.transactions import WalletTransaction, record_transaction

_reversed = WalletTransaction.status == "reversed"


def charged_back_after_spending(app, people, *, deposit: int, spent: int) -> int:
    """The customer deposits `deposit`, sends `spent` of it to a friend, then the payer's bank
    takes the deposit back: `spent` is owed. Returns the case the freeze opened."""
    with session_scope(app.state.sessionmaker) as db:
        entry = wallet.post_deposit(
            db,
            user_id=people.customer.id,
            method="bank_card",
            amount_minor=deposit,
            currency="CNY",
            idempotency_key="deposit-later-charged-back",
        )
        tx = record_transaction(
            db,
            user_id=people.customer.id,
            kind="deposit",
            amount_minor=deposit,
            currency="CNY",
            status="succeeded",
            method="bank_card",
            entry_id=entry.id,
        )
        wallet.post_transfer(
            db,
            from_user_id=people.customer.id,
            to_user_id=people.other_customer.id,
            amount_minor=spent,
            currency="CNY",
            idempotency_key="spent-before-chargeback",
        )
        assert reverse_deposit(db, tx=tx, provider="bank_card", ref="cb-1") == spent
        (freeze,) = risk.active_freezes(db, user_id=people.customer.id)
        assert freeze.case_id is not None
        return freeze.case_id


def _ledger(app, customer) -> tuple[int, int, int]:
    """(customer's CNY total, suspense, chargeback loss), with the ledger verified."""
    with session_scope(app.state.sessionmaker) as db:
        assert verify_ledger(db).problems == []
        return (
            wallet.balances(db, user_id=customer.id)["CNY"].total_minor,
            wallet.system_balance(db, code="suspense", currency="CNY"),
            wallet.system_balance(db, code="chargeback_loss", currency="CNY"),
        )


def test_a_write_off_is_asked_on_the_case_approved_once_and_lifts_the_freeze(app, client, people):
    case_id = charged_back_after_spending(app, people, deposit=30_000, spent=25_000)
    assert _ledger(app, people.customer) == (0, -25_000, 0)

    sign_in(client, people.agent)
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Write off money owed after a chargeback" in page and "250.00 CNY" in page
    no_reason = _post(client, f"/console/cases/{case_id}/write-off", currency="CNY", reason="")
    assert no_reason.status_code == 422 and "Say why" in no_reason.text
    asked = _post(
        client,
        f"/console/cases/{case_id}/write-off",
        currency="CNY",
        reason="Customer was defrauded; the bank confirmed",
    )
    assert asked.status_code == 303
    again = _post(client, f"/console/cases/{case_id}/write-off", currency="CNY", reason="again")
    assert again.status_code == 422 and "already waiting for approval" in again.text
    assert _ledger(app, people.customer) == (0, -25_000, 0)  # nothing moves before approval
    with session_scope(app.state.sessionmaker) as db:
        approval_id = db.scalar(select(Approval.id))
        with pytest.raises(Forbidden):  # an agent asks, only a supervisor decides
            approvals.decide(
                db, approval_id=approval_id, staff=db.get(User, people.agent.id), approve=True
            )

    sign_in(client, people.supervisor)
    assert _post(client, f"/console/approvals/{approval_id}/approve").status_code == 303
    # Suspense is settled from the loss account; the customer's money is untouched.
    assert _ledger(app, people.customer) == (0, 0, -25_000)
    with session_scope(app.state.sessionmaker) as db:
        assert not risk.is_frozen(db, user_id=people.customer.id)
        assert owed.owed_by_currency(db, user_id=people.customer.id) == {}
        approval = db.get(Approval, approval_id)
        replay = approvals.get_kind("write_off").execute(db, approval, approval.decided_by)
        assert replay == approval.result == {**replay, "written_off_minor": 25_000}
    assert _ledger(app, people.customer) == (0, 0, -25_000)  # carried out again: nothing more
    timeline = _timeline(app, case_id)
    assert "Sup S wrote off 250.00 CNY the customer owed after a chargeback" in timeline
    assert any("System lifted the freeze" in line for line in timeline)
    sign_in(client, people.customer)
    assert "Owed after a chargeback" not in client.get("/wallet?lang=en").text
    security = client.get("/security?lang=en").text  # the customer is told
    assert "We waived the 250.00 CNY you owed after a chargeback" in security
    with session_scope(app.state.sessionmaker) as db:
        deposit = db.scalar(select(WalletTransaction.public_id).where(_reversed))
    shown = client.get(f"/wallet/transactions/{deposit}?lang=en").text
    for label, amount in (("Owed after the chargeback", "250.00"), ("Waived by us", "250.00")):
        assert re.search(rf"<dt>{label}</dt><dd[^>]*>{re.escape(amount)} CNY</dd>", shown)
    assert re.search(r"<dt>Still owed</dt><dd[^>]*>0.00 CNY</dd>", shown)


def test_only_what_is_still_owed_is_written_off(app, people):
    case_id = charged_back_after_spending(app, people, deposit=30_000, spent=25_000)
    with session_scope(app.state.sessionmaker) as db:
        approval = owed.request_write_off(
            db,
            staff=db.get(User, people.agent.id),
            customer_id=people.customer.id,
            currency="CNY",
            reason="Small balance, not worth collecting",
            case_id=case_id,
        )
        approval_id = approval.id
        assert approval.payload == {"amount_minor": 25_000, "currency": "CNY"}
    with session_scope(app.state.sessionmaker) as db:  # 100.00 comes in meanwhile: repaid
        wallet.post_deposit(
            db,
            user_id=people.customer.id,
            method="bank_card",
            amount_minor=10_000,
            currency="CNY",
            idempotency_key="arrives-meanwhile",
        )
        assert owed.repay(db, user_id=people.customer.id, currency="CNY") == 10_000
    with session_scope(app.state.sessionmaker) as db:
        decided = approvals.decide(
            db, approval_id=approval_id, staff=db.get(User, people.supervisor.id), approve=True
        )
        assert decided.result["written_off_minor"] == 15_000
    assert _ledger(app, people.customer) == (0, 0, -15_000)
    with session_scope(app.state.sessionmaker) as db, pytest.raises(ValidationFailed) as err:
        owed.request_write_off(
            db,
            staff=db.get(User, people.agent.id),
            customer_id=people.customer.id,
            currency="CNY",
            reason="Nothing left",
        )
    assert err.value.field == "currency"
