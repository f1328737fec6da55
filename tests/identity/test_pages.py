"""Identity's pages in both languages, the sandbox outbox page, and the catalogs holding
every event, alert and SMS text."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_of, sign_in
from walletdesk.i18n import catalog
from walletdesk.identity import messages


@pytest.mark.parametrize(
    ("path", "zh", "en"),
    [
        ("/register", "注册账户", "Create an account"),
        ("/password/reset", "重置密码", "Reset your password"),
        ("/account/unlock", "解锁账户", "Unlock your account"),
        ("/login", "忘记密码？", "Forgot your password?"),
    ],
)
def test_public_pages_speak_both_languages(client, path, zh, en):
    assert zh in client.get(path + "?lang=zh").text
    assert en in client.get(path + "?lang=en").text


def test_security_page_shows_every_section(client, people):
    sign_in(client, people.customer)
    page = client.get("/security?lang=en").text
    for heading in (
        "Signing in",
        "Real-name verification",
        "Devices and sign-ins",
        "Security alerts",
        "Lock my account",
        "Recent security activity",
    ):
        assert heading in page
    assert "+86138****8000" in page and "13800138000" not in page.replace("+86138****8000", "")
    assert "安全设置" in client.get("/security?lang=zh").text


def test_security_page_needs_sign_in(client):
    response = client.get("/security", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_sandbox_outbox_page_only_where_settings_allow(client, app, settings):
    client.post("/register/code", data={"phone": "13912345678", "csrf_token": csrf_of(client)})
    page = client.get("/dev/sms-outbox")
    if settings.db_url.startswith("sqlite"):  # the demo's database: on by default
        assert page.status_code == 200
        assert "+8613912345678" in page.text
    else:
        assert page.status_code == 404


def test_every_security_text_has_a_chinese_translation():
    zh = catalog("zh")
    texts = [
        *messages.EVENT_LABELS.values(),
        *messages.ALERT_LABELS.values(),
        *messages.SMS_TEXTS.values(),
        *messages.LOCATION_LABELS.values(),
        *messages.KYC_LEVEL_LABELS.values(),
        *messages.KYC_STATUS_LABELS.values(),
    ]
    from walletdesk.identity.views import _NOTICES
    from walletdesk.identity.views_account import RESET_SENT, UNLOCK_SENT
    from walletdesk.identity.views_security import DONE

    texts += [*_NOTICES.values(), *DONE.values(), RESET_SENT, UNLOCK_SENT]
    assert [t for t in texts if t not in zh] == []
