"""The wallet in a real browser, as the demo customer uses it: balances, a card deposit that the
payments sandbox confirms by webhook (and one it declines), a transfer by phone with its fee and
limits preview, the history filter and CSV statement, and the withdrawal fee before confirming.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import LiveServer, fill_step_up_code, sign_in_as
from tests.identity.support import VALID_ID_CARD
from tests.images import png_bytes
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.identity import kyc
from walletdesk.identity import service as identity
from walletdesk.payments import methods
from walletdesk.payments.settings import PaymentSettings
from walletdesk.wallet import service as wallet
from walletdesk.wallet import transfers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CARD = "6222 0212 3456 7890 128"  # Luhn-valid test number
FRIEND_PHONE = "13700137000"
DEMO_CUSTOMER = "13800138000"


@dataclass(frozen=True)
class Customer:
    card_id: str  # the bound card's option in the method lists
    card: str  # the card as the pages show it (masked)


@pytest.fixture(scope="module")
def customer(live_server: LiveServer) -> Iterator[Customer]:
    """The demo customer, verified (basic), with money and a bound card; and a friend to pay.
    Seeded through the services, as the customer and staff would have done it."""
    engine = make_engine(live_server.settings.db_url)
    factory = make_sessionmaker(engine, info={"settings": live_server.settings})
    with session_scope(factory) as db:
        user = identity.find_by_login(db, live_server.logins["customer"]["login"])
        agent = identity.find_by_login(db, live_server.logins["agent"]["login"])
        assert user is not None and agent is not None
        if user.kyc_level == "unverified":
            photos = {"id_front": png_bytes(color="red"), "id_back": png_bytes(color="blue")}
            submission = kyc.submit(
                db,
                settings=live_server.settings,
                user=user,
                level="basic",
                real_name="张小明",
                id_type="id_card",
                id_number=VALID_ID_CARD,
                photos=photos,
                ip="127.0.0.1",
            )
            kyc.decide(db, staff=agent, submission_id=submission.id, approve=True, reason="", ip="")
        wallet.post_deposit(
            db,
            user_id=user.id,
            method="bank_card",
            amount_minor=2000_00,
            currency="CNY",
            idempotency_key="browser-wallet-pages:opening-balance",
        )
        card = next((m for m in methods.active_methods(db, user_id=user.id)), None)
        if card is None:
            secret = PaymentSettings.of(live_server.settings).webhook_secret
            card = methods.bind_method(
                db, user_id=user.id, kind="bank_card", number=CARD, bank_name="ICBC", secret=secret
            )
        friend = identity.find_by_login(db, FRIEND_PHONE) or identity.create_user(
            db,
            role="customer",
            phone=FRIEND_PHONE,
            password="friendly orange lantern",
            display_name="王五",
        )
        transfers.confirm_transfer(  # one transfer already in the history
            db,
            sender_id=user.id,
            recipient_id=friend.id,
            amount_minor=5_00,
            currency="CNY",
            idempotency_key="browser-wallet-pages:first-transfer",
        )
        seeded = Customer(card_id=str(card.id), card=card.masked_number)
    engine.dispose()
    yield seeded


def _available(page: Page) -> Decimal:
    page.goto("/wallet")
    text = page.locator("li.balance", has_text="CNY").locator("strong.available").inner_text()
    return Decimal(text.split()[0])


def _available_in_another_tab(page: Page) -> Decimal:
    other = page.context.new_page()
    try:
        return _available(other)
    finally:
        other.close()


def _money(page: Page, selector: str) -> Decimal:
    return Decimal(page.locator(selector).inner_text().split()[0])


def _deposit(page: Page, customer: Customer, amount: str) -> str:
    """Deposit by card through the pages; the public id of the deposit."""
    page.goto("/wallet/deposit")
    page.check("input[name=method][value=bank_card]")
    page.select_option("#payment_method_id", customer.card_id)
    page.fill("#amount", amount)
    page.get_by_role("button", name="Show the fee").click()
    expect(page.locator("dl.summary")).to_contain_text(f"{amount} CNY")
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(r"/wallet/deposit/D\w+$"))
    return page.url.rsplit("/", 1)[1]


def _reload_until(page: Page, selector: str, text: str, timeout: float = 8.0) -> None:
    """The status page refreshes itself every 5 s; a customer who is waiting reloads sooner."""
    deadline = time.monotonic() + timeout
    while text not in page.locator(selector).inner_text():
        assert time.monotonic() < deadline, f"{selector} never showed {text!r}"
        time.sleep(0.2)
        page.reload()


@pytest.fixture
def signed_in(page: Page, live_server: LiveServer, customer: Customer) -> Page:
    sign_in_as(page, live_server, "customer")
    page.goto("/wallet?lang=en")  # the language cookie: English pages from here on
    return page


def test_card_deposit_is_credited_and_shows_in_the_history(signed_in: Page, customer: Customer):
    page = signed_in
    expect(page.locator("h1")).to_have_text("My wallet")
    before = _available(page)
    public_id = _deposit(page, customer, "88.00")
    _reload_until(page, "p.status", "Succeeded")
    fee = _money(page, "dl.summary dd:nth-of-type(3)")
    assert _available(page) == before + Decimal("88.00") - fee
    page.get_by_role("link", name="All transactions").click()
    row = page.locator("tr", has=page.locator(f"a[href='/wallet/transactions/{public_id}']"))
    expect(row).to_contain_text("Succeeded")
    expect(row).to_contain_text("+88.00 CNY")


def test_a_declined_card_deposit_says_why_in_plain_words(signed_in: Page, customer: Customer):
    page = signed_in
    before = _available(page)
    _deposit(page, customer, "20.51")  # the sandbox's card issuer declines .51
    _reload_until(page, "p.status", "Failed")
    expect(page.get_by_role("alert")).to_contain_text("not enough money in that account")
    assert _available(page) == before


def test_transfer_by_phone_shows_fee_and_limits_then_the_balance_drops(signed_in: Page):
    page = signed_in
    before = _available(page)
    page.get_by_role("link", name="Transfer", exact=True).first.click()
    page.fill("#phone", FRIEND_PHONE)
    page.fill("#amount", "12.34")
    page.get_by_role("button", name="Next: check the details").click()
    expect(page.locator("h1")).to_have_text("Check the transfer")
    details = page.locator("dl.tx-details")
    expect(details.locator("dd.recipient")).to_have_text("*五 +86137****7000")
    expect(details).to_contain_text("12.34 CNY")
    expect(details).to_contain_text("Limits left today")
    total = _money(page, "dl.tx-details strong")
    assert total >= Decimal("12.34")
    assert _available_in_another_tab(page) == before  # only the preview: nothing paid yet
    fill_step_up_code(page, DEMO_CUSTOMER)  # asked when this browser is new to the account
    page.get_by_role("button", name="Confirm and send").click()
    expect(page.get_by_role("status")).to_have_text("Transfer sent.")
    assert _available(page) == before - total


def test_history_filter_and_statement_download(signed_in: Page):
    page = signed_in
    page.goto("/wallet/transactions")
    page.select_option("select[name=kind]", "transfer_out")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"kind=transfer_out"))
    rows = page.locator("table.tx-list tbody tr")
    expect(rows.first).to_be_visible()
    kinds = {row.locator("td").nth(1).inner_text().splitlines()[0] for row in rows.all()}
    assert kinds == {"Transfer sent"}
    shown = {
        (a.get_attribute("href") or "").rsplit("/", 1)[1]
        for a in rows.locator("a[href^='/wallet/transactions/']").all()
    }
    link = page.get_by_role("link", name="Download statement (CSV)")
    assert "kind=transfer_out" in (link.get_attribute("href") or "")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "wallet-statement.csv"
    text = download.value.path().read_text("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["Transaction ID", "Time (Beijing)", "Type"]
    assert {line[0] for line in lines} == shown
    assert {line[2] for line in lines} == {"Transfer sent"}


def test_withdrawal_shows_the_fee_before_confirming(signed_in: Page, customer: Customer):
    page = signed_in
    before = _available(page)
    page.goto("/wallet/withdraw")
    page.select_option("#payment_method_id", customer.card_id)
    page.fill("#amount", "100.00")
    page.get_by_role("button", name="Show the fee").click()
    fee = _money(page, "dl.summary dd.fee")
    assert _money(page, "dl.summary dd.total") == Decimal("100.00") + fee
    assert _available_in_another_tab(page) == before  # nothing held before confirming
    fill_step_up_code(page, DEMO_CUSTOMER)
    page.get_by_role("button", name="Confirm and withdraw").click()
    page.wait_for_url(re.compile(r"/wallet/withdraw/W\w+$"))
    expect(page.locator("dl.summary")).to_contain_text(f"{fee:.2f} CNY")
    assert _available(page) == before - Decimal("100.00") - fee
