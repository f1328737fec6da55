"""'Lock my account': it blocks sign-in and revokes every session; unlocking needs an SMS code
to the registered phone and the password; the lock's time and reason are shown."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, bearer, csrf_of, sign_in
from tests.identity.support import last_code, pass_time_for_codes, texts_to
from walletdesk.identity import service

EN = {"Accept-Language": "en"}


def lock_on_the_web(client, reason="phone stolen"):
    return client.post(
        "/security/lock",
        data={"reason": reason, "confirm": "1", "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )


def test_locking_signs_out_everywhere_and_blocks_sign_in(client, app, people):
    token = bearer(client, people.customer)
    sign_in(client, people.customer)
    done = lock_on_the_web(client)
    assert done.headers["location"] == "/login?done=locked"
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers=token).status_code == 401
    with app.state.sessionmaker() as db:
        assert service.is_self_locked(db, user_id=people.customer.id)
    # Signing in again gives a session that reaches support only.
    page = client.post(
        "/login?lang=en",
        data={"login": people.customer.login, "password": PASSWORD, "csrf_token": csrf_of(client)},
    )
    assert page.status_code == 200
    assert "Your account is locked" in page.text
    assert 'href="/account/unlock"' in page.text
    assert client.get("/security").status_code == 403
    client.cookies.clear()
    api = client.post(
        "/api/v1/auth/token", json={"login": people.customer.login, "password": PASSWORD}
    )
    assert api.status_code == 200, api.text
    headers = {"Authorization": f"Bearer {api.json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    refused = client.get("/api/v1/me/security", headers=headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "account_locked")
    # Without the password nobody learns that the account is locked.
    wrong = client.post(
        "/api/v1/auth/token", json={"login": people.customer.login, "password": "guess-guess"}
    )
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "bad_credentials")


def test_unlock_with_code_and_password_shows_when_and_why(client, app, people):
    phone = people.customer.phone
    sign_in(client, people.customer)
    lock_on_the_web(client, reason="lost my phone on the metro")
    client.cookies.clear()
    sent = client.post(
        "/account/unlock/code?lang=en", data={"phone": phone, "csrf_token": csrf_of(client)}
    )
    assert "belongs to a locked account, a code was sent" in sent.text
    wrong_password = client.post(
        "/account/unlock?lang=en",
        data={
            "phone": phone,
            "code": last_code(app, phone),
            "password": "not-the-password",
            "csrf_token": csrf_of(client),
        },
    )
    assert wrong_password.status_code == 422
    assert "The password is wrong." in wrong_password.text
    pass_time_for_codes(app, phone, seconds=61)
    client.post("/account/unlock/code", data={"phone": phone, "csrf_token": csrf_of(client)})
    done = client.post(
        "/account/unlock?lang=en",
        data={
            "phone": phone,
            "code": last_code(app, phone),
            "password": PASSWORD,
            "csrf_token": csrf_of(client),
        },
    )
    assert done.status_code == 200
    assert "Your account is unlocked." in done.text
    assert "lost my phone on the metro" in done.text
    headers = bearer(client, people.customer)
    kinds = [e["kind"] for e in client.get("/api/v1/me/security/events", headers=headers).json()]
    assert kinds.index("account_unlocked") < kinds.index("account_locked")  # newest first


def test_the_api_lock_revokes_the_calling_token_too(client, app, people):
    headers = bearer(client, people.customer)
    assert (
        client.post("/api/v1/me/security/lock", json={"reason": ""}, headers=headers).status_code
        == 204
    )
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_unlock_codes_go_only_to_locked_accounts_but_the_answer_is_the_same(client, app, people):
    phone = people.other_customer.phone
    answer = client.post("/api/v1/auth/unlock/code", json={"phone": phone}, headers=EN)
    assert answer.status_code == 202
    assert texts_to(app, phone) == []
    guess = client.post(
        "/api/v1/auth/unlock",
        json={"phone": phone, "code": "123456", "password": PASSWORD},
        headers=EN,
    )
    assert guess.status_code == 422


def test_another_browser_session_ends_when_the_account_is_locked(client, app, people):
    sign_in(client, people.customer)
    with TestClient(app) as second:
        sign_in(second, people.customer)
        lock_on_the_web(client)
        assert second.get("/api/v1/auth/me").status_code == 401


def test_a_lock_for_theft_opens_one_priority_case_and_unlocking_needs_a_new_password(
    client, app, people
):
    from sqlalchemy import select

    from walletdesk.audit.models import AuditEntry
    from walletdesk.cases.models import Case

    phone = people.customer.phone
    other = TestClient(app)
    sign_in(other, people.customer)
    sign_in(client, people.customer)
    client.post(
        "/security/lock",
        data={"reason": "手机被偷了", "stolen": "1", "confirm": "1", "csrf_token": csrf_of(client)},
    )
    with app.state.sessionmaker() as db:
        cases = db.scalars(select(Case).where(Case.customer_id == people.customer.id)).all()
        assert [(c.priority, c.category) for c in cases] == [("high", "security")]
        assert "手机被偷了" in cases[0].description
        actions = db.scalars(select(AuditEntry.action)).all()
        assert "account.reported_stolen" in actions
    # The thief who knows the password cannot unlock with it alone.
    client.cookies.clear()
    client.post("/account/unlock/code", data={"phone": phone, "csrf_token": csrf_of(client)})
    form = {"phone": phone, "password": PASSWORD, "csrf_token": csrf_of(client)}
    refused = client.post("/account/unlock?lang=en", data={**form, "code": last_code(app, phone)})
    assert refused.status_code == 422
    assert "choose a new password" in refused.text
    pass_time_for_codes(app, phone, seconds=61)
    client.post("/account/unlock/code", data={"phone": phone, "csrf_token": csrf_of(client)})
    done = client.post(
        "/account/unlock?lang=en",
        data={**form, "code": last_code(app, phone), "new_password": "a brand new secret 42"},
    )
    assert done.status_code == 200, done.text
    assert "Your password was changed" in done.text
    old = client.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD})
    assert old.status_code == 401
    new = {"login": phone, "password": "a brand new secret 42"}
    assert client.post("/api/v1/auth/token", json=new).status_code == 200
    assert other.get("/api/v1/auth/me").status_code == 401  # every other session ended


def test_an_ordinary_lock_opens_no_case_and_unlocks_with_the_password(client, app, people):
    from sqlalchemy import func, select

    from walletdesk.cases.models import Case

    sign_in(client, people.customer)
    lock_on_the_web(client, reason="just in case")
    with app.state.sessionmaker() as db:
        assert db.scalar(select(func.count(Case.id))) == 0
