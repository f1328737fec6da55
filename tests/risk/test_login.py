"""Sign-ins from a new device or a new kind of place: a hit (an alert by default), and for the
hours after, withdrawals wait for review. Places are coarse: local network or internet."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.risk.conftest import (
    alert_kinds,
    bind_card,
    cases_of,
    frozen,
    fund,
    hits,
    prepare,
    texts_to,
    use_rules,
    withdraw,
)
from walletdesk.db import session_scope
from walletdesk.risk.models import RiskHit


def _api_sign_in(app, people, *, address: str, device: str) -> None:
    with TestClient(app, client=(address, 50000)) as client:
        answer = client.post(
            "/api/v1/auth/token",
            json={"login": people.customer.login, "password": PASSWORD},
            headers={"X-Device-Id": device},
        )
        assert answer.status_code == 200, answer.text


def test_withdrawals_after_a_new_device_sign_in_wait_for_review_within_the_window(app, people):
    prepare(app, people.customer)
    fund(app, people.customer, 1_000_000)
    card = bind_card(app, people.customer)
    _api_sign_in(app, people, address="192.168.1.7", device="phone-1")
    assert hits(app, people.customer) == []  # the very first device is no news
    assert withdraw(app, people.customer, card, 10_000).status == "processing"
    _api_sign_in(app, people, address="192.168.1.7", device="tablet-2")
    assert [h[:2] for h in hits(app, people.customer)] == [("new_device_login", "alert")]
    assert not frozen(app, people.customer) and cases_of(app, people.customer) == []
    held = withdraw(app, people.customer, card, 10_000)
    assert held.status == "pending"
    assert hits(app, people.customer)[-1] == ("new_device_login", "review", held.public_id)
    with session_scope(app.state.sessionmaker) as db:  # 25 hours later: the window is over
        for hit in db.scalars(select(RiskHit)):
            hit.at -= timedelta(hours=25)
    assert withdraw(app, people.customer, card, 10_000).status == "processing"


def test_a_sign_in_from_a_new_kind_of_place_alerts_and_texts_the_customer(app, people):
    _api_sign_in(app, people, address="192.168.1.7", device="phone-1")
    _api_sign_in(app, people, address="192.168.1.8", device="phone-1")  # same kind of place
    assert hits(app, people.customer) == []
    _api_sign_in(app, people, address="8.8.8.8", device="phone-1")
    assert [h[:2] for h in hits(app, people.customer)] == [("new_device_login", "alert")]
    assert alert_kinds(app, people.customer) == ["new_location"]
    text = texts_to(app, people.customer.phone)[0]
    assert "从 互联网 登录" in text  # the coarse place, in the customer's language
    assert "锁定账户" in text
    _api_sign_in(app, people, address="9.9.9.9", device="phone-1")  # the internet again
    assert len(hits(app, people.customer)) == 1


def test_the_rule_set_to_freeze_freezes_on_a_new_device(app, people, tmp_path):
    use_rules(app, tmp_path, {"new_device_login": {"action": "freeze"}})
    _api_sign_in(app, people, address="192.168.1.7", device="phone-1")
    _api_sign_in(app, people, address="192.168.1.7", device="tablet-2")
    assert frozen(app, people.customer)
    (case,) = cases_of(app, people.customer)
    assert (case.category, case.channel) == ("security", "risk")
    assert "new_device" in alert_kinds(app, people.customer)  # identity's own alert stays
    assert "account_frozen" in alert_kinds(app, people.customer)
    _api_sign_in(app, people, address="192.168.1.7", device="laptop-3")  # frozen already
    assert len(cases_of(app, people.customer)) == 1
