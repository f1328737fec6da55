"""The HTTP SMS provider against a local server speaking Twilio's Messages API (form POST,
basic auth, JSON answers), directly and through registration."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient

from walletdesk.app import create_app
from walletdesk.config import Settings
from walletdesk.identity.sms import HttpSms, SmsDeliveryFailed

ACCOUNT, TOKEN, SENDER = "AC0123456789abcdef", "auth-token-for-tests", "+15005550006"


class FakeTwilio(BaseHTTPRequestHandler):
    """POST /2010-04-01/Accounts/{sid}/Messages.json as Twilio answers it."""

    received: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
        if self.path != f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json":
            return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
        if not form.get("To", "").startswith("+"):
            message = "The 'To' number is not a valid phone number."
            return self._answer(400, {"code": 21211, "message": message, "status": 400})
        FakeTwilio.received.append(form | {"content_type": self.headers["Content-Type"]})
        sid = f"SM{len(FakeTwilio.received):032d}"
        self._answer(201, {"sid": sid, "status": "queued", "to": form["To"], "body": form["Body"]})

    def _answer(self, status: int, payload: dict[str, object]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def twilio() -> Iterator[str]:
    FakeTwilio.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def provider(url: str, token: str = TOKEN) -> HttpSms:
    return HttpSms(base_url=url, account=ACCOUNT, token=token, sender=SENDER, timeout=5)


def test_a_message_is_posted_as_a_form_with_basic_auth(twilio):
    sid = provider(twilio).deliver(to="+8613800138000", body="你好, code 123456")
    assert sid.startswith("SM")
    [sent] = FakeTwilio.received
    assert sent["To"] == "+8613800138000"
    assert sent["From"] == SENDER
    assert sent["Body"] == "你好, code 123456"
    assert sent["content_type"] == "application/x-www-form-urlencoded"


def test_refusals_and_unreachable_servers_raise(twilio):
    with pytest.raises(SmsDeliveryFailed, match="401: Authenticate"):
        provider(twilio, token="wrong").deliver(to="+8613800138000", body="x")
    with pytest.raises(SmsDeliveryFailed, match="400"):
        provider(twilio).deliver(to="13800138000", body="x")
    with pytest.raises(SmsDeliveryFailed):
        provider("http://127.0.0.1:9").deliver(to="+8613800138000", body="x")


class HttpSmsSettings(Settings):
    """Settings with the HTTP provider chosen (whether or not config.py has these fields)."""

    sms_provider: str = "http"
    sms_http_url: str = ""
    sms_http_account: str = ACCOUNT
    sms_http_token: str = TOKEN
    sms_sender: str = SENDER


def test_registration_codes_go_through_the_http_provider(
    twilio, db_url, tmp_path: Path, search_model_dir: Path
):
    settings = HttpSmsSettings(
        data_dir=tmp_path / "data",
        search_model_dir=search_model_dir,
        database_url=db_url,
        secret_key="test-secret-key-not-for-production",
        sms_http_url=twilio,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            asked = client.post("/api/v1/auth/register/code", json={"phone": "13912345678"})
            assert asked.status_code == 202
            [sent] = FakeTwilio.received
            assert sent["To"] == "+8613912345678"
            code = re.search(r"\d{6}", sent["Body"]).group(0)
            created = client.post(
                "/api/v1/auth/register",
                json={"phone": "13912345678", "code": code, "password": "violet meadow lantern"},
            )
            assert created.status_code == 201
            second = client.post("/api/v1/auth/register/code", json={"phone": "13912345679"})
            assert second.status_code == 202
            assert len(FakeTwilio.received) == 2
            assert client.get("/dev/sms-outbox").status_code == 404  # no sandbox here
    finally:
        app.state.engine.dispose()
