"""On a 390-px phone no page is wider than the screen and the header takes at most two
lines: its links sit behind a menu button (app.js), and without JavaScript they stay
reachable (the menu is a <details> that opens without a script)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import LiveServer, sign_in_as
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.identity import service as identity
from walletdesk.wallet.transactions import WalletTransaction

PHONE = {"width": 390, "height": 844}
PUBLIC = [
    "/help",
    "/help/articles/account-locked",
    "/help/fees?lang=en",
    "/help/fees?lang=zh",
    "/help/official-channels?lang=en",
]
SIGNED_IN = ["/portal", "/wallet", "/wallet/deposit", "/wallet/withdraw", "/security"]


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def withdrawal_of_the_demo(live: LiveServer) -> str:
    engine = make_engine(live.settings.db_url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            customer = identity.find_by_login(db, live.logins["customer"]["login"])
            assert customer is not None
            tx = (
                db.query(WalletTransaction)
                .filter_by(kind="withdrawal", user_id=customer.id)
                .first()
            )
            assert tx is not None
            return tx.public_id
    finally:
        engine.dispose()


def overflow(page: Page, path: str) -> tuple[int, int]:
    """The page's width (the widest of document and body) and the header's height in lines."""
    page.goto(path)
    page.wait_for_load_state("networkidle")
    width = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    # Lines of the header: the distinct rows its visible links, buttons and names sit on.
    lines = page.evaluate(
        """() => { const rows = new Set();
                   for (const el of document.querySelectorAll(
                          'header.topbar a, header.topbar button, header.topbar .who')) {
                     for (const r of el.getClientRects()) {
                       if (r.width > 0 && r.height > 0) rows.add(Math.round(r.top / 12));
                     }
                   }
                   return rows.size; }"""
    )
    page.screenshot(path=f"/tmp/phone{re.sub(r'[^a-z0-9]+', '-', path)}.png", full_page=True)
    return int(width), int(lines)


def test_no_page_is_wider_than_a_phone_and_the_header_is_short(
    phone: Page,
    live_server: LiveServer,
):
    found = {}
    for path in PUBLIC:
        found[path] = overflow(phone, path)
    sign_in_as(phone, live_server, "customer")
    phone.goto("/portal")
    case = phone.locator("main a[href^='/portal/cases/']").filter(has_text=re.compile(".")).all()
    case_paths = [
        href for href in (a.get_attribute("href") for a in case) if href and href[-1].isdigit()
    ]
    assert case_paths
    paths = [*SIGNED_IN, case_paths[0], f"/wallet/withdraw/{withdrawal_of_the_demo(live_server)}"]
    for path in paths:
        found[path] = overflow(phone, path)
    wide = {path: width for path, (width, _) in found.items() if width > PHONE["width"]}
    tall = {path: lines for path, (_, lines) in found.items() if lines > 2}
    assert wide == {} and tall == {}, (wide, tall)


def test_the_menu_button_opens_the_navigation(phone: Page, live_server: LiveServer):
    sign_in_as(phone, live_server, "customer")
    phone.goto("/help")
    link = phone.locator("header .mainnav a[href='/portal']")
    expect(link).to_be_hidden()
    phone.locator("header .menu-toggle").click()
    expect(link).to_be_visible()
    link.click()
    expect(phone).to_have_url(re.compile(r"/portal$"))


def test_without_javascript_the_links_are_reachable(browser: Browser, live_server: LiveServer):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/help")
    page.locator("header .menu-toggle").click()
    expect(page.locator("header .mainnav a[href='/help/official-channels']")).to_be_visible()
    context.close()
