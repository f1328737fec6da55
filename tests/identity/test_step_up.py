"""Step-up before money leaves the wallet: a stolen session cannot send a large amount, and a
new device cannot send anything, without a code (the two-step app's, else an SMS code)."""

from __future__ import annotations

import re
import uuid

from tests.conftest import PASSWORD, csrf_of, sign_in
from tests.identity.support import last_code, texts_to
from tests.identity.test_two_step import enrol, next_code, wrong_code
from tests.wallet.test_transfers import fund, risk_rules_off, set_user

FRIEND = "13900139000"


def token(client, user, device: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token",
        json={"login": user.login, "password": PASSWORD},
        headers={"X-Device-Id": device},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def send(client, headers, amount: str, code: str | None = None):
    body = {"phone": FRIEND, "amount": amount, "idempotency_key": uuid.uuid4().hex}
    if code is not None:
        body["step_up_code"] = code
    return client.post("/api/v1/wallet/transfer?lang=en", json=body, headers=headers)


def ready(app, people, tmp_path) -> None:
    risk_rules_off(app, tmp_path)
    set_user(app, people.customer, kyc_level="basic")
    fund(app, people.customer, 10_000_000)


def test_a_large_transfer_needs_the_texted_code(app, client, people, tmp_path):
    ready(app, people, tmp_path)
    headers = token(client, people.customer, "phone-1")
    assert send(client, headers, "999.99").status_code == 200  # under 1,000 CNY: no code
    asked = send(client, headers, "1000")
    assert asked.status_code == 403
    error = asked.json()["error"]
    assert (error["code"], error["field"]) == ("step_up_required", "step_up_code")
    assert "+86138****8000" in error["message"]
    assert "code to confirm a transfer" in texts_to(app, people.customer.phone)[0].lower() or (
        "转账" in texts_to(app, people.customer.phone)[0]
    )
    wrong = send(client, headers, "1000", code="000000")
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (422, "step_up_code")
    right = send(client, headers, "1000", code=last_code(app, people.customer.phone))
    assert right.status_code == 200, right.text
    # The next large one needs a code of its own.
    assert send(client, headers, "1000").status_code == 403


def test_the_threshold_is_a_setting(app, client, people, tmp_path, settings):
    ready(app, people, tmp_path)
    settings.step_up_threshold_cny = 5000
    headers = token(client, people.customer, "phone-1")
    assert send(client, headers, "4999").status_code == 200
    assert send(client, headers, "5000").status_code == 403


def test_a_new_device_needs_a_code_for_any_amount_once(app, client, people, tmp_path):
    ready(app, people, tmp_path)
    token(client, people.customer, "phone-1")  # the customer's own, first device
    thief = token(client, people.customer, "thief-laptop")
    asked = send(client, thief, "1")
    assert (asked.status_code, asked.json()["error"]["code"]) == (403, "step_up_required")
    done = send(client, thief, "1", code=last_code(app, people.customer.phone))
    assert done.status_code == 200
    assert send(client, thief, "2").status_code == 200  # this session stepped up already
    card = {"kind": "bank_card", "number": "6222 0202 0000 0000 009", "bank_name": "ICBC"}
    fresh = token(client, people.customer, "thief-laptop")  # a new session, same new device
    bound = client.post("/api/v1/payments/methods", json=card, headers=fresh)
    assert (bound.status_code, bound.json()["error"]["code"]) == (403, "step_up_required")


def test_two_step_users_confirm_with_their_app_and_get_no_sms(app, client, people, tmp_path):
    ready(app, people, tmp_path)
    app_codes, _ = enrol(client, people.customer)
    client.cookies.clear()
    body = {"login": people.customer.login, "password": PASSWORD, "otp": next_code(app_codes)}
    issued = client.post("/api/v1/auth/token", json=body, headers={"X-Device-Id": "phone-1"})
    headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    before = len(texts_to(app, people.customer.phone))  # the new sign-in was texted
    asked = send(client, headers, "2000")
    assert "authenticator app" in asked.json()["error"]["message"]
    assert len(texts_to(app, people.customer.phone)) == before
    assert send(client, headers, "2000", code=wrong_code(app_codes)).status_code == 422


def test_a_refusal_comes_before_the_code(app, client, people, tmp_path):
    risk_rules_off(app, tmp_path)  # unverified: at most 1,000 CNY a payment
    fund(app, people.customer, 10_000_000)
    headers = token(client, people.customer, "phone-1")
    over = send(client, headers, "1000.01")
    assert over.json()["error"]["field"] == "amount"
    assert texts_to(app, people.customer.phone) == []


def test_the_transfer_page_shows_the_code_field_and_sends_with_it(app, client, people, tmp_path):
    ready(app, people, tmp_path)
    sign_in(client, people.customer)
    typed = {"phone": FRIEND, "amount": "3000", "currency": "CNY", "code": ""}
    check = client.post("/wallet/transfer?lang=en", data={**typed, "csrf_token": csrf_of(client)})
    assert 'name="step_up_code"' in check.text
    assert "enter the code we texted to +86138****8000" in check.text
    key = re.search(r'name="key" value="([^"]+)"', check.text).group(1)
    form = {**typed, "key": key, "csrf_token": csrf_of(client)}
    again = client.post("/wallet/transfer/confirm?lang=en", data=form)
    assert again.status_code == 403 and 'name="step_up_code"' in again.text
    wrong = client.post("/wallet/transfer/confirm?lang=en", data={**form, "step_up_code": "1"})
    assert wrong.status_code == 422 and "Enter the 6-digit code" in wrong.text
    code = last_code(app, people.customer.phone)
    sent = client.post(
        "/wallet/transfer/confirm", data={**form, "step_up_code": code}, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text
    assert "/wallet/transactions/" in sent.headers["location"]
