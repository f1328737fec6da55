"""Signing in by phone or email, tokens, throttling, locks and CSRF, as a person sees them."""

from __future__ import annotations

from tests.conftest import PASSWORD, bearer, csrf_of, sign_in


def test_customer_signs_in_with_any_phone_format(client, people):
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"login": "+86 138-0013-8000", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/portal"
    assert "httponly" in response.headers["set-cookie"].lower()


def test_staff_sign_in_lands_on_console(client, people):
    sign_in(client, people.agent)
    me = client.get("/api/v1/auth/me")
    assert me.json()["role"] == "agent"


def test_wrong_password_is_refused_in_the_users_language(client, people):
    token = csrf_of(client)
    response = client.post(
        "/login?lang=en",
        data={"login": people.customer.login, "password": "nope-nope", "csrf_token": token},
    )
    assert response.status_code == 401
    assert "The login or password is wrong." in response.text
    response = client.post(
        "/login?lang=zh",
        data={"login": people.customer.login, "password": "nope-nope", "csrf_token": token},
    )
    assert "账号或密码错误" in response.text


def test_form_without_csrf_token_is_rejected(client, people):
    client.get("/login")
    response = client.post("/login", data={"login": people.customer.login, "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/api/v1/auth/me").status_code == 401


def test_api_token_round_trip(client, people):
    headers = bearer(client, people.supervisor)
    assert client.get("/api/v1/auth/me", headers=headers).json()["login"] == "sup@test.example"
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_token"


def test_token_errors_are_json_in_the_callers_language(client, people):
    response = client.post(
        "/api/v1/auth/token",
        json={"login": people.agent.login, "password": "wrong-password"},
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "bad_credentials",
        "message": "账号或密码错误。",
        "field": None,
    }
    missing = client.post(
        "/api/v1/auth/token", json={"login": "x"}, headers={"Accept-Language": "en"}
    )
    assert missing.status_code == 422
    assert missing.json()["error"]["field"] == "password"


def test_repeated_failures_pause_checks_even_of_the_right_password(client, people):
    for _ in range(5):
        r = client.post(
            "/api/v1/auth/token", json={"login": people.agent.login, "password": "bad-pass"}
        )
        assert r.status_code == 401
    paused = client.post(
        "/api/v1/auth/token", json={"login": people.agent.login, "password": PASSWORD}
    )
    assert paused.status_code == 429
    assert paused.json()["error"]["code"] == "too_many_attempts"


def test_one_address_is_throttled_across_logins(client, people):
    codes = [
        client.post(
            "/api/v1/auth/token", json={"login": f"1380000{i:04d}", "password": "x"}
        ).status_code
        for i in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert codes[-1] == 429


def test_next_parameter_cannot_redirect_off_site(client, people):
    response = client.post(
        "/login",
        data={
            "login": people.customer.login,
            "password": PASSWORD,
            "next": "//evil.example/phish",
            "csrf_token": csrf_of(client),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/portal"


def test_health_and_openapi(client):
    assert client.get("/healthz").json()["status"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/auth/token" in paths
    assert all(p.startswith("/api/v1/") for p in paths if p != "/healthz")
