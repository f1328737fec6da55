"""Withdrawals stuck at the provider: staff on the customer's case send the payout again or
cancel it (the held funds come back, the customer reads why); neither once the provider has
confirmed it, nor before it is stuck."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.cases.conftest import make_case
from tests.conftest import bearer, csrf_of, sign_in
from tests.payments.conftest import (
    available,
    fund,
    provider_says,
    tx_status,
    verify_kyc,
    wait_for,
)
from walletdesk.audit.models import AuditEntry
from walletdesk.cases import service as cases
from walletdesk.cases.display import Display
from walletdesk.cases.models import Case
from walletdesk.db import session_scope
from walletdesk.i18n import Translator
from walletdesk.payments.stuck import STUCK_AFTER
from walletdesk.wallet import service as wallet
from walletdesk.wallet.ledger import verify_ledger
from walletdesk.wallet.transactions import WalletTransaction

CARD = "6222021234567890128"
SILENT = "300.55"  # the sandbox accepts a payout with 55 cents and never confirms it


def _withdraw(app, client, people, amount: str) -> str:
    verify_kyc(app, people.customer, "advanced")
    fund(app, people.customer, 1_000_000)
    headers = bearer(client, people.customer)
    method = client.post(
        "/api/v1/payments/methods",
        json={"kind": "bank_card", "number": CARD, "bank_name": "ICBC"},
        headers=headers,
    ).json()
    response = client.post(
        "/api/v1/payments/withdrawals",
        json={"payment_method_id": method["id"], "amount": amount},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["public_id"])


def _age(app, public_id: str, by: timedelta = STUCK_AFTER + timedelta(minutes=1)) -> None:
    """As if the provider had been silent for `by` since the withdrawal's last step."""
    with session_scope(app.state.sessionmaker) as db:
        tx = db.scalar(select(WalletTransaction).where(WalletTransaction.public_id == public_id))
        assert tx is not None
        tx.created_at -= by
        for step in tx.steps:
            step.at -= by


def _steps(app, public_id: str) -> list[str]:
    with session_scope(app.state.sessionmaker) as db:
        tx = db.scalar(select(WalletTransaction).where(WalletTransaction.public_id == public_id))
        return [step.status for step in tx.steps]


def _post(client, path: str, **data):
    return client.post(
        path + "?lang=en", data={"csrf_token": csrf_of(client), **data}, follow_redirects=False
    )


def _timeline(app, case_id: int) -> list[str]:
    with session_scope(app.state.sessionmaker) as db:
        shown = Display(Translator("en"), tz="Asia/Shanghai", staff=True)
        events = cases.timeline(db, case=db.get(Case, case_id))
        return [shown.event(e) for e in events if e.type == "action"]


def _held(app, people) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return wallet.balances(db, user_id=people.customer.id)["CNY"].held_minor


def test_cancelling_a_stuck_withdrawal_returns_the_held_funds(app, client, people, sandbox):
    public_id = _withdraw(app, client, people, SILENT)
    assert tx_status(app, public_id) == "processing" and _held(app, people) > 0
    assert available(app, people.customer) < 1_000_000
    case_id = make_case(app, people.customer)
    sign_in(client, people.agent)
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Stuck withdrawals" not in page  # the provider may still answer
    refused = _post(
        client, f"/console/cases/{case_id}/withdrawals/{public_id}/cancel", reason="No answer"
    )
    assert refused.status_code == 409 and "give the provider more time" in refused.text

    _age(app, public_id)
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Stuck withdrawals" in page and "Cancel and return the funds" in page
    no_reason = _post(client, f"/console/cases/{case_id}/withdrawals/{public_id}/cancel")
    assert no_reason.status_code == 422 and tx_status(app, public_id) == "processing"
    done = _post(
        client,
        f"/console/cases/{case_id}/withdrawals/{public_id}/cancel",
        reason="Provider silent for an hour, customer asked to cancel",
    )
    assert done.status_code == 303
    assert tx_status(app, public_id) == "failed"
    assert _held(app, people) == 0 and available(app, people.customer) == 1_000_000
    with session_scope(app.state.sessionmaker) as db:
        assert verify_ledger(db).problems == []
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "withdrawal.cancel"))
        assert entry is not None and entry.actor_id == people.agent.id
        assert entry.subject_id == public_id
    assert _timeline(app, case_id) == [
        f"Agent A cancelled the stuck withdrawal {public_id}; the funds are back "
        "(Provider silent for an hour, customer asked to cancel)"
    ]
    sign_in(client, people.customer)
    shown = client.get(f"/wallet/transactions/{public_id}?lang=en").text
    assert "did not confirm this withdrawal for too long" in shown
    zh = client.get(f"/wallet/transactions/{public_id}?lang=zh").text
    assert "客服已将其取消，资金已退回您的钱包" in zh
    # Cancelled once is cancelled: a second try changes nothing.
    sign_in(client, people.agent)
    again = _post(
        client, f"/console/cases/{case_id}/withdrawals/{public_id}/cancel", reason="again"
    )
    assert again.status_code == 409 and available(app, people.customer) == 1_000_000


