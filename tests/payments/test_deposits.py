"""Deposits through the sandbox provider: the signed webhook credits once, and every failure
mode leaves the balance as the customer would expect."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import httpx
from sqlalchemy import select, text

from tests.conftest import bearer, sign_in
from tests.payments.conftest import (
    WEBHOOK_SECRET,
    available,
    provider_says,
    tx_status,
    verify_kyc,
    wait_for,
)
from tests.risk.conftest import alert_kinds
from tests.wallet.conftest import postgres_only
from walletdesk.db import session_scope, utcnow
from walletdesk.payments.deposits import expire_unconfirmed_deposits
from walletdesk.payments.dispatch import gateway_of, send
from walletdesk.payments.signing import signed_headers
from walletdesk.risk import service as risk
from walletdesk.wallet import service as wallet
from walletdesk.wallet import transfers
from walletdesk.wallet.ledger import verify_ledger
from walletdesk.wallet.transactions import WalletTransaction

CARD = "6222 0212 3456 7890 128"  # Luhn-valid test number


def _card(client, headers, number: str = CARD) -> int:
    response = client.post(
        "/api/v1/payments/methods",
        json={"kind": "bank_card", "number": number, "bank_name": "ICBC"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _deposit(client, headers, amount: str, method_id: int) -> dict:
    response = client.post(
        "/api/v1/payments/deposits",
        json={"method": "bank_card", "amount": amount, "payment_method_id": method_id},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _final(app, public_id: str) -> str:
    wait_for(lambda: tx_status(app, public_id) in ("succeeded", "failed"))
    return tx_status(app, public_id)


def test_card_deposit_credits_once_even_when_the_webhook_comes_twice(
    app, client, people, sandbox, live
):
    headers = bearer(client, people.customer)
    method_id = _card(client, headers)
    tx = _deposit(client, headers, "100.54", method_id)  # .54: delivered twice
    assert tx["status"] == "processing"
    assert _final(app, tx["public_id"]) == "succeeded"
    wait_for(lambda: len(sandbox.state.deliveries) == 2)
    assert [d.status for d in sandbox.state.deliveries] == [200, 200]
    # And a third, replayed by hand: still no second credit.
    again = sandbox.state.deliveries[0]
    replay = httpx.post(again.url, content=again.body, headers=again.headers)
    assert replay.json() == {"result": "duplicate"}
    assert available(app, people.customer) == 10054
    with session_scope(app.state.sessionmaker) as s:
        assert verify_ledger(s).problems == []


def test_declined_card_fails_without_moving_money(app, client, people, sandbox, live):
    headers = bearer(client, people.customer)
    tx = _deposit(client, headers, "100.51", _card(client, headers))
    assert _final(app, tx["public_id"]) == "failed"
    body = client.get("/api/v1/payments/deposits/" + tx["public_id"], headers=headers).json()
    assert body["failure_code"] == "insufficient_funds"
    assert available(app, people.customer) == 0


def test_magic_declined_card_number_fails(app, client, people, sandbox, live):
    headers = bearer(client, people.customer)
    method_id = _card(client, headers, "4000000000000002")
    tx = _deposit(client, headers, "20.00", method_id)
    assert _final(app, tx["public_id"]) == "failed"
    assert available(app, people.customer) == 0


def test_provider_outage_fails_with_reason(app, client, people, sandbox, live):
    headers = bearer(client, people.customer)
    tx = _deposit(client, headers, "100.53", _card(client, headers))
    # The charge was sent right after the request committed, before the response.
    assert tx_status(app, tx["public_id"]) == "failed"
    body = client.get("/api/v1/payments/deposits/" + tx["public_id"], headers=headers).json()
    assert body["failure_code"] == "provider_outage"
    assert sandbox.state.operations == {}
    assert available(app, people.customer) == 0


def test_timeout_stays_processing_then_the_webhook_credits_once(app, client, people, sandbox, live):
    headers = bearer(client, people.customer)
    sandbox.state.delay_seconds = 2.5  # the webhook comes after walletdesk gave up waiting
    tx = _deposit(client, headers, "100.52", _card(client, headers))
    shown = client.get("/api/v1/payments/deposits/" + tx["public_id"], headers=headers).json()
    assert shown["status"] == "processing"
    assert [s["status"] for s in shown["steps"]] == ["processing", "provider_timeout"]
    assert available(app, people.customer) == 0
    assert _final(app, tx["public_id"]) == "succeeded"
    # Reconciling sends the charge again: the provider knows it, no second webhook or credit.
    with session_scope(app.state.sessionmaker) as s:
        tx_id = s.scalars(select(WalletTransaction.id)).one()
    answer = send(gateway_of(app), tx_id=tx_id)
    assert answer.outcome in ("accepted", "timeout")
    assert len(sandbox.state.deliveries) == 1
    assert available(app, people.customer) == 10052


def test_unconfirmed_deposit_is_shown_as_not_received(app, client, people, sandbox, live):
    headers = bearer(client, people.customer)
    tx = _deposit(client, headers, "100.55", _card(client, headers))  # .55: never confirmed
    with session_scope(app.state.sessionmaker) as s:
        assert expire_unconfirmed_deposits(s, now=utcnow(), timeout_seconds=3600) == 0
        later = utcnow() + timedelta(seconds=61)
        assert expire_unconfirmed_deposits(s, now=later, timeout_seconds=60) == 1
    assert tx_status(app, tx["public_id"]) == "failed"
    sign_in(client, people.customer)
    page = client.get(f"/wallet/deposit/{tx['public_id']}?lang=en")
    assert page.status_code == 200
    assert "/help/articles/deposit-not-received" in page.text
    assert "/portal/cases/new?category=deposit_withdrawal" in page.text
    assert "We have not received this deposit" in page.text


def _event(ref: str, reference: str, amount_minor: int = 1000) -> bytes:
    return json.dumps(
        {
            "event": "charge.succeeded",
            "provider_ref": ref,
            "reference": reference,
            "amount_minor": amount_minor,
            "currency": "CNY",
            "status": "succeeded",
        }
    ).encode()


def test_webhook_for_an_unknown_payment_is_ignored(app, client, people, sandbox, live):
    body = _event("sbx_ch_nobody", "D000")
    response = client.post(
        "/api/v1/payments/webhooks/bank_card",
        content=body,
        headers=signed_headers(WEBHOOK_SECRET, body),
    )
    assert response.status_code == 202
    assert response.json() == {"result": "ignored"}
    with session_scope(app.state.sessionmaker) as s:
        assert s.execute(text("SELECT count(*) FROM wallet_entries")).scalar_one() == 0


def test_forged_tampered_and_stale_webhooks_are_refused(app, client, people, sandbox, live):
    headers = bearer(client, people.customer)
    tx = _deposit(client, headers, "10.55", _card(client, headers))  # never confirmed
    (known,) = sandbox.state.operations.values()
    body = _event(known["provider_ref"], tx["public_id"], amount_minor=1055)
    forged = signed_headers("not-the-secret", body)
    tampered = signed_headers(WEBHOOK_SECRET, body)
    stale = signed_headers(WEBHOOK_SECRET, body, timestamp=int(utcnow().timestamp()) - 301)
    for sent, headers_ in ((body, forged), (body.replace(b"1055", b"9955"), tampered)):
        response = client.post(
            "/api/v1/payments/webhooks/bank_card", content=sent, headers=headers_
        )
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "bad_signature"
    response = client.post("/api/v1/payments/webhooks/bank_card", content=body, headers=stale)
    assert response.status_code == 401
    assert tx_status(app, tx["public_id"]) == "processing"
    assert available(app, people.customer) == 0
    # The genuine one still works afterwards.
    response = client.post(
        "/api/v1/payments/webhooks/bank_card",
        content=body,
        headers=signed_headers(WEBHOOK_SECRET, body),
    )
    assert response.json() == {"result": "settled"}
    assert available(app, people.customer) == 1055


def test_usdt_deposit_to_the_customers_address(app, client, people, sandbox, live):
    headers = bearer(client, people.customer)
    response = client.post(
        "/api/v1/payments/deposits",
        json={"method": "crypto", "amount": "25.5", "currency": "USDT"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    tx = response.json()
    assert tx["counterparty"].startswith("T") and tx["amount_minor"] == 25_500_000
    assert _final(app, tx["public_id"]) == "succeeded"
    assert available(app, people.customer, "USDT") == 25_500_000
    refused = client.post(
        "/api/v1/payments/deposits",
        json={"method": "crypto", "amount": "25.5", "currency": "CNY"},
        headers=headers,
    )
    assert refused.status_code == 422


def test_simulate_payments_command_is_a_typer_app():
    from typer.testing import CliRunner

    from walletdesk.payments.cli import payments_app

    result = CliRunner().invoke(payments_app, ["--help"])
    assert result.exit_code == 0
    assert "--port" in result.output


def test_a_charge_unanswered_then_unreachable_on_resend_is_still_credited(
    app, client, people, sandbox, live
):
    headers = bearer(client, people.customer)
    sandbox.state.delay_seconds = 3.0  # the webhook comes after walletdesk gave up waiting
    tx = _deposit(client, headers, "100.52", _card(client, headers))
    assert tx_status(app, tx["public_id"]) == "processing"
    # The reconcile job resends while the provider cannot be reached at all.
    gateway = gateway_of(app)
    unreachable = replace(gateway.psettings, sandbox_url="http://127.0.0.1:9")
    with session_scope(app.state.sessionmaker) as s:
        tx_id = s.scalars(select(WalletTransaction.id)).one()
    answer = send(replace(gateway, psettings=unreachable), tx_id=tx_id)
    assert answer.failure_code == "provider_outage"
    assert tx_status(app, tx["public_id"]) == "processing"
    # The original charge's webhook then arrives: the customer is credited.
    assert _final(app, tx["public_id"]) == "succeeded"
    assert available(app, people.customer) == 10052


def test_a_deposit_given_up_as_not_received_is_credited_when_it_arrives(
    app, client, people, sandbox, live
):
    headers = bearer(client, people.customer)
    sandbox.state.delay_seconds = 60.0  # the provider's own webhook comes only after we gave up
    tx = _deposit(client, headers, "100.52", _card(client, headers))
    with session_scope(app.state.sessionmaker) as s:
        later = utcnow() + timedelta(seconds=61)
        assert expire_unconfirmed_deposits(s, now=later, timeout_seconds=60) == 1
    assert tx_status(app, tx["public_id"]) == "failed"
    charge = sandbox.state.operations[("bank_card", "charges", tx["public_id"])]
    provider_says(
        client,
        event="charge.succeeded",
        ref=charge["provider_ref"],
        reference=tx["public_id"],
        amount_minor=10052,
        status="succeeded",
    )
    assert tx_status(app, tx["public_id"]) == "succeeded"
    assert available(app, people.customer) == 10052
    with session_scope(app.state.sessionmaker) as s:
        assert verify_ledger(s).problems == []


@postgres_only  # SQLite runs one writer at a time: the two cannot overlap there
def test_a_deposit_being_confirmed_is_not_given_up_on_meanwhile(app, client, people, sandbox, live):
    headers = bearer(client, people.customer)
    sandbox.state.delay_seconds = 60.0
    tx = _deposit(client, headers, "100.52", _card(client, headers))
    later = utcnow() + timedelta(seconds=61)
    with session_scope(app.state.sessionmaker) as webhook:
        # The confirmation holds the row while it settles, as receive_webhook does.
        webhook.execute(
            select(WalletTransaction)
            .where(WalletTransaction.public_id == tx["public_id"])
            .with_for_update()
        ).one()
        with session_scope(app.state.sessionmaker) as job:
            job.execute(text("SET LOCAL lock_timeout = '3s'"))  # waiting on it would fail
            assert expire_unconfirmed_deposits(job, now=later, timeout_seconds=60) == 0
    assert tx_status(app, tx["public_id"]) == "processing"


def _reversal(client, ref: str, reference: str, amount_minor: int) -> dict:
    return provider_says(
        client,
        event="charge.reversed",
        ref=ref,
        reference=reference,
        amount_minor=amount_minor,
        status="reversed",
    )


def test_a_chargeback_takes_the_deposit_back_once(app, client, people, sandbox, live):
    sandbox.state.reversal_delay_seconds = 1.5  # well after the confirmation
    headers = bearer(client, people.customer)
    tx = _deposit(client, headers, "100.56", _card(client, headers))  # .56: charged back later
    assert _final(app, tx["public_id"]) == "succeeded"
    wait_for(lambda: tx_status(app, tx["public_id"]) == "reversed")
    assert available(app, people.customer) == 0
    (known,) = sandbox.state.operations.values()
    # The provider repeats itself: nothing more is taken.
    assert _reversal(client, known["provider_ref"], tx["public_id"], 10_056) == {
        "result": "duplicate"
    }
    assert available(app, people.customer) == 0
    with session_scope(app.state.sessionmaker) as s:
        assert verify_ledger(s).problems == []
    sign_in(client, people.customer)
    shown = client.get(f"/wallet/transactions/{tx['public_id']}?lang=en").text
    assert "Reversed" in shown and "took this deposit back (a chargeback)" in shown
    with session_scope(app.state.sessionmaker) as s:
        assert not risk.is_frozen(s, user_id=people.customer.id)
    assert "transaction_reversed" in alert_kinds(app, people.customer)


def test_a_chargeback_of_spent_money_is_owed_and_freezes_the_account(
    app, client, people, sandbox, live
):
    headers = bearer(client, people.customer)
    card = _card(client, headers)
    tx = _deposit(client, headers, "300.00", card)
    assert _final(app, tx["public_id"]) == "succeeded"
    with session_scope(app.state.sessionmaker) as s:  # 250.00 of it sent on to a friend
        wallet.post_transfer(
            s,
            from_user_id=people.customer.id,
            to_user_id=people.other_customer.id,
            amount_minor=25_000,
            currency="CNY",
            idempotency_key="spent-before-chargeback",
        )
    (known,) = sandbox.state.operations.values()
    assert _reversal(client, known["provider_ref"], tx["public_id"], 30_000) == {
        "result": "settled"
    }
    # The 50.00 left is taken; the 250.00 spent is owed (suspense), never a negative balance.
    assert tx_status(app, tx["public_id"]) == "reversed"
    assert available(app, people.customer) == 0
    with session_scope(app.state.sessionmaker) as s:
        assert verify_ledger(s).problems == []
        assert wallet.system_balance(s, code="suspense", currency="CNY") == -25_000
        (freeze,) = risk.active_freezes(s, user_id=people.customer.id)
        assert freeze.rule == "chargeback_owed" and freeze.case_id is not None
    sign_in(client, people.customer)
    page = client.get("/wallet?lang=en").text
    assert "after the money had been used; the amount owed has to be settled" in page
    assert "Owed after a chargeback: 250.00 CNY" in page
    (balance,) = client.get("/api/v1/wallet/balances", headers=headers).json()
    assert (balance["available_minor"], balance["owed_minor"]) == (0, 25_000)

    # Money coming in repays it first: 100.00 of it now, still frozen...
    first = _deposit(client, headers, "100.00", card)
    assert _final(app, first["public_id"]) == "succeeded"
    assert available(app, people.customer) == 0
    with session_scope(app.state.sessionmaker) as s:
        assert risk.is_frozen(s, user_id=people.customer.id)
        case_id = risk.active_freezes(s, user_id=people.customer.id)[0].case_id
    sign_in(client, people.agent)  # the agent sees on the case what is still owed
    panel = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Owed after a chargeback" in panel and "150.00 CNY" in panel
    # ...and the rest from a transfer received; then the freeze lifts by itself.
    verify_kyc(app, people.other_customer, "basic")
    with session_scope(app.state.sessionmaker) as s:
        wallet.post_deposit(
            s,
            user_id=people.other_customer.id,
            method="bank_card",
            amount_minor=20_000,
            currency="CNY",
            idempotency_key="friend-funds",
        )
        transfers.confirm_transfer(
            s,
            sender_id=people.other_customer.id,
            recipient_id=people.customer.id,
            amount_minor=20_000,
            currency="CNY",
            idempotency_key="friend-pays-back",
        )
    assert available(app, people.customer) == 5_000  # 200.00 in, 150.00 of it repaid
    with session_scope(app.state.sessionmaker) as s:
        assert not risk.is_frozen(s, user_id=people.customer.id)
        assert wallet.system_balance(s, code="suspense", currency="CNY") == 0
        assert verify_ledger(s).problems == []
    sign_in(client, people.customer)
    assert "Owed after a chargeback" not in client.get("/wallet?lang=en").text
    history = client.get("/wallet/transactions?kind=repayment&lang=en").text
    assert "Repayment of money owed" in history
    assert "-100.00 CNY" in history and "-150.00 CNY" in history
    sign_in(client, people.agent)
    case = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "System lifted the freeze, its cause is settled: Money owed after a chargeback" in case


def test_a_deposit_key_sent_again_returns_the_first_and_refuses_another_amount(
    app, client, people, sandbox, live
):
    headers = {**bearer(client, people.customer), "Idempotency-Key": "dep-key-0001"}
    method_id = _card(client, headers)
    first = _deposit(client, headers, "100.00", method_id)
    again = _deposit(client, headers, "100.00", method_id)
    assert again["public_id"] == first["public_id"]
    other = client.post(
        "/api/v1/payments/deposits",
        json={"method": "bank_card", "amount": "200.00", "payment_method_id": method_id},
        headers=headers,
    )
    assert other.status_code == 409, other.text
    assert other.json()["error"]["field"] == "idempotency_key"
    assert _final(app, first["public_id"]) == "succeeded"
    assert available(app, people.customer) == 10_000  # credited once
    with session_scope(app.state.sessionmaker) as s:
        kinds = s.scalars(select(WalletTransaction.kind)).all()
        assert kinds == ["deposit"]
