"""Wrong passwords under attack: the per-login limit holds under parallel requests, answers
are the same for known and unknown logins, and checks pause for a growing delay (shown in
Beijing time) instead of a lock that strangers could trigger and that tells them who exists."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlalchemy import update

from tests.conftest import PASSWORD
from tests.identity.support import last_code
from tests.wallet.conftest import race
from walletdesk.db import session_scope
from walletdesk.errors import DomainError
from walletdesk.identity import otp
from walletdesk.identity import service as identity
from walletdesk.identity.models import LoginGuard

UNKNOWN = "+8613700137000"


def token(client, login: str, password: str = "bad-pass-1"):
    return client.post("/api/v1/auth/token", json={"login": login, "password": password})


def wrong_five_times(client, login: str) -> None:
    for _ in range(5):
        assert token(client, login).status_code == 401


def pass_time(app, login: str, *, seconds: int) -> None:
    with session_scope(app.state.sessionmaker) as db:
        guard = db.get(LoginGuard, login)
        assert guard is not None
        db.execute(
            update(LoginGuard)
            .where(LoginGuard.login == login)
            .values(
                delayed_until=guard.delayed_until - timedelta(seconds=seconds),
                last_failure_at=guard.last_failure_at - timedelta(seconds=seconds),
            )
        )


def test_known_and_unknown_logins_get_the_same_delay_not_a_lock(client, people, settings):
    settings.login_throttle_per_minute = 100  # one address tries both logins here
    answers = {}
    for login in (people.other_customer.login, UNKNOWN):
        wrong_five_times(client, login)
        answers[login] = token(client, login, PASSWORD)
    known, unknown = answers.values()
    assert known.status_code == unknown.status_code == 429
    assert known.json()["error"]["code"] == unknown.json()["error"]["code"] == "too_many_attempts"
    assert known.json()["error"]["message"] == unknown.json()["error"]["message"]
    assert "1" in known.json()["error"]["message"]  # "in 1 min"


def test_the_right_password_waits_out_the_delay_then_works(app, client, people):
    login = people.customer.login
    wrong_five_times(client, login)
    assert token(client, login, PASSWORD).status_code == 429
    pass_time(app, login, seconds=61)
    assert token(client, login, PASSWORD).status_code == 200
    assert token(client, login).status_code == 401  # the count started over


def test_each_wrong_password_after_the_limit_doubles_the_delay(app, client, people):
    login = people.customer.login
    wrong_five_times(client, login)
    pass_time(app, login, seconds=61)
    assert token(client, login).status_code == 401  # one more check after the delay
    again = token(client, login)
    assert again.status_code == 429
    assert "2" in again.json()["error"]["message"].split("(")[0]


def test_the_delay_ends_in_beijing_time(app, client, people):
    login = people.customer.login
    wrong_five_times(client, login)
    with app.state.sessionmaker() as db:
        until = db.get(LoginGuard, login).delayed_until
    beijing = (until + timedelta(hours=8)).strftime("%H:%M")
    message = token(client, login, PASSWORD).json()["error"]["message"]
    assert beijing in message
    if beijing != until.strftime("%H:%M"):
        assert until.strftime("%H:%M UTC") not in message


def _parallel_wrong_passwords(app, login: str, count: int = 20) -> list[object]:
    def attempt(index: int) -> object:
        with app.state.sessionmaker() as db:
            try:
                identity.check_password(
                    db,
                    settings=app.state.settings,
                    login=login,
                    password=f"wrong-{index}",
                    ip=f"10.0.{index}.1",  # a rotating address dodges the address throttle
                )
            except DomainError as exc:
                db.commit()  # as the request does: the failure counts
                return exc.code
            return "signed in"

    return race(count, attempt)


def test_parallel_wrong_passwords_check_no_more_than_the_limit(app, people):
    for login in (people.customer.login, UNKNOWN):
        outcomes = _parallel_wrong_passwords(app, login)
        checked = outcomes.count("bad_credentials")
        assert checked == 5, outcomes
        assert outcomes.count("too_many_attempts") == 15, outcomes


def test_parallel_wrong_sms_codes_get_no_more_than_five_checks(app, client, people):
    phone = people.customer.phone
    with session_scope(app.state.sessionmaker) as db:
        otp.new_code(db, settings=app.state.settings, phone=phone, purpose="reset", ip="1.1.1.1")

    def attempt(index: int) -> object:
        with app.state.sessionmaker() as db:
            try:
                otp.use_code(
                    db,
                    settings=app.state.settings,
                    phone=phone,
                    purpose="reset",
                    code=f"{index:06d}" if index else "999999",
                )
            except DomainError as exc:
                db.commit()
                return exc.code
            db.commit()
            return "accepted"

    outcomes = race(20, attempt)
    # The first four wrong codes are answered "wrong", the fifth and every later one "dead".
    assert outcomes.count("code_wrong") == 4, outcomes
    assert outcomes.count("code_dead") == 16, outcomes


def test_an_sms_unlock_lifts_the_delay(app, client, people):
    login = people.customer.login
    wrong_five_times(client, login)
    sent = client.post("/api/v1/auth/unlock/code?lang=en", json={"phone": login})
    assert sent.status_code == 202
    assert "belongs to a locked account, a code was sent" in sent.json()["message"]
    unlocked = client.post(
        "/api/v1/auth/unlock",
        json={"phone": login, "code": last_code(app, login), "password": PASSWORD},
    )
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["locked_at"] is None
    assert token(client, login, PASSWORD).status_code == 200


def test_no_code_is_sent_to_an_account_that_is_not_locked(app, client, people):
    from tests.identity.support import texts_to

    login = people.customer.login
    sent = client.post("/api/v1/auth/unlock/code", json={"phone": login})
    assert sent.status_code == 202
    assert texts_to(app, login) == []
    other = client.post("/api/v1/auth/unlock/code", json={"phone": UNKNOWN})
    assert other.json()["message"].replace("137****7000", "138****8000") == sent.json()["message"]


def test_unknown_logins_take_as_long_as_known_ones(app, people):
    """The unknown login's dummy hash has the configured cost: similar timing."""
    import time

    from walletdesk.identity.models import User
    from walletdesk.identity.passwords import hash_password

    settings = app.state.settings.model_copy(
        update={"password_hash_time_cost": 2, "password_hash_memory_kib": 16384}
    )
    with session_scope(app.state.sessionmaker) as db:
        user = db.get(User, people.customer.id)
        user.password_hash = hash_password(PASSWORD, settings=settings)

    def timed(login: str) -> float:
        with app.state.sessionmaker() as db:
            start = time.perf_counter()
            with contextlib.suppress(DomainError):
                identity.check_password(db, settings=settings, login=login, password="x", ip="")
            elapsed = time.perf_counter() - start
            db.rollback()
            return elapsed

    timed(UNKNOWN)  # the dummy hash is made once
    known = min(timed(people.customer.login) for _ in range(3))
    unknown = min(timed(UNKNOWN) for _ in range(3))
    assert 0.5 * known < unknown < 2 * known, (known, unknown)
