"""Transfers between customers as the sender sees them: by phone or receive code, the preview,
paying once on a double submit, limits by verification level and the refusals."""

from __future__ import annotations

import re
import time
import uuid

import yaml
from sqlalchemy import select, update

from tests.conftest import PASSWORD, bearer, csrf_of, sign_in, stepped_up
from walletdesk.db import session_scope, utcnow
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.wallet import service as wallet
from walletdesk.wallet import transfers
from walletdesk.wallet.transactions import WalletTransaction


def fund(app, user, amount_minor, currency="CNY"):
    with session_scope(app.state.sessionmaker) as db:
        wallet.post_deposit(
            db,
            user_id=user.id,
            method="bank_card",
            amount_minor=amount_minor,
            currency=currency,
            idempotency_key=f"fund-{uuid.uuid4().hex}",
        )


def set_user(app, user, **values):
    with session_scope(app.state.sessionmaker) as db:
        db.execute(update(User).where(User.id == user.id).values(**values))


def available(app, user, currency="CNY"):
    with session_scope(app.state.sessionmaker) as db:
        found = wallet.balances(db, user_id=user.id).get(currency)
        return found.available_minor if found else 0


def preview_form(client, **fields):
    data = {"csrf_token": csrf_of(client), "currency": "CNY", **fields}
    return client.post("/wallet/transfer?lang=en", data=data)


