"""Withdrawals: held at request, paid automatically below the review threshold, reviewed by a
supervisor above it, and released with the reason shown when rejected."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import bearer, csrf_of, sign_in, stepped_up
from tests.payments.conftest import (
    available,
    established,
    fund,
    tx_status,
    verify_kyc,
    wait_for,
)
from walletdesk.audit.models import AuditEntry
from walletdesk.db import session_scope
from walletdesk.wallet import service as wallet
from walletdesk.wallet.ledger import verify_ledger

CARD = "6222021234567890128"


CUSTOMER_PHONE = "+8613800138000"  # the people fixture's customer


def _setup(
    app, client, people, balance_minor: int, level: str = "advanced"
) -> tuple[dict[str, str], int]:
    verify_kyc(app, people.customer, level)
    established(app, people.customer)  # a new account's large withdrawal freezes it (tests/risk)
    fund(app, people.customer, balance_minor)
    headers = bearer(client, people.customer)
    response = client.post(
        "/api/v1/payments/methods",
        json={"kind": "bank_card", "number": CARD, "bank_name": "ICBC"},
        headers=headers,
    )
    assert response.status_code == 201
    return headers, int(response.json()["id"])


def _withdraw(client, headers, method_id: int, amount: str):
    """As the customer of `headers`, with the texted code when a step-up is asked for."""
    return stepped_up(
        client,
        client.app,
        CUSTOMER_PHONE,
        "/api/v1/payments/withdrawals",
        json={"payment_method_id": method_id, "amount": amount},
        headers=headers,
    )


def _held(app, people) -> int:
    with session_scope(app.state.sessionmaker) as s:
        return wallet.balances(s, user_id=people.customer.id)["CNY"].held_minor


def test_small_withdrawal_is_paid_without_review(app, client, people, sandbox, live):
    headers, method_id = _setup(app, client, people, 1_000_000)
    response = _withdraw(client, headers, method_id, "300.00")
    assert response.status_code == 201, response.text
    tx = response.json()
    assert [s["status"] for s in tx["steps"]] == ["pending", "risk_check", "approved"]
    assert [s["text"] for s in tx["steps"]] == ["已申请", "风险检查通过", "已自动审核通过"]
    wait_for(lambda: tx_status(app, tx["public_id"]) == "succeeded")
    assert available(app, people.customer) == 1_000_000 - 30_000
    assert _held(app, people) == 0
    with session_scope(app.state.sessionmaker) as s:
        assert verify_ledger(s).problems == []
        clearing = wallet.system_balance(s, code="clearing:bank_card", currency="CNY")
        assert clearing == -1_000_000 + 30_000  # funded by card, paid back out


def test_large_withdrawal_waits_for_a_supervisor(app, client, people, sandbox, live):
    headers, method_id = _setup(app, client, people, 6_000_000)
    tx = _withdraw(client, headers, method_id, "50000.00").json()
    assert tx["status"] == "pending"
    assert _held(app, people) == 5_000_000
    assert sandbox.state.operations == {}  # nothing paid out yet
    agent_headers = bearer(client, people.agent)
    queue = client.get("/api/v1/payments/staff/withdrawals", headers=agent_headers).json()
    assert [row["public_id"] for row in queue] == [tx["public_id"]]
    refused = client.post(
        f"/api/v1/payments/staff/withdrawals/{tx['public_id']}/approve", headers=agent_headers
    )
    assert refused.status_code == 403
    sup_headers = bearer(client, people.supervisor)
    approved = client.post(
        f"/api/v1/payments/staff/withdrawals/{tx['public_id']}/approve", headers=sup_headers
    )
    assert approved.status_code == 200
    wait_for(lambda: tx_status(app, tx["public_id"]) == "succeeded")
    assert _held(app, people) == 0
    assert available(app, people.customer) == 1_000_000
    with session_scope(app.state.sessionmaker) as s:
        actions = s.scalars(select(AuditEntry.action)).all()
        assert "withdrawal.approve" in actions
        assert verify_ledger(s).problems == []


def test_rejection_releases_the_funds_and_shows_the_reason(app, client, people, sandbox, live):
    headers, method_id = _setup(app, client, people, 6_000_000)
    tx = _withdraw(client, headers, method_id, "60000.00").json()
    sign_in(client, people.supervisor)
    page = client.get("/console/withdrawals?lang=en")
    assert tx["public_id"] in page.text and "Approve" in page.text
    token = csrf_of(client)
    client.post(
        f"/console/withdrawals/{tx['public_id']}/reject",
        data={"csrf_token": token, "reason": "Name on the card does not match"},
    )
    assert tx_status(app, tx["public_id"]) == "failed"
    assert _held(app, people) == 0
    assert available(app, people.customer) == 6_000_000
    shown = client.get(f"/api/v1/payments/withdrawals/{tx['public_id']}", headers=headers).json()
    assert shown["failure_code"] == "rejected"
    sign_in(client, people.customer)
    page = client.get(f"/wallet/withdraw/{tx['public_id']}?lang=en")
    assert "Name on the card does not match" in page.text
    assert "The held amount is back in your available balance." in page.text
    with session_scope(app.state.sessionmaker) as s:
        assert "withdrawal.reject" in s.scalars(select(AuditEntry.action)).all()


def test_agent_sees_the_queue_without_decision_buttons(app, client, people, sandbox, live):
    headers, method_id = _setup(app, client, people, 6_000_000)
    tx = _withdraw(client, headers, method_id, "50000.00").json()
    sign_in(client, people.agent)
    page = client.get("/console/withdrawals?lang=en")
    assert page.status_code == 200
    assert tx["public_id"] in page.text and "Approve" not in page.text
    sign_in(client, people.customer)
    assert client.get("/console/withdrawals").status_code == 403


def test_unverified_customer_cannot_withdraw(app, client, people, sandbox, live):
    fund(app, people.customer, 100_00)
    headers = bearer(client, people.customer)
    method = client.post(
        "/api/v1/payments/methods", json={"kind": "bank_card", "number": CARD}, headers=headers
    ).json()
    response = _withdraw(client, headers, method["id"], "10.00")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "kyc_required"
    assert _held(app, people) == 0


def test_withdrawal_beyond_the_balance_is_refused_on_the_page(app, client, people, sandbox, live):
    _, method_id = _setup(app, client, people, 100_00)
    sign_in(client, people.customer)
    response = client.post(
        "/wallet/withdraw?lang=en",
        data={"csrf_token": csrf_of(client), "payment_method_id": str(method_id), "amount": "500"},
    )
    assert response.status_code == 422
    assert "Insufficient available balance: 100.00 CNY available, 500.00 needed." in response.text
    assert _held(app, people) == 0


def test_a_basic_customer_cannot_withdraw_over_the_single_limit(app, client, people, sandbox, live):
    headers, method_id = _setup(app, client, people, 6_000_000, level="basic")
    response = _withdraw(client, headers, method_id, "50000.01")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "amount"
    assert _held(app, people) == 0


def test_the_fourth_domestic_withdrawal_of_the_month_pays_the_scheduled_fee(
    app, client, people, sandbox, live
):
    headers, method_id = _setup(app, client, people, 1_000_000)
    fees = [_withdraw(client, headers, method_id, "1000.00").json()["fee_minor"] for _ in range(4)]
    assert fees[:3] == [0, 0, 0]
    assert fees[3] == 200  # 0.1% of 1,000 CNY is 1 CNY, under the 2 CNY minimum


def test_a_withdrawal_key_sent_again_returns_the_first_and_refuses_another_amount(
    app, client, people, sandbox, live
):
    headers, method_id = _setup(app, client, people, 1_000_000)
    headers = {**headers, "Idempotency-Key": "wd-key-0001"}
    first = _withdraw(client, headers, method_id, "300.00")
    again = _withdraw(client, headers, method_id, "300.00")
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["public_id"] == first.json()["public_id"]
    other = _withdraw(client, headers, method_id, "301.00")
    assert other.status_code == 409, other.text
    assert other.json()["error"]["field"] == "idempotency_key"
    wait_for(lambda: tx_status(app, first.json()["public_id"]) == "succeeded")
    assert available(app, people.customer) == 1_000_000 - 30_000  # paid once
