"""Sensitive changes (password, phone, two-step settings) need the password entered within
the last five minutes of the session."""

from __future__ import annotations

from urllib.parse import quote

from tests.conftest import PASSWORD, bearer, csrf_of, sign_in
from tests.identity.support import last_code, pass_time_for_sessions

NEW = "amber river lighthouse"


def test_a_stale_session_is_asked_for_the_password_first(client, app, people):
    sign_in(client, people.customer)
    assert client.get("/security/password", follow_redirects=False).status_code == 200
    pass_time_for_sessions(app, people.customer.id, minutes=6)
    page = client.get("/security/password", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/security/confirm?next=" + quote("/security/password", "")
    for path in ("/security/two-step", "/security/phone"):
        assert (
            client.get(path, follow_redirects=False)
            .headers["location"]
            .startswith("/security/confirm")
        )
    blocked = client.post(
        "/security/password",
        data={"password": NEW, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert blocked.headers["location"].startswith("/security/confirm")
    wrong = client.post(
        "/security/confirm?lang=en",
        data={
            "password": "not-my-password",
            "next": "/security/password",
            "csrf_token": csrf_of(client),
        },
    )
    assert wrong.status_code == 422
    assert "The password is wrong." in wrong.text
    right = client.post(
        "/security/confirm",
        data={"password": PASSWORD, "next": "/security/password", "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert right.headers["location"] == "/security/password"
    changed = client.post(
        "/security/password",
        data={"password": NEW, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert changed.headers["location"] == "/security?done=password"
    assert client.get("/api/v1/auth/me").status_code == 200  # this session stays
    client.cookies.clear()
    assert bearer(client, people.customer, password=NEW)


def test_confirm_page_only_returns_to_security_pages(client, people):
    sign_in(client, people.customer)
    done = client.post(
        "/security/confirm",
        data={"password": PASSWORD, "next": "https://evil.example/", "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/security"


def test_the_api_answers_reauth_required_until_the_password_is_confirmed(client, app, people):
    headers = bearer(client, people.customer)
    other = bearer(client, people.customer)
    pass_time_for_sessions(app, people.customer.id, minutes=10)
    refused = client.post("/api/v1/me/security/password", json={"password": NEW}, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "reauth_required"
    bad = client.post("/api/v1/auth/reauth", json={"password": "wrong-one"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "password"
    ok = client.post("/api/v1/auth/reauth", json={"password": PASSWORD}, headers=headers)
    assert ok.status_code == 204
    changed = client.post("/api/v1/me/security/password", json={"password": NEW}, headers=headers)
    assert changed.status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=other).status_code == 401  # others signed out


def test_changing_the_phone_needs_a_code_sent_to_the_new_number(client, app, people):
    headers = bearer(client, people.customer)
    old_phone = people.customer.phone
    taken = client.post(
        "/api/v1/me/security/phone/code",
        json={"phone": people.other_customer.phone},
        headers=headers,
    )
    assert taken.status_code == 409
    sent = client.post(
        "/api/v1/me/security/phone/code", json={"phone": "13711112222"}, headers=headers
    )
    assert sent.status_code == 202
    code = last_code(app, "+8613711112222")
    done = client.post(
        "/api/v1/me/security/phone",
        json={"phone": "13711112222", "code": code},
        headers=headers,
    )
    assert done.status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).json()["login"] == "+8613711112222"
    from tests.identity.support import texts_to

    assert any("+86137****2222" in body for body in texts_to(app, old_phone))
    pass_time_for_sessions(app, people.customer.id, minutes=10)
    stale = client.post(
        "/api/v1/me/security/phone/code", json={"phone": "13711113333"}, headers=headers
    )
    assert stale.status_code == 403
