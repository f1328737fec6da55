"""Registering by phone with an SMS code: the code from the sandbox outbox, expiry, reuse,
wrong guesses, resend throttling, registered numbers kept secret, and weak passwords."""

from __future__ import annotations

from tests.conftest import PASSWORD, csrf_of
from tests.identity.support import last_code, pass_time_for_codes, texts_to, user_by_phone
from walletdesk.identity.logins import mask_phone

PHONE = "+8613912345678"
EN = {"Accept-Language": "en"}
GOOD = "violet meadow lantern"


def ask_code(client, phone: str = PHONE):
    return client.post("/api/v1/auth/register/code", json={"phone": phone}, headers=EN)


def register(client, code: str, password: str = GOOD, phone: str = PHONE):
    return client.post(
        "/api/v1/auth/register",
        json={"phone": phone, "code": code, "password": password, "display_name": "王五"},
        headers=EN,
    )


def test_customer_registers_on_the_web_with_the_texted_code(client, app):
    sent = client.post(
        "/register/code?lang=en", data={"phone": "139 1234 5678", "csrf_token": csrf_of(client)}
    )
    assert sent.status_code == 200
    assert "We sent an SMS to +86139****5678." in sent.text
    code = last_code(app, PHONE)
    done = client.post(
        "/register",
        data={
            "phone": PHONE,
            "code": code,
            "display_name": "王五",
            "password": GOOD,
            "csrf_token": csrf_of(client),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/security")
    me = client.get("/api/v1/auth/me").json()
    assert (me["role"], me["login"], me["display_name"]) == ("customer", PHONE, "王五")
    page = client.get("/security?lang=en")
    assert "Account created" in page.text


def test_registration_by_api_returns_a_working_token(client, app):
    assert ask_code(client).status_code == 202
    created = register(client, last_code(app, PHONE))
    assert created.status_code == 201
    headers = {"Authorization": f"Bearer {created.json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["login"] == PHONE


def test_an_expired_code_is_refused(client, app):
    ask_code(client)
    code = last_code(app, PHONE)
    pass_time_for_codes(app, PHONE, seconds=11 * 60)
    response = register(client, code)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "code"
    assert response.json()["error"]["code"] == "code_expired"
    assert user_by_phone(app, PHONE) is None


def test_a_used_code_does_not_work_twice(client, app):
    ask_code(client)
    code = last_code(app, PHONE)
    assert register(client, code).status_code == 201
    again = register(client, code, password="another fine phrase")
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "code_expired"


def test_five_wrong_codes_kill_the_code(client, app):
    ask_code(client)
    code = last_code(app, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    answers = [register(client, wrong).json()["error"]["code"] for _ in range(5)]
    assert answers == ["code_wrong"] * 4 + ["code_dead"]
    dead = register(client, code)
    assert dead.status_code == 422
    assert "no longer works" in dead.json()["error"]["message"]
    pass_time_for_codes(app, PHONE, seconds=61)
    ask_code(client)
    assert register(client, last_code(app, PHONE)).status_code == 201


def test_asking_again_within_a_minute_is_throttled_and_ten_a_day_is_the_limit(client, app):
    assert ask_code(client).status_code == 202
    soon = ask_code(client)
    assert soon.status_code == 429
    assert soon.json()["error"]["code"] == "resend_too_soon"
    for _ in range(9):
        pass_time_for_codes(app, PHONE, seconds=61)
        assert ask_code(client).status_code == 202
    pass_time_for_codes(app, PHONE, seconds=61)
    eleventh = ask_code(client)
    assert eleventh.status_code == 429
    assert eleventh.json()["error"]["code"] == "too_many_codes"


def test_a_registered_number_gets_the_same_answer_and_no_usable_code(client, app, people):
    phone = people.customer.phone
    fresh, taken = ask_code(client), ask_code(client, phone)
    assert taken.status_code == fresh.status_code == 202
    same = fresh.json()["message"].replace(mask_phone(PHONE), mask_phone(phone))
    assert taken.json()["message"] == same
    notice = texts_to(app, phone)[0]
    assert "already has an account" in notice or "已有账户" in notice
    for guess in ("123456", "654321"):
        refused = register(client, guess, phone=phone)
        assert refused.status_code == 422
        assert refused.json()["error"]["field"] == "code"
    assert (
        client.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD}).status_code
        == 200
    )


def test_weak_passwords_are_refused_naming_the_field_and_keep_the_code(client, app):
    ask_code(client)
    code = last_code(app, PHONE)
    for weak, reason in (
        ("short", "Use at least 8 characters."),
        ("iloveyou1", "This password is on a list of common or leaked passwords."),
        ("dragon2024!", "This password is on a list of common or leaked passwords."),
        ("abc13912345678", "Do not build your password on your phone number"),
        ("my walletdesk pass", "Do not build your password on your phone number"),
        ("王五的好密码啊啊啊", "Do not build your password on your phone number"),
    ):
        refused = register(client, code, password=weak)
        assert refused.status_code == 422, weak
        error = refused.json()["error"]
        assert error["field"] == "password", weak
        assert reason in error["message"], (weak, error["message"])
    assert register(client, code).status_code == 201


def test_the_web_form_shows_the_password_problem_next_to_the_field(client, app):
    client.post("/register/code", data={"phone": PHONE, "csrf_token": csrf_of(client)})
    page = client.post(
        "/register?lang=zh",
        data={
            "phone": PHONE,
            "code": last_code(app, PHONE),
            "password": "password",
            "display_name": "",
            "csrf_token": csrf_of(client),
        },
    )
    assert page.status_code == 422
    assert 'data-field="password"' in page.text
    assert "该密码属于常见或已泄露的密码" in page.text
    assert f'value="{PHONE}"' in page.text  # the number is kept for the next try
