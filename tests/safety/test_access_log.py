"""A card number or a code in a query string never reaches the access log."""

from __future__ import annotations

import logging
import socket
import threading
import time

import httpx
import uvicorn

from walletdesk.app import create_app
from walletdesk.safety.accesslog import redact_url


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_redact_url_keeps_ordinary_urls_as_they_are():
    assert redact_url("/api/v1/help/search?q=fee&lang=en") == "/api/v1/help/search?q=fee&lang=en"
    hidden = redact_url("/help/search?q=my+card+4111%201111%201111%201111+code+482913")
    assert "4111" not in hidden.replace("****1111", "") and "482913" not in hidden
    assert "[card number hidden ****1111]" in hidden and "[one-time code hidden]" in hidden


def test_served_app_logs_urls_without_secrets(settings):
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off"))
    collect = Collect()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(collect)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        # Any path: the log line is written whatever the answer (here 200 and 404).
        card = {"q": "卡号 4111 1111 1111 1111"}
        httpx.get(f"{base}/api/v1/help/official-channels", params=card, timeout=30)
        httpx.get(f"{base}/no-such-page", params={"q": "验证码是 551234 被骗了"}, timeout=30)
        httpx.get(f"{base}/healthz", timeout=30)
        for _ in range(40):
            if len(collect.lines) >= 3:
                break
            time.sleep(0.05)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        access.removeHandler(collect)
        app.state.engine.dispose()
    logged = "\n".join(collect.lines)
    assert len(collect.lines) >= 3, logged
    assert "4111" not in logged.replace("****1111", "") and "551234" not in logged
    assert "[card number hidden ****1111]" in logged and "[one-time code hidden]" in logged
    assert "/healthz" in logged
