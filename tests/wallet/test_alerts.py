"""Transaction alerts as the customer gets them: a text in their language and an alert on their
security page when money arrives, leaves or fails, nothing when they turned alerts off, and
nothing for a change that was rolled back. Payments go through the sandbox over real HTTP.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from tests.conftest import bearer, csrf_of, sign_in
from tests.payments import conftest as payments
from tests.payments.conftest import tx_status, verify_kyc, wait_for
from walletdesk.db import session_scope
from walletdesk.identity import sms
from walletdesk.identity.messages import TRANSACTION_ALERT_LABELS
from walletdesk.identity.models import SecurityAlert, User
from walletdesk.wallet import service as wallet
from walletdesk.wallet import transfers

# The payments fixtures (the sandbox provider, this app served over HTTP for its webhooks).
settings, sandbox = payments.settings, payments.sandbox
live, live_port = payments.live, payments.live_port
pytestmark = pytest.mark.usefixtures("live")

CARD = "6222 0212 3456 7890 128"  # Luhn-valid test number
CUSTOMER_PHONE = "+8613800138000"
OTHER_PHONE = "+8613900139000"


def alert_texts(app, phone: str) -> list[str]:
    """Transaction texts the sandbox SMS provider sent to `phone`, oldest first."""
    with session_scope(app.state.sessionmaker) as db:
        return [m.body for m in reversed(sms.outbox(db, phone=phone)) if m.kind.startswith("tx_")]


def alert_kinds(app, user: User) -> list[str]:
    with session_scope(app.state.sessionmaker) as db:
        query = select(SecurityAlert.kind).where(
            SecurityAlert.user_id == user.id,
            SecurityAlert.kind.in_(TRANSACTION_ALERT_LABELS),  # not sign-in alerts
        )
        return list(db.scalars(query.order_by(SecurityAlert.id)))


def fund(app, user: User, amount_minor: int) -> None:
    """Money already in the wallet, straight into the ledger (no transaction: no alert)."""
    with session_scope(app.state.sessionmaker) as db:
        wallet.post_deposit(
            db,
            user_id=user.id,
            method="bank_card",
            amount_minor=amount_minor,
            currency="CNY",
            idempotency_key=f"alerts-fund:{user.id}",
        )


def deposit(client, headers, amount: str) -> str:
    card = client.post(
        "/api/v1/payments/methods",
        json={"kind": "bank_card", "number": CARD, "bank_name": "ICBC"},
        headers=headers,
    )
    assert card.status_code == 201, card.text
    made = client.post(
        "/api/v1/payments/deposits",
        json={"method": "bank_card", "amount": amount, "payment_method_id": card.json()["id"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["public_id"])


def test_a_credited_deposit_texts_the_customer(app, client, people):
    public_id = deposit(client, bearer(client, people.customer), "100.00")
    wait_for(lambda: len(alert_texts(app, CUSTOMER_PHONE)) == 1)
    [text] = alert_texts(app, CUSTOMER_PHONE)
    assert text == f"[WalletDesk] 您充值的 100.00 CNY 已到账。交易号 {public_id}"
    assert tx_status(app, public_id) == "succeeded"
    assert "7890" not in text and "6222" not in text  # no part of the card number
    sign_in(client, people.customer)
    page = client.get("/security?lang=en")
    assert f"Your deposit of 100.00 CNY was credited to your wallet. Ref. {public_id}" in page.text


def test_a_declined_deposit_texts_the_reason_in_plain_words(app, client, people):
    with session_scope(app.state.sessionmaker) as db:
        db.execute(update(User).where(User.id == people.customer.id).values(lang="en"))
    public_id = deposit(client, bearer(client, people.customer), "100.51")  # .51: declined
    wait_for(lambda: len(alert_texts(app, CUSTOMER_PHONE)) == 1)
    assert alert_texts(app, CUSTOMER_PHONE) == [
        "[WalletDesk] Your deposit of 100.51 CNY did not go through: The bank or payment app "
        "declined it: not enough money in that account. Nothing was charged. "
        f"Ref. {public_id}"
    ]
    assert alert_kinds(app, people.customer) == ["deposit_failed"]


def test_no_alert_when_the_customer_turned_them_off(app, client, people, sandbox):
    headers = bearer(client, people.customer)
    sign_in(client, people.customer)
    saved = client.post("/security/alerts", data={"csrf_token": csrf_of(client)})
    assert saved.status_code == 200, saved.text  # unticked: "text me" is off
    client.cookies.clear()
    public_id = deposit(client, headers, "100.00")
    wait_for(lambda: len(sandbox.state.deliveries) == 1)  # the webhook was answered
    assert tx_status(app, public_id) == "succeeded"
    assert alert_texts(app, CUSTOMER_PHONE) == []
    assert alert_kinds(app, people.customer) == []


def test_a_transfer_alerts_the_sender_and_the_receiver(app, client, people):
    verify_kyc(app, people.customer)
    fund(app, people.customer, 1000_00)
    with session_scope(app.state.sessionmaker) as db:
        db.execute(update(User).where(User.id == people.other_customer.id).values(lang="en"))
    sign_in(client, people.customer)
    form = {
        "csrf_token": csrf_of(client),
        "phone": "13900139000",
        "amount": "50",
        "currency": "CNY",
    }
    preview = client.post("/wallet/transfer", data=form)
    assert preview.status_code == 200, preview.text
    fields = dict(re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', preview.text))
    sent = client.post("/wallet/transfer/confirm", data=fields, follow_redirects=False)
    assert sent.status_code == 303
    [to_sender] = alert_texts(app, CUSTOMER_PHONE)
    [to_receiver] = alert_texts(app, OTHER_PHONE)
    assert to_sender.startswith("[WalletDesk] 您已向 *四 +86139****9000 转账 50.00 CNY。")
    assert "如非本人操作" in to_sender  # money left: what to do if it was not them
    assert to_receiver.startswith("[WalletDesk] You received 50.00 CNY from *三 +86138****8000.")
    assert alert_kinds(app, people.other_customer) == ["transfer_received"]


@pytest.mark.parametrize("how", ["exception", "rollback then commit"])
def test_a_rolled_back_transfer_texts_no_one(app, people, how):
    fund(app, people.customer, 1000_00)
    verify_kyc(app, people.customer)

    def pay(db) -> None:
        transfers.confirm_transfer(
            db,
            sender_id=people.customer.id,
            recipient_id=people.other_customer.id,
            amount_minor=50_00,
            currency="CNY",
            idempotency_key=f"rolled-back-{how}",
        )

    if how == "exception":
        with pytest.raises(RuntimeError), session_scope(app.state.sessionmaker) as db:
            pay(db)
            raise RuntimeError("something after the transfer failed")
    else:  # as a page does on an error: roll back, then commit the rest of the request
        with session_scope(app.state.sessionmaker) as db:
            pay(db)
            db.rollback()
    assert alert_texts(app, CUSTOMER_PHONE) == alert_texts(app, OTHER_PHONE) == []
    assert alert_kinds(app, people.customer) == alert_kinds(app, people.other_customer) == []
    with session_scope(app.state.sessionmaker) as db:  # and the same transfer committed does
        pay(db)
    assert len(alert_texts(app, OTHER_PHONE)) == 1


CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e]")


def alerts_on_page(client, lang: str) -> list[str]:
    page = client.get(f"/security?lang={lang}")
    assert page.status_code == 200
    return [
        re.sub(r"<[^>]+>", "", item).strip()
        for item in re.findall(r'<li class="[a-z]*" data-kind="[a-z_]+">(.*?)</li>', page.text)
    ]


def test_a_chinese_customers_alert_reads_in_english_on_an_english_page(app, client, people):
    public_id = deposit(client, bearer(client, people.customer), "100.51")  # declined
    wait_for(lambda: len(alert_texts(app, CUSTOMER_PHONE)) == 1)
    [text] = alert_texts(app, CUSTOMER_PHONE)
    assert not re.search(r"[A-Za-z]{4,}", text.replace("WalletDesk", "").replace(public_id, ""))
    sign_in(client, people.customer)
    english = alerts_on_page(client, "en")
    [failed] = [a for a in english if "did not go through" in a]
    assert "declined it: not enough money in that account" in failed
    assert not CJK.search(failed), failed
    [chinese] = [a for a in alerts_on_page(client, "zh") if public_id in a]
    assert CJK.search(chinese) and "declined" not in chinese


def test_risk_alerts_read_in_the_language_of_the_page(app, client, people):
    from walletdesk.risk import notify
    from walletdesk.risk.rules import REASONS

    with session_scope(app.state.sessionmaker) as db:
        user = db.get(User, people.customer.id)
        assert user is not None and user.lang == "zh"
        notify.frozen(db, user=user, reason=REASONS["velocity"], case="C7")
    sign_in(client, people.customer)
    [frozen] = [a for a in alerts_on_page(client, "en") if "frozen" in a]
    assert "Many payments left your account in a short time." in frozen
    assert not CJK.search(frozen), frozen
    [chinese] = alerts_on_page(client, "zh")[:1]
    assert CJK.search(chinese) and "Many payments" not in chinese
