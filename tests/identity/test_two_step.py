"""Two-step verification: enrolling with a QR code, signing in with the app's code on a
second page, single-use backup codes, and the API's otp_required."""

from __future__ import annotations

import re
import time

import pyotp
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, csrf_of, sign_in

EN = {"Accept-Language": "en"}


def enrol(client, user) -> tuple[pyotp.TOTP, list[str]]:
    """Turn two-step verification on through the pages; returns the app and backup codes."""
    sign_in(client, user)
    setup = client.post("/security/two-step/setup", data={"csrf_token": csrf_of(client)})
    assert setup.status_code == 200
    assert re.search(r'<img class="qr" src="data:image/svg\+xml', setup.text)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', setup.text).group(1)
    app_codes = pyotp.TOTP(secret.replace(" ", ""))
    done = client.post(
        "/security/two-step/confirm",
        data={"otp": app_codes.now(), "csrf_token": csrf_of(client)},
    )
    backup = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.text)
    assert len(backup) == 10
    return app_codes, backup


def next_code(app_codes: pyotp.TOTP) -> str:
    """The code of the next 30-second step: the current one was spent on enrolment."""
    return app_codes.at(time.time() + 30)


def wrong_code(app_codes: pyotp.TOTP) -> str:
    valid = {app_codes.at(time.time() + d) for d in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def password_step(browser, user, password=PASSWORD):
    return browser.post(
        "/login",
        data={"login": user.login, "password": password, "csrf_token": csrf_of(browser)},
        follow_redirects=False,
    )


def test_sign_in_asks_for_the_app_code_on_a_second_page(client, app, people):
    app_codes, _ = enrol(client, people.customer)
    with TestClient(app) as browser:
        first = password_step(browser, people.customer)
        assert first.status_code == 303
        assert first.headers["location"].startswith("/login/two-step")
        assert browser.get("/api/v1/auth/me").status_code == 401  # not signed in yet
        page = browser.get("/login/two-step?lang=en")
        assert "Code from your authenticator app" in page.text
        token = csrf_of(browser)
        bad = browser.post(
            "/login/two-step?lang=en", data={"otp": wrong_code(app_codes), "csrf_token": token}
        )
        assert bad.status_code == 401
        assert "The verification code is wrong." in bad.text
        good = browser.post(
            "/login/two-step",
            data={"otp": next_code(app_codes), "csrf_token": token},
            follow_redirects=False,
        )
        assert good.status_code == 303
        assert browser.get("/api/v1/auth/me").json()["login"] == people.customer.login


def test_an_app_code_is_accepted_only_once(client, app, people):
    app_codes, _ = enrol(client, people.customer)
    client.cookies.clear()  # from here on an API client, not the browser
    code = next_code(app_codes)
    body = {"login": people.customer.login, "password": PASSWORD, "otp": code}
    assert client.post("/api/v1/auth/token", json=body).status_code == 200
    replay = client.post("/api/v1/auth/token", json=body)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "bad_otp"


def test_a_backup_code_signs_in_once(client, app, people):
    _, backup = enrol(client, people.customer)
    client.cookies.clear()  # from here on an API client, not the browser
    body = {"login": people.customer.login, "password": PASSWORD, "otp": backup[3].upper()}
    assert client.post("/api/v1/auth/token", json=body).status_code == 200
    again = client.post("/api/v1/auth/token", json=body)
    assert again.status_code == 401
    with TestClient(app) as browser:
        password_step(browser, people.customer)
        used = browser.post(
            "/login/two-step", data={"otp": backup[3], "csrf_token": csrf_of(browser)}
        )
        assert used.status_code == 401
        other = browser.post(
            "/login/two-step",
            data={"otp": backup[4], "csrf_token": csrf_of(browser)},
            follow_redirects=False,
        )
        assert other.status_code == 303
    headers = {
        "Authorization": "Bearer "
        + client.post("/api/v1/auth/token", json=body | {"otp": backup[5]}).json()["access_token"]
    }
    overview = client.get("/api/v1/me/security", headers=headers).json()
    assert overview["backup_codes_left"] == 7
    kinds = [e["kind"] for e in client.get("/api/v1/me/security/events", headers=headers).json()]
    assert "backup_code_used" in kinds


def test_api_token_needs_the_otp_when_two_step_is_on(client, app, people):
    app_codes, _ = enrol(client, people.agent)
    client.cookies.clear()  # from here on an API client, not the browser
    body = {"login": people.agent.login, "password": PASSWORD}
    missing = client.post("/api/v1/auth/token", json=body, headers=EN)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "otp_required"
    assert missing.json()["error"]["message"] == "Enter the code from your authenticator app."
    wrong_password = client.post(
        "/api/v1/auth/token", json={**body, "password": "nope-nope"}, headers=EN
    )
    assert wrong_password.json()["error"]["code"] == "bad_credentials"
    ok = client.post("/api/v1/auth/token", json={**body, "otp": next_code(app_codes)})
    assert ok.status_code == 200


def test_five_wrong_app_codes_lock_sign_in_like_wrong_passwords(client, app, people):
    app_codes, _ = enrol(client, people.customer)
    client.cookies.clear()  # from here on an API client, not the browser
    body = {"login": people.customer.login, "password": PASSWORD}
    for _ in range(5):
        r = client.post("/api/v1/auth/token", json={**body, "otp": wrong_code(app_codes)})
        assert r.status_code == 401
    locked = client.post("/api/v1/auth/token", json={**body, "otp": next_code(app_codes)})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"


def test_turning_it_off_needs_the_page_and_then_sign_in_is_one_step(client, app, people):
    enrol(client, people.customer)
    off = client.post(
        "/security/two-step/disable", data={"csrf_token": csrf_of(client)}, follow_redirects=False
    )
    assert off.headers["location"] == "/security?done=two_step_off"
    page = client.get(off.headers["location"]).text
    assert "两步验证已关闭" in page
    assert '<span class="badge warn">未开启</span>' in page
    client.cookies.clear()
    body = {"login": people.customer.login, "password": PASSWORD}
    assert client.post("/api/v1/auth/token", json=body).status_code == 200


def test_enrolment_by_api_shows_the_qr_and_returns_backup_codes(client, people):
    from tests.conftest import bearer

    headers = bearer(client, people.customer)
    setup = client.post("/api/v1/me/security/two-step/setup", headers=headers).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    assert setup["qr_svg"].startswith("data:image/svg+xml")
    wrong = client.post(
        "/api/v1/me/security/two-step/confirm", json={"otp": "12345x"}, headers=headers
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["field"] == "otp"
    code = pyotp.TOTP(setup["secret"]).now()
    done = client.post("/api/v1/me/security/two-step/confirm", json={"otp": code}, headers=headers)
    assert len(done.json()["backup_codes"]) == 10
    assert client.get("/api/v1/me/security", headers=headers).json()["two_step_enabled"]
