"""A live walletdesk (uvicorn in a thread, seeded demo data, the payments sandbox posting its
webhooks back to it) and a real headless Chromium.

Chromium is Debian's (/usr/bin/chromium, installed by `make test`), driven by Playwright.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import FAST_HASHING
from walletdesk.app import create_app
from walletdesk.config import Settings
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.demo import seed_demo
from walletdesk.migrations import upgrade
from walletdesk.payments.sandbox import SandboxServer, SandboxState

CHROMIUM = "/usr/bin/chromium"
# How long `expect` waits for what a user would see: the machine is shared and busy while
# the other tests run beside these, and search-as-you-type answers after its debounce.
expect.set_options(timeout=10_000)
WEBHOOK_SECRET = "browser-tests-webhook-secret"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    url: str
    settings: Settings
    logins: dict[str, dict[str, str]]
    sandbox: SandboxServer  # the payments provider, whose webhooks come back to `url`


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, search_model_dir: Path
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live")
    port = _free_port()
    # As `walletdesk demo` does: the payments sandbox, posting its webhooks to this server.
    sandbox = SandboxServer(SandboxState(WEBHOOK_SECRET, delay_seconds=0.2, slow_seconds=3.0))
    settings = Settings(
        data_dir=data_dir,
        # The help-search model built before the server starts (as `walletdesk kb train` does
        # before a deployment): built by the server at start-up instead, its seconds of CPU in
        # this process held up the first requests of whichever test came first.
        search_model_dir=search_model_dir,
        secret_key="browser-tests",
        payments_sandbox_url=sandbox.url,
        payments_webhook_secret=WEBHOOK_SECRET,
        payments_webhook_base_url=f"http://127.0.0.1:{port}",
        jobs="off",
        support_hours="UTC 00:00-23:59",  # people answer chats whenever the tests run
        **FAST_HASHING,
        _env_file=None,  # type: ignore[call-arg]
    )
    settings.ensure_dirs()
    upgrade(settings.db_url)
    engine = make_engine(settings.db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        seed_demo(db, settings=settings)
    engine.dispose()
    logins = {row["role"]: row for row in json.loads((data_dir / "demo-logins.json").read_text())}
    sandbox.start()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    # Warm, as a deployed server is: the first search loads the segmenter's dictionary, the
    # model and the index, seconds of CPU that would otherwise land in one test's first message.
    for query, lang in (("充值没到账", "zh"), ("deposit not received", "en")):
        httpx.get(
            f"http://127.0.0.1:{port}/api/v1/help/search",
            params={"q": query, "lang": lang},
            timeout=120,
        ).raise_for_status()
    yield LiveServer(
        url=f"http://127.0.0.1:{port}", settings=settings, logins=logins, sandbox=sandbox
    )
    server.should_exit = True
    thread.join(timeout=10)
    sandbox.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make test` (it installs Debian's chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def sign_in_as(page: Page, live: LiveServer, role: str) -> None:
    creds = live.logins[role]
    page.goto("/login")
    page.fill("#login", creds["login"])
    page.fill("#password", creds["password"])
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("networkidle")


def fill_step_up_code(page: Page, phone: str) -> bool:
    """When the page asks for a step-up code (a large amount, or a device new to the
    account), fill in the one the sandbox texted to `phone`; returns whether it asked."""
    field = page.locator("#step_up_code")
    if field.count() == 0:
        return False
    outbox = page.context.new_page()  # the sandbox provider's outbox, where the text landed
    outbox.goto(f"/dev/sms-outbox?phone={phone}")
    text = outbox.locator("td.sms-body").first.inner_text()
    outbox.close()
    code = re.search(r"(?<!\d)\d{6}(?!\d)", text)
    assert code is not None, text
    field.fill(code.group(0))
    return True