def confirm_form(client, preview_html):
    fields = dict(re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', preview_html))
    return client.post("/wallet/transfer/confirm", data=fields, follow_redirects=False)


def test_transfer_by_phone_in_any_format_previews_then_pays_once(app, client, people):
    set_user(app, people.customer, kyc_level="basic")
    fund(app, people.customer, 100_000)
    sign_in(client, people.customer)
    preview = preview_form(client, phone="+86 139-0013-9000", amount="250.50")
    assert preview.status_code == 200, preview.text
    assert "*四" in preview.text and "+86139****9000" in preview.text  # masked recipient
    assert "250.50 CNY" in preview.text and "0.00 CNY" in preview.text  # amount and fee
    assert "1000.00 CNY of 100000.00 CNY" not in preview.text
    assert "100000.00 CNY of 100000.00 CNY today" in preview.text  # limits left
    assert available(app, people.customer) == 100_000  # nothing paid yet
    first = confirm_form(client, preview.text)
    again = confirm_form(client, preview.text)  # double submit of the same form
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert available(app, people.customer) == 100_000 - 25_050
    assert available(app, people.other_customer) == 25_050
    done = client.get(first.headers["location"] + "&lang=en")
    assert "Transfer sent." in done.text and "-250.50 CNY" in done.text
    with session_scope(app.state.sessionmaker) as db:
        rows = db.scalars(select(WalletTransaction).order_by(WalletTransaction.id)).all()
        assert [(t.user_id, t.kind, t.status) for t in rows] == [
            (people.customer.id, "transfer_out", "succeeded"),
            (people.other_customer.id, "transfer_in", "succeeded"),
        ]


def test_transfer_by_receive_code_and_refused_codes(app, client, people):
    set_user(app, people.customer, kyc_level="basic")
    fund(app, people.customer, 100_000)
    headers = bearer(client, people.other_customer)
    code = client.get(
        "/api/v1/wallet/receive-code", params={"amount": "12.34"}, headers=headers
    ).json()["code"]
    payer = bearer(client, people.customer)
    body = {"code": code, "amount": "999", "idempotency_key": "k-" + uuid.uuid4().hex}
    preview = client.post("/api/v1/wallet/transfer/preview", json=body, headers=payer).json()
    assert (preview["amount"], preview["recipient_name"]) == ("12.34", "*四")  # code's amount
    paid = client.post("/api/v1/wallet/transfer", json=body, headers=payer)
    assert paid.status_code == 200 and paid.json()["kind"] == "transfer_out"
    assert available(app, people.other_customer) == 1_234
    secret = app.state.settings.signing_key()
    expired = transfers.make_receive_code(
        secret, user_id=people.other_customer.id, currency="CNY", now=time.time() - 601
    )
    tampered = code[:-3] + ("AAA" if code[-3:] != "AAA" else "BBB")
    forged = transfers.make_receive_code(
        "another-secret", user_id=people.other_customer.id, currency="CNY"
    )
    for bad, message in (
        (expired, "This receive code has expired. Ask for a new one."),
        (tampered, "This receive code is not valid."),
        (forged, "This receive code is not valid."),
    ):
        refused = client.post(
            "/api/v1/wallet/transfer?lang=en",
            json={**body, "code": bad, "idempotency_key": uuid.uuid4().hex},
            headers=payer,
        )
        assert refused.status_code == 422
        assert refused.json()["error"] == {
            "code": "validation_failed",
            "message": message,
            "field": "code",
        }
    assert available(app, people.other_customer) == 1_234


def test_receive_page_shows_qr_and_code_that_pays_the_customer(app, client, people):
    sign_in(client, people.other_customer)
    page = client.get("/wallet/receive?lang=en")
    assert page.status_code == 200 and "<svg" in page.text
    code = re.search(r'class="receive-code" rows="3" readonly>([^<]+)<', page.text).group(1)
    with session_scope(app.state.sessionmaker) as db:
        target = transfers.resolve_target(db, secret=app.state.settings.signing_key(), code=code)
        assert target.recipient.id == people.other_customer.id and target.amount_minor is None


def test_refusals_say_why_and_pay_nothing(app, client, people):
    fund(app, people.customer, 50_000)
    sign_in(client, people.customer)
    cases = [
        ({"phone": "13800138000", "amount": "1"}, "You cannot transfer to yourself."),
        ({"phone": "13700137000", "amount": "1"}, "There is no wallet with this number."),
        ({"phone": people.agent.email or "x", "amount": "1"}, "Enter a valid phone number."),
        ({"phone": "13900139000", "amount": "600"}, "Insufficient available balance"),
        ({"phone": "13900139000", "amount": "abc"}, "Enter the amount as a number, e.g. 100.50."),
        ({"phone": "13900139000", "amount": "1000.01"}, "The most you can send in one payment"),
    ]
    for fields, message in cases:
        response = preview_form(client, **fields)
        assert response.status_code in (403, 409, 422), (fields, response.status_code)
        assert message in response.text, (fields, response.text[-2000:])
        assert 'value="' + fields["amount"] + '"' in response.text  # input kept
    zh = client.post(
        "/wallet/transfer?lang=zh",
        data={"csrf_token": csrf_of(client), "phone": "13900139000", "amount": "600"},
    )
    assert "可用余额不足" in zh.text
    assert available(app, people.customer) == 50_000


def test_self_locked_sender_cannot_send(app, people):
    fund(app, people.customer, 50_000)
    set_user(app, people.customer, self_locked_at=utcnow())
    with session_scope(app.state.sessionmaker) as db:
        recipient = transfers.recipient_by_phone(db, phone="13900139000")
        try:
            transfers.preview_transfer(
                db,
                sender_id=people.customer.id,
                recipient=recipient,
                amount_minor=100,
                currency="CNY",
            )
        except Exception as exc:
            assert getattr(exc, "status", None) == 403
        else:
            raise AssertionError("a self-locked customer sent money")


def risk_rules_off(app, tmp_path) -> None:
    """Limits on their own: this many large transfers in a minute would trip risk control
    (tests/risk), which holds or freezes instead of refusing with the limit's message."""
    path = tmp_path / "no-risk-rules.yaml"
    names = ("new_device_login", "large_withdrawal", "unusual_amount", "velocity")
    rules = {name: {"enabled": False} for name in (*names, "new_account_large_withdrawal")}
    path.write_text(yaml.safe_dump({"rules": rules}))
    app.state.settings.risk_rules_path = path  # the app's sessions carry this settings object


def test_limits_follow_the_verification_level(app, client, people, tmp_path):
    risk_rules_off(app, tmp_path)
    fund(app, people.customer, 60_000_000)
    headers = bearer(client, people.customer)

    def send(amount):
        return stepped_up(
            client,
            app,
            people.customer.phone,
            "/api/v1/wallet/transfer?lang=en",
            json={"phone": "13900139000", "amount": amount, "idempotency_key": uuid.uuid4().hex},
            headers=headers,
        )

    # unverified: 1,000 per payment, 2,000 per day
    assert send("1000.01").json()["error"]["field"] == "amount"
    assert send("1000").status_code == 200 and send("1000").status_code == 200
    over = send("0.01").json()["error"]
    assert over["message"] == ("This is over your daily limit: 0.00 CNY left of 2000.00 CNY today.")
    set_user(app, people.customer, kyc_level="basic")
    assert send("50000.01").status_code == 422
    assert send("50000").status_code == 200
    set_user(app, people.customer, kyc_level="advanced")
    assert send("200000").status_code == 200
    assert send("200000").status_code == 200
    # 2,000 + 50,000 + 400,000 = 452,000 sent today: 48,000 of 500,000 left
    assert send("48000.01").json()["error"]["message"].startswith("This is over your daily limit")
    assert send("48000").status_code == 200
    assert send("1").status_code == 422
    assert available(app, people.other_customer) == 500_000_00


def test_payments_in_other_currencies_count_against_the_limits_at_their_equivalent(
    app, client, people, tmp_path
):
    """Unverified: 1,000 CNY a payment, 2,000 a day; USD at 7.2 CNY (the default rates)."""
    risk_rules_off(app, tmp_path)
    fund(app, people.customer, 1_000_000, "USD")
    fund(app, people.customer, 1_000_000)
    headers = bearer(client, people.customer)

    def send(amount, currency):
        return stepped_up(
            client,
            app,
            people.customer.phone,
            "/api/v1/wallet/transfer?lang=en",
            json={
                "phone": "13900139000",
                "amount": amount,
                "currency": currency,
                "idempotency_key": uuid.uuid4().hex,
            },
            headers=headers,
        )

    over = send("138.89", "USD").json()["error"]  # 1,000.01 CNY
    assert over["message"] == "The most you can send in one payment is 138.88 USD."
    sign_in(client, people.customer)
    preview = client.post(
        "/wallet/transfer?lang=en",
        data={
            "csrf_token": csrf_of(client),
            "phone": "13900139000",
            "amount": "138.88",
            "currency": "USD",
        },
    ).text
    assert "277.77 USD of 277.77 USD today; at most 138.88 USD per payment" in preview
    assert "Limits are set in CNY; a payment in another currency counts at its equivalent." in (
        preview
    )
    assert send("138.88", "USD").status_code == 200  # 999.94 CNY of today's 2,000
    assert send("1000", "CNY").status_code == 200  # 1,999.94 CNY used
    tiny = send("0.01", "USD").json()["error"]  # 0.07 CNY: over what is left (0.06)
    assert tiny["message"] == "This is over your daily limit: 0.00 USD left of 277.77 USD today."
    assert send("0.06", "CNY").status_code == 200


def test_api_transfer_with_the_same_idempotency_key_header_pays_once(app, client, people):
    fund(app, people.customer, 10_000)
    headers = {**bearer(client, people.customer), "Idempotency-Key": "key-" + uuid.uuid4().hex}
    body = {"phone": "139 0013 9000", "amount": "30"}
    first = client.post("/api/v1/wallet/transfer", json=body, headers=headers)
    second = client.post("/api/v1/wallet/transfer", json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["public_id"] == second.json()["public_id"]
    assert available(app, people.customer) == 7_000
    missing = client.post(
        "/api/v1/wallet/transfer", json=body, headers=bearer(client, people.customer)
    )
    assert missing.status_code == 422 and available(app, people.customer) == 7_000
    listed = client.get("/api/v1/wallet/transactions", headers=headers).json()
    assert [t["kind"] for t in listed["items"]] == ["transfer_out"]


def test_an_idempotency_key_replayed_for_another_transfer_is_refused_with_409(app, client, people):
    fund(app, people.customer, 10_000)
    fund(app, people.customer, 10_000, currency="USD")
    with session_scope(app.state.sessionmaker) as db:
        third = identity.create_user(
            db, role="customer", phone="13700137000", password=PASSWORD, display_name="王五"
        )
        third_id = third.id
    headers = {**bearer(client, people.customer), "Idempotency-Key": "key-" + uuid.uuid4().hex}
    body = {"phone": "139 0013 9000", "amount": "30", "currency": "CNY"}
    first = client.post("/api/v1/wallet/transfer", json=body, headers=headers)
    assert first.status_code == 200, first.text
    for changed in ({"amount": "31"}, {"phone": "13700137000"}, {"currency": "USD"}):
        again = client.post("/api/v1/wallet/transfer", json={**body, **changed}, headers=headers)
        assert again.status_code == 409, (changed, again.text)
        error = again.json()["error"]
        assert "金额、收款人、币种或方式不同" in error["message"]
        assert error["field"] == "idempotency_key"
    assert available(app, people.customer) == 7_000
    assert available(app, people.customer, "USD") == 10_000
    with session_scope(app.state.sessionmaker) as db:
        assert wallet.balances(db, user_id=third_id) == {}
    same = client.post("/api/v1/wallet/transfer", json=body, headers=headers)
    assert same.status_code == 200 and same.json()["public_id"] == first.json()["public_id"]


def test_the_transfer_form_refuses_a_decimal_comma_and_shows_full_width_digits_back(
    app, client, people
):
    """Issue 8: "100,50" was sent as 10,050.00 CNY."""
    set_user(app, people.customer, kyc_level="basic")
    fund(app, people.customer, 100_000)
    sign_in(client, people.customer)
    comma = preview_form(client, phone="13900139000", amount="100,50")
    assert comma.status_code == 422
    assert "Use a dot for decimals in the amount: 100.50, not 100,50." in comma.text
    wide = preview_form(client, phone="13900139000", amount="１００．５")
    assert wide.status_code == 200, wide.text
    assert 'value="100.5"' in wide.text and "100.50 CNY" in wide.text
    client.cookies.clear()  # the API by bearer token, without the page's session
    headers = bearer(client, people.customer)
    for amount in ("1E+100", "9" * 30, "1e999999", "NaN", "1,0,0"):
        api = client.post(
            "/api/v1/wallet/transfer",
            json={"phone": "13900139000", "amount": amount, "idempotency_key": "k" * 10},
            headers=headers,
        )
        assert api.status_code == 422 and api.json()["error"]["field"] == "amount", api.text
    assert available(app, people.customer) == 100_000
