"""X-Forwarded-For is believed only from the configured proxies: a client that rotates the
header cannot escape the per-address sign-in throttle or SMS limit."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from tests.browser_support import _free_port
from walletdesk.app import create_app
from walletdesk.cli import server_options


def wrong_logins(post, count: int) -> list[int]:
    return [
        post(
            "/api/v1/auth/token",
            json={"login": f"1380000{i:04d}", "password": "x"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(count)
    ]


@pytest.fixture
def served(settings):
    """The app served by uvicorn as `walletdesk serve` configures it, on loopback."""
    port = _free_port()
    options = {**server_options("127.0.0.1", port, 1), "log_level": "warning"}
    options.pop("workers")
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_rotating_header_from_loopback_does_not_escape_the_throttle(served):
    with httpx.Client(base_url=served) as client:
        codes = wrong_logins(client.post, 12)
    assert codes[:10] == [401] * 10
    assert codes[-1] == 429


def test_a_configured_proxy_passes_on_the_clients_address(app, settings):
    settings.trusted_proxies = "10.0.0.0/8, 192.0.2.1"
    with TestClient(app, client=("10.1.2.3", 5000)) as via_proxy:
        codes = wrong_logins(via_proxy.post, 12)
    assert codes == [401] * 12  # twelve clients, each under the limit
    with TestClient(app, client=("198.51.100.7", 5000)) as direct:
        spoofed = wrong_logins(direct.post, 12)
    assert spoofed[-1] == 429  # not a proxy: its header is ignored


def test_only_the_hop_the_proxy_saw_counts(app, settings):
    from walletdesk.web.deps import client_ip

    settings.trusted_proxies = "10.0.0.1"
    seen = {}

    @app.get("/_ip")
    def show(request: __import__("fastapi").Request) -> dict[str, str]:
        seen["ip"] = client_ip(request)
        return seen

    with TestClient(app, client=("10.0.0.1", 5000)) as client:
        # A client-made first hop is ignored: the proxy appended the address it saw.
        client.get("/_ip", headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.9"})
    assert seen["ip"] == "198.51.100.9"
