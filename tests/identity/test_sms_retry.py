"""A password-reset code texted while the SMS provider is down reaches the customer once it
answers again: the message is a queued job, tried at once, then again until it goes through."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import FAST_HASHING
from tests.identity.test_sms_http import FakeTwilio, HttpSmsSettings
from walletdesk import jobqueue
from walletdesk.app import create_app
from walletdesk.db import session_scope, utcnow
from walletdesk.identity import service as identity
from walletdesk.jobqueue import QueuedJob

PHONE = "13800138000"


class FlakyTwilio(FakeTwilio):
    """Twilio's Messages API that answers 503 while `down`."""

    down: ClassVar[bool] = False

    def do_POST(self) -> None:
        if FlakyTwilio.down:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            return self._answer(503, {"code": 20503, "message": "Service unavailable"})
        return super().do_POST()


@pytest.fixture
def flaky_twilio() -> Iterator[str]:
    FakeTwilio.received, FlakyTwilio.down = [], True
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_reset_code_sent_while_the_provider_is_down_arrives_when_it_is_back(
    flaky_twilio, db_url, tmp_path: Path, search_model_dir: Path
):
    settings = HttpSmsSettings(
        data_dir=tmp_path / "data",
        search_model_dir=search_model_dir,
        database_url=db_url,
        secret_key="test-secret-key-not-for-production",
        sms_http_url=flaky_twilio,
        jobs="off",
        **FAST_HASHING,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    try:
        with session_scope(app.state.sessionmaker) as db:
            customer = identity.create_user(
                db,
                role="customer",
                phone=PHONE,
                password="correct horse battery",
                display_name="张三",
            )
        with TestClient(app) as client:
            asked = client.post("/api/v1/auth/password-reset/code", json={"phone": PHONE})
            assert asked.status_code == 202
            assert FakeTwilio.received == []  # the provider refused it
            with session_scope(app.state.sessionmaker) as db:
                [job] = db.scalars(select(QueuedJob).where(QueuedJob.status == "pending"))
            assert "503" in job.last_error and job.key.startswith("sms:code_reset")

            FlakyTwilio.down = False  # the provider answers again; the next try is due
            later = utcnow() + timedelta(seconds=6)
            assert jobqueue.run_due(app.state.sessionmaker, settings, now=later) == {"done": 1}
            [sent] = FakeTwilio.received
            assert sent["To"] == customer.phone
            code = re.search(r"\d{6}", sent["Body"]).group(0)
            reset = client.post(
                "/api/v1/auth/password-reset",
                json={"phone": PHONE, "code": code, "password": "violet meadow lantern"},
            )
            assert reset.status_code == 204
            later += timedelta(hours=1)
            assert jobqueue.run_due(app.state.sessionmaker, settings, now=later) == {}
            with_code = [m for m in FakeTwilio.received if code in m["Body"]]
            assert len(with_code) == 1  # the code was texted once (then the change notice)
    finally:
        app.state.engine.dispose()
