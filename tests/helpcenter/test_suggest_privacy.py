"""Suggestions as you type send what is typed in a POST body, so it never reaches a URL and
the request log (uvicorn's access log records the path and query of every request)."""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.conftest import csrf_of, sign_in
from walletdesk.db import session_scope
from walletdesk.helpcenter import service

STATIC = Path(__file__).resolve().parents[2] / "src" / "walletdesk" / "web" / "static"
TYPED = "how do i withdraw my secret zq7 savings"


@pytest.fixture
def kb(app) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return service.load_knowledge_base(db)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_query_typed_into_the_suggestion_box_never_appears_in_the_access_log(app, kb):
    captured = _Lines()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(captured)
    level = access.level
    access.setLevel(logging.INFO)
    server = uvicorn.Server(uvicorn.Config(app, port=0, access_log=True, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            for end in [*range(3, len(TYPED), 6), len(TYPED)]:
                typed = http.post(
                    "/api/v1/help/suggest", json={"q": TYPED[:end], "lang": "en", "limit": 5}
                )
                assert typed.status_code == 200
            assert "withdraw" in str(typed.json())
            http.get("/api/v1/help/search", params={"q": "zq7 searched", "lang": "en"})
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        access.removeHandler(captured)
        access.setLevel(level)
    log = "\n".join(captured.lines)
    assert "POST /api/v1/help/suggest" in log
    assert "zq7+searched" in log or "zq7%20searched" in log  # the log does keep URLs
    assert "secret" not in log and "zq7" not in log.replace("zq7+searched", "")


def test_the_pages_scripts_post_what_is_typed():
    for name in ("helpcenter.js", "cases.js"):
        script = (STATIC / name).read_text("utf-8")
        assert "/api/v1/help/suggest" in script or "data-suggest" in script
        assert 'method: "POST"' in script, name
        assert not re.search(r"suggest[^\n]*\?[^\n]*q=", script), name
        assert "X-CSRF-Token" in script, name


def test_suggestions_by_post_anonymous_and_signed_in(client, kb, people):
    anonymous = client.post("/api/v1/help/suggest", json={"q": "forgot", "lang": "en"})
    assert anonymous.status_code == 200
    assert "forgot-password" in [h["slug"] for h in anonymous.json()["results"]]
    assert client.get("/api/v1/help/suggest", params={"q": "forgot"}).status_code == 405
    sign_in(client, people.customer)
    without = client.post("/api/v1/help/suggest", json={"q": "forgot", "lang": "en"})
    assert without.status_code == 403
    token = csrf_of(client)
    signed_in = client.post(
        "/api/v1/help/suggest",
        json={"q": "忘记", "lang": "zh"},
        headers={"X-CSRF-Token": token},
    )
    assert signed_in.status_code == 200
    assert signed_in.json()["results"][0]["slug"] == "forgot-password"
