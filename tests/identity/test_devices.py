"""Devices and where they signed in from: labels, coarse locations, new-device alerts (on the
security page and by SMS), signing one device out, and the alerts preference."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer, csrf_of, sign_in
from tests.identity.support import texts_to
from walletdesk.identity import service
from walletdesk.identity.devices import coarse_location, device_label

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (CHROME_WINDOWS, "Chrome on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        ("WalletDesk/3.2 (Android 14; Pixel 8)", "WalletDesk app on Android"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5; rv:127.0) Gecko Firefox/127.0",
            "Firefox on macOS",
        ),
        ("curl/8.5.0", "curl"),
        ("", "Unknown device"),
    ],
)
def test_device_labels(agent, label):
    assert device_label(agent) == label


@pytest.mark.parametrize(
    ("ip", "where"),
    [
        ("127.0.0.1", "local"),
        ("192.168.1.20", "local"),
        ("::1", "local"),
        ("8.8.8.8", "public"),
        ("testclient", "unknown"),
    ],
)
def test_coarse_locations_need_no_outside_service(ip, where):
    assert coarse_location(ip) == where


def test_a_new_device_raises_an_alert_and_an_sms(app, people):
    with TestClient(app, headers={"User-Agent": CHROME_WINDOWS}) as laptop:
        sign_in(laptop, people.customer)
        first = laptop.get("/security?lang=en").text
        assert 'data-kind="new_device"' not in first  # the first device is no news
        with TestClient(
            app, client=("192.168.1.7", 50000), headers={"User-Agent": SAFARI_IPHONE}
        ) as phone:
            sign_in(phone, people.customer)
        page = laptop.get("/security?lang=en").text
        assert re.search(
            r'data-kind="new_device">.*New sign-in from Safari on iPhone, Local network '
            r"\(192\.168\.1\.7\), at",
            page,
        )
        assert "Safari on iPhone" in texts_to(app, people.customer.phone)[0]
        sign_in(laptop, people.customer)  # the same browser again: nothing new
        assert laptop.get("/security?lang=en").text.count('data-kind="new_device"') == 1


def test_signing_out_one_device_ends_only_its_sessions(app, people):
    with (
        TestClient(app, headers={"User-Agent": CHROME_WINDOWS}) as laptop,
        TestClient(app, headers={"User-Agent": SAFARI_IPHONE}) as phone,
    ):
        sign_in(laptop, people.customer)
        sign_in(phone, people.customer)
        devices = laptop.get("/api/v1/me/security/devices").json()
        iphone = next(d for d in devices if d["label"] == "Safari on iPhone")
        assert not iphone["current"] and iphone["active_sessions"] == 1
        done = laptop.post(
            f"/security/devices/{iphone['id']}/sign-out",
            data={"csrf_token": csrf_of(laptop)},
            follow_redirects=False,
        )
        assert done.headers["location"] == "/security?done=device"
        assert phone.get("/api/v1/auth/me").status_code == 401
        assert laptop.get("/api/v1/auth/me").status_code == 200


def test_a_customer_cannot_sign_out_someone_elses_device(client, app, people):
    theirs = bearer(client, people.other_customer)
    their_device = client.get("/api/v1/me/security/devices", headers=theirs).json()[0]["id"]
    mine = bearer(client, people.customer)
    refused = client.post(f"/api/v1/me/security/devices/{their_device}/sign-out", headers=mine)
    assert refused.status_code == 404
    assert client.get("/api/v1/auth/me", headers=theirs).status_code == 200


def test_transaction_alerts_preference_is_stored(client, app, people):
    sign_in(client, people.customer)
    with app.state.sessionmaker() as db:
        assert service.wants_transaction_alerts(db, user_id=people.customer.id)
    client.post("/security/alerts", data={"csrf_token": csrf_of(client)})  # box unticked
    with app.state.sessionmaker() as db:
        assert not service.wants_transaction_alerts(db, user_id=people.customer.id)
    page = client.get("/security").text
    assert 'name="transaction_alerts" value="1">' in page  # shown unticked
    client.cookies.clear()
    headers = bearer(client, people.customer)
    turned_on = client.put(
        "/api/v1/me/security/preferences", json={"transaction_alerts": True}, headers=headers
    )
    assert turned_on.json() == {"transaction_alerts": True}
    kinds = [e["kind"] for e in client.get("/api/v1/me/security/events", headers=headers).json()]
    assert kinds.count("alerts_changed") == 2
