"""`walletdesk serve` in a process of its own, on a test's database, for tests that need a real
server: real sockets, real chunked bodies, and clients that do not share its interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.browser_support import _free_port
from walletdesk.config import Settings


@contextmanager
def serving(settings: Settings, **extra_env: str) -> Iterator[str]:
    """`walletdesk serve` as production runs it: a process of its own (the 50 client threads of
    this test would otherwise share its interpreter), on the test's database; `extra_env` adds
    WALLETDESK_ settings by name (redis_url="redis://…")."""
    port = _free_port()
    env = {
        **os.environ,
        "WALLETDESK_DATA_DIR": str(settings.data_dir),
        "WALLETDESK_DATABASE_URL": settings.db_url,
        "WALLETDESK_SECRET_KEY": settings.secret_key,
        "WALLETDESK_JOBS": "off",
        "WALLETDESK_SEARCH_MODEL_DIR": str(settings.model_dir),
    } | {f"WALLETDESK_{name.upper()}": value for name, value in extra_env.items()}
    server = subprocess.Popen(
        [sys.executable, "-m", "walletdesk.cli", "serve", "--port", str(port)],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(url + "/healthz", timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
