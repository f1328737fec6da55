"""Resetting a forgotten password with an SMS code: the same answer for unknown numbers, the
new password works, old sessions end, and the customer is told."""

from __future__ import annotations

from tests.conftest import PASSWORD, bearer, csrf_of
from tests.identity.support import last_code, pass_time_for_codes, texts_to

EN = {"Accept-Language": "en"}
NEW = "quiet harbour morning"


def test_customer_resets_the_password_on_the_web(client, app, people):
    phone = people.customer.phone
    old_token = bearer(client, people.customer)
    sent = client.post(
        "/password/reset/code?lang=en", data={"phone": phone, "csrf_token": csrf_of(client)}
    )
    assert "If this number is registered, a code was sent to" in sent.text
    done = client.post(
        "/password/reset",
        data={
            "phone": phone,
            "code": last_code(app, phone),
            "password": NEW,
            "csrf_token": csrf_of(client),
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == "/login?done=reset"
    assert "Sign in with the new one" in client.get("/login?done=reset&lang=en").text
    assert client.get("/api/v1/auth/me", headers=old_token).status_code == 401
    refused = client.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD})
    assert refused.status_code == 401
    headers = bearer(client, people.customer, password=NEW)
    alerts = client.get("/api/v1/me/security/alerts", headers=headers | EN).json()
    assert any(a["kind"] == "password_reset" for a in alerts)
    assert any(
        "password was changed" in body or "密码已于" in body for body in texts_to(app, phone)
    )


def test_unknown_numbers_get_the_same_answer_and_nothing_is_sent(client, app, people):
    unknown = client.post(
        "/api/v1/auth/password-reset/code", json={"phone": "13700137000"}, headers=EN
    )
    known = client.post(
        "/api/v1/auth/password-reset/code", json={"phone": people.customer.phone}, headers=EN
    )
    assert unknown.status_code == known.status_code == 202
    assert unknown.json()["message"].startswith("If this number is registered, a code was sent")
    assert texts_to(app, "+8613700137000") == []
    guess = client.post(
        "/api/v1/auth/password-reset",
        json={"phone": "13700137000", "code": "123456", "password": NEW},
        headers=EN,
    )
    assert guess.status_code == 422
    assert guess.json()["error"]["field"] == "code"


def test_a_reset_code_works_once(client, app, people):
    phone = people.customer.phone
    client.post("/api/v1/auth/password-reset/code", json={"phone": phone})
    code = last_code(app, phone)
    body = {"phone": phone, "code": code, "password": NEW}
    assert client.post("/api/v1/auth/password-reset", json=body).status_code == 204
    body["password"] = "another long phrase"
    again = client.post("/api/v1/auth/password-reset", json=body, headers=EN)
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "code_expired"
    assert (
        client.post("/api/v1/auth/token", json={"login": phone, "password": NEW}).status_code == 200
    )


def test_reset_refuses_a_weak_password_before_spending_the_code(client, app, people):
    phone = people.customer.phone
    client.post("/api/v1/auth/password-reset/code", json={"phone": phone})
    code = last_code(app, phone)
    weak = client.post(
        "/api/v1/auth/password-reset",
        json={"phone": phone, "code": code, "password": "12345678"},
        headers=EN,
    )
    assert weak.status_code == 422
    assert weak.json()["error"]["field"] == "password"
    ok = {"phone": phone, "code": code, "password": NEW}
    assert client.post("/api/v1/auth/password-reset", json=ok).status_code == 204


def test_reset_clears_the_temporary_lock_from_wrong_passwords(client, app, people):
    phone = people.customer.phone
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"login": phone, "password": "wrong-pass"})
    assert (
        client.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD}).status_code
        == 429
    )
    pass_time_for_codes(app, phone, seconds=61)
    client.post("/api/v1/auth/password-reset/code", json={"phone": phone})
    body = {"phone": phone, "code": last_code(app, phone), "password": NEW}
    assert client.post("/api/v1/auth/password-reset", json=body).status_code == 204
    assert (
        client.post("/api/v1/auth/token", json={"login": phone, "password": NEW}).status_code == 200
    )
