"""A stolen account in a real browser: the customer reports it and outgoing money is frozen at
once, before any person looks (a transfer is refused); they prove the account with the SMS
code and an ID document; an agent reviews the proof and decides; a supervisor approves lifting
the freeze. The customer reads Chinese (the default); staff read English.

Its own customer (not the demo's, whose money other browser tests move).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from tests.browser_support import LiveServer, fill_step_up_code, sign_in_as
from tests.images import png_bytes
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.risk import service as risk
from walletdesk.wallet import service as wallet

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = "13912340077"  # no other browser test uses it
PASSWORD = "quiet orchard compass"
DEMO_PHONE = "13800138000"


def _db(live_server: LiveServer):
    return session_scope(make_sessionmaker(make_engine(live_server.settings.db_url)))


@pytest.fixture
def customer(live_server: LiveServer) -> int:
    """A verified customer with money, who signs in with PASSWORD."""
    with _db(live_server) as db:
        user = identity.create_user(
            db, role="customer", phone=PHONE, password=PASSWORD, display_name="孙七"
        )
        db.execute(update(User).where(User.id == user.id).values(kyc_level="advanced"))
        wallet.post_deposit(
            db,
            user_id=user.id,
            method="bank_card",
            amount_minor=50_000,
            currency="CNY",
            idempotency_key=f"stolen-{uuid.uuid4().hex}",
        )
        return user.id


@pytest.fixture
def staff(browser: Browser, live_server: LiveServer) -> Iterator[dict[str, Page]]:
    pages: dict[str, Page] = {}
    contexts = []
    for role in ("agent", "supervisor"):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in_as(page, live_server, role)
        page.goto("/console?lang=en")
        pages[role] = page
    yield pages
    for context in contexts:
        context.close()


def _sign_in(page: Page) -> None:
    page.goto("/login")
    page.fill("#login", PHONE)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _code_from_outbox(page: Page) -> str:
    outbox = page.context.new_page()
    outbox.goto(f"/dev/sms-outbox?phone={PHONE}")
    bodies = outbox.locator("td.sms-body").all_inner_texts()
    outbox.close()
    for body in bodies:  # newest first; the freeze notice names a case number, not a code
        found = re.search(r"验证码\D*(\d{6})", body)
        if found:
            return found.group(1)
    raise AssertionError(bodies)


def test_a_stolen_account_report_freezes_outgoing_money_at_once(
    page: Page, staff: dict[str, Page], live_server: LiveServer, customer: int
) -> None:
    _sign_in(page)
    page.goto("/portal")
    page.get_by_role("link", name="找回我的账户").click()
    page.get_by_label("我的账户被盗了").check()
    page.fill("#description", "手机昨晚丢了，今天收到陌生设备的登录提醒。")
    page.get_by_role("button", name="提交并继续").click()
    page.wait_for_url(re.compile(r"/portal/recovery/\d+$"))
    case_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#frozen-at-once")).to_contain_text("资金转出已被冻结")
    with _db(live_server) as db:  # frozen before any person looked
        assert [f.rule for f in risk.active_freezes(db, user_id=customer)] == ["reported_stolen"]

    # an attempted transfer is refused
    recovery_page = page.url
    page.goto("/wallet/transfer")
    page.fill("#phone", DEMO_PHONE)
    page.fill("#amount", "10.00")
    page.get_by_role("button", name="下一步：核对信息").click()
    if page.get_by_role("button", name="确认并转账").count():
        fill_step_up_code(page, PHONE)
        page.get_by_role("button", name="确认并转账").click()
    expect(page.get_by_role("alert").first).to_contain_text("冻结")
    with _db(live_server) as db:
        assert wallet.balances(db, user_id=customer)["CNY"].available_minor == 50_000

    # the customer proves the account: the SMS code and an ID document, then sends it
    page.goto(recovery_page)
    page.get_by_role("button", name="向注册手机发送验证码").click()
    page.fill("#code-input", _code_from_outbox(page))
    page.get_by_role("button", name="确认").click()
    expect(page.locator("#phone-confirmed")).to_be_visible()
    page.select_option("#kind", "id_document")
    page.set_input_files(
        "#file", files=[{"name": "id.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="上传").click()
    expect(page.locator("[data-uploaded=id_document]")).to_be_visible()
    page.get_by_role("button", name="提交证明材料审核").click()
    expect(page.get_by_role("status")).to_contain_text("工作人员将审核")

    # the agent finds it from the case page, reviews the proof and decides
    agent = staff["agent"]
    agent.goto(f"/console/cases/{case_id}")
    agent.get_by_role("link", name="Review the proof and decide").click()
    expect(agent.locator("#proof-phone")).to_contain_text("Confirmed by SMS code")
    expect(agent.locator("#state-freeze")).to_contain_text("Frozen: 1 freezes in force")
    expect(agent.locator("#evidence a", has_text="ID document")).to_have_count(1)
    agent.get_by_label("Lift the freeze (a second person approves)").check()
    agent.fill("#decide-reason", "The phone and the ID document match the account.")
    agent.get_by_role("button", name="Record the decision").click()
    expect(agent.get_by_role("status")).to_have_text(
        "Decision recorded; the customer has been told."
    )
    expect(agent.locator(".events")).to_contain_text("froze outgoing money at once")
    expect(agent.locator(".events")).to_contain_text("reset the password and signed out")
    with _db(live_server) as db:
        assert risk.is_frozen(db, user_id=customer)  # until a second person approves

    # a supervisor approves lifting the freeze; money may leave again
    supervisor = staff["supervisor"]
    supervisor.goto("/console/approvals")
    row = supervisor.locator(
        "table.approval-queue:not(#decided) tr", has_text="The phone and the ID document match"
    )
    row.get_by_role("button", name="Approve").click()
    expect(supervisor.get_by_role("status")).to_have_text("Decision recorded.")
    with _db(live_server) as db:
        assert not risk.is_frozen(db, user_id=customer)

    # the customer was signed out by the reset; the outcome waits on the public page of steps
    page.goto(recovery_page)
    expect(page).to_have_url(re.compile(r"/login"))