def test_retry_sends_the_stuck_payout_to_the_provider_again(app, client, people, sandbox):
    public_id = _withdraw(app, client, people, SILENT)
    assert _steps(app, public_id).count("submitted") == 1
    case_id = make_case(app, people.customer)
    _age(app, public_id)
    sign_in(client, people.customer)
    assert (
        _post(client, f"/console/cases/{case_id}/withdrawals/{public_id}/retry").status_code == 403
    )
    sign_in(client, people.agent)
    done = _post(client, f"/console/cases/{case_id}/withdrawals/{public_id}/retry")
    assert done.status_code == 303
    steps = _steps(app, public_id)
    assert steps[-2:] == ["resent", "submitted"]  # sent, and the provider answered again
    assert len(sandbox.state.operations) == 1  # same reference: the provider pays it once
    assert tx_status(app, public_id) == "processing"
    with session_scope(app.state.sessionmaker) as db:
        actions = db.scalars(select(AuditEntry.action)).all()
        assert "withdrawal.retry" in actions
    assert _timeline(app, case_id) == [
        f"Agent A sent the stuck withdrawal {public_id} to the provider again"
    ]
    # The retry is the provider's last news: it is not stuck again until time passes.
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Stuck withdrawals" not in page


def test_a_confirmed_withdrawal_cannot_be_cancelled(app, client, people, sandbox, live):
    public_id = _withdraw(app, client, people, "300.00")
    wait_for(lambda: tx_status(app, public_id) == "succeeded")
    paid = available(app, people.customer)
    _age(app, public_id)
    case_id = make_case(app, people.customer)
    sign_in(client, people.agent)
    refused = _post(
        client, f"/console/cases/{case_id}/withdrawals/{public_id}/cancel", reason="Customer asks"
    )
    assert refused.status_code == 409
    assert "The provider already confirmed this withdrawal." in refused.text
    retried = _post(client, f"/console/cases/{case_id}/withdrawals/{public_id}/retry")
    assert retried.status_code == 409
    assert tx_status(app, public_id) == "succeeded" and available(app, people.customer) == paid
    with session_scope(app.state.sessionmaker) as db:
        actions = db.scalars(select(AuditEntry.action)).all()
        assert "withdrawal.cancel" not in actions and "withdrawal.retry" not in actions


def test_another_customers_withdrawal_is_not_found_from_this_case(app, client, people, sandbox):
    public_id = _withdraw(app, client, people, SILENT)
    _age(app, public_id)
    other_case = make_case(app, people.other_customer)
    sign_in(client, people.agent)
    refused = _post(
        client, f"/console/cases/{other_case}/withdrawals/{public_id}/cancel", reason="x"
    )
    assert refused.status_code == 404 and tx_status(app, public_id) == "processing"


def _payout_webhook(client, public_id: str, ref: str, amount_minor: int) -> dict:
    return provider_says(
        client,
        event="payout.succeeded",
        ref=ref,
        reference=public_id,
        amount_minor=amount_minor,
        status="succeeded",
    )


def test_a_payout_paid_after_it_was_cancelled_goes_to_staff_on_a_case(app, client, people, sandbox):
    public_id = _withdraw(app, client, people, SILENT)
    (operation,) = sandbox.state.operations.values()
    _age(app, public_id)
    case_id = make_case(app, people.customer)
    sign_in(client, people.agent)
    _post(
        client,
        f"/console/cases/{case_id}/withdrawals/{public_id}/cancel",
        reason="Provider silent for an hour",
    )
    assert available(app, people.customer) == 1_000_000

    # The provider paid it after all: nothing is taken from the customer's balance, and the
    # ledger stays as it was; staff get a case with the payout's details.
    late = _payout_webhook(client, public_id, operation["provider_ref"], 30_055)
    assert late == {"result": "settled"}
    assert tx_status(app, public_id) == "failed"
    assert available(app, people.customer) == 1_000_000
    assert _steps(app, public_id)[-1] == "paid_after_failure"
    with session_scope(app.state.sessionmaker) as db:
        assert verify_ledger(db).problems == []
        (case,) = db.scalars(select(Case).where(Case.channel == "risk")).all()
        assert case.customer_id == people.customer.id and case.priority == "high"
        assert case.details["transaction_id"] == public_id
        assert case.details["provider_ref"] == operation["provider_ref"]
        assert public_id in case.subject and "300.55 CNY" in case.description
        actions = db.scalars(select(AuditEntry.action)).all()
        assert "payout.paid_after_failure" in actions
    # The provider repeats itself: still one case.
    again = _payout_webhook(client, public_id, operation["provider_ref"], 30_055)
    assert again == {"result": "duplicate"}
    with session_scope(app.state.sessionmaker) as db:
        assert len(db.scalars(select(Case).where(Case.channel == "risk")).all()) == 1
    sign_in(client, people.customer)
    shown = client.get(f"/wallet/transactions/{public_id}?lang=en").text
    assert "paid after it had failed; our staff are checking it" in shown
