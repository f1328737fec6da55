"""The wallet's whole journey in a real browser, as in the demo: a new customer registers with
the code from the sandbox SMS outbox, verifies their identity (an agent approves it), binds a
card, deposits (once declined), pays the demo customer, and withdraws 50,000 CNY the day they
registered: the withdrawal waits for review and the account is frozen. An agent finds the risk
case, sees the customer's money, transactions, freeze and security events, and asks to lift
the freeze and to refund a fee; a supervisor approves both. The ledger still adds up.

The customer reads the pages in Chinese (the default); staff read theirs in English.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser_support import LiveServer, fill_step_up_code, sign_in_as
from tests.images import png_bytes
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.identity import service as identity
from walletdesk.wallet import service as wallet
from walletdesk.wallet.ledger import verify_ledger

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = "13912340001"  # no other browser test uses it
MASKED_PHONE = "+86139****0001"
PASSWORD = "amber harbour lantern"
NAME = "赵六"
ID_NUMBER = "320106198506151231"  # its GB 11643 check digit is right
CARD = "6217 0012 3456 7890 122"  # Luhn-valid, and not the card the demo customer binds
MASKED_CARD = "621700*********0122"
DEMO_PHONE = "13800138000"

StaffPages = Callable[[str], Page]


@pytest.fixture
def staff(browser: Browser, live_server: LiveServer) -> Iterator[StaffPages]:
    """Signed-in staff pages, each in its own browser context (as another person at another
    computer), reading English."""
    contexts = []

    def open_as(role: str) -> Page:
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in_as(page, live_server, role)
        page.goto("/console?lang=en")  # the language cookie: English from here on
        return page

    yield open_as
    for context in contexts:
        context.close()


def _reload_until(page: Page, target: Locator, text: str, timeout: float = 10.0) -> None:
    """Waits for a payment's status: the page refreshes itself every 5 s; a customer who is
    waiting reloads sooner."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            expect(target).to_contain_text(text, timeout=500)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


def _register(page: Page) -> None:
    page.goto("/register")
    expect(page.locator("h1")).to_have_text("注册账户")
    page.fill("#phone", PHONE)
    page.get_by_role("button", name="发送验证码").click()
    expect(page.get_by_role("status")).to_have_text(f"短信已发送至 {MASKED_PHONE}。")
    outbox = page.context.new_page()  # the sandbox provider's outbox, where the text landed
    outbox.goto(f"/dev/sms-outbox?phone={PHONE}")
    text = outbox.locator("td.sms-body").first.inner_text()
    outbox.close()
    code = re.search(r"(?<!\d)\d{6}(?!\d)", text)
    assert code is not None, text
    page.fill("#code", code.group(0))
    page.fill("#display_name", NAME)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    page.wait_for_url(re.compile(r"/security\?welcome=1$"))


def _verify_identity(page: Page, agent: Page, tmp_path) -> None:
    """Basic real-name verification with both sides of the ID card; the agent approves it."""
    front, back = tmp_path / "id-front.png", tmp_path / "id-back.png"
    front.write_bytes(png_bytes(320, 200, color="red"))
    back.write_bytes(png_bytes(320, 200, color="blue"))
    page.goto("/security/kyc")
    page.fill("#real_name", NAME)
    page.select_option("#id_type", "id_card")
    page.fill("#id_number", ID_NUMBER)
    page.set_input_files("#id_front", str(front))
    page.set_input_files("#id_back", str(back))
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_role("status")).to_contain_text("我们会审核您的资料")
    expect(page.locator("tr[data-status=pending]")).to_contain_text("320106********1231")

    agent.goto("/console/kyc")
    row = agent.locator("tr", has_text=MASKED_PHONE)
    expect(row).to_contain_text(NAME)
    row.get_by_role("link").click()
    photos = agent.locator(".kyc-photos img")
    expect(photos).to_have_count(2)
    for photo in photos.all():  # the uploaded photos really show
        expect(photo).to_have_js_property("complete", True)
        assert photo.evaluate("img => img.naturalWidth") == 320
    agent.get_by_role("button", name="Approve").click()
    agent.wait_for_url(re.compile(r"/console/kyc$"))
    expect(agent.locator("main")).not_to_contain_text(MASKED_PHONE)

    page.reload()
    expect(page.locator("strong[data-level]")).to_have_text("基础认证（身份证件）")


def _bind_card(page: Page) -> str:
    """Binds the card; its option's value in the deposit and withdrawal forms."""
    page.goto("/wallet/methods")
    page.select_option("#kind", "bank_card")
    page.fill("#number", CARD)
    page.fill("#bank_name", "招商银行")
    page.get_by_role("button", name="绑定", exact=True).click()
    expect(page.locator("ul.methods")).to_contain_text(f"招商银行 {MASKED_CARD}")
    page.goto("/wallet/deposit")
    option = page.locator("#payment_method_id option", has_text=MASKED_CARD)
    return option.get_attribute("value") or ""


def _deposit(page: Page, method: str, amount: str, card_id: str = "") -> str:
    """Deposits through the pages, checking the fee shown first; the deposit's public id."""
    page.goto("/wallet/deposit")
    page.check(f"input[name=method][value={method}]")
    if card_id:
        page.select_option("#payment_method_id", card_id)
    page.fill("#amount", amount)
    page.get_by_role("button", name="查看手续费").click()
    expect(page.locator("dl.summary")).to_contain_text(f"{amount} CNY")
    page.get_by_role("button", name="支付", exact=True).click()
    page.wait_for_url(re.compile(r"/wallet/deposit/D\w+$"))
    return page.url.rsplit("/", 1)[1]


def _deposits(page: Page, card_id: str) -> str:
    """A card deposit that succeeds, one the card's bank declines, and one by payment app
    with a fee; the public id of the last. Its fee is the one staff refund: a transfer in one
    currency and the month's first withdrawals cost nothing."""
    _deposit(page, "bank_card", "60000.00", card_id)
    _reload_until(page, page.locator("p.status"), "成功")

    _deposit(page, "bank_card", "200.51", card_id)  # the sandbox's issuer declines .51
    _reload_until(page, page.locator("p.status"), "失败")
    expect(page.get_by_role("alert")).to_contain_text(
        "银行或支付平台拒绝了这笔充值：该账户余额不足，未扣款。"
    )

    public_id = _deposit(page, "payment_app", "1000.00")
    _reload_until(page, page.locator("p.status"), "成功")
    expect(page.locator("dl.summary")).to_contain_text("6.00 CNY")  # 0.6% by payment app
    page.goto("/wallet")
    expect(page.locator("li.balance strong.available")).to_have_text("60994.00 CNY")
    return public_id


def _demo_customer_cny(live: LiveServer) -> int:
    engine = make_engine(live.settings.db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        user = identity.find_by_login(db, live.logins["customer"]["login"])
        assert user is not None
        balance = wallet.balances(db, user_id=user.id).get("CNY")
        available = balance.available_minor if balance else 0
    engine.dispose()
    return available


def _transfer_to_demo_customer(page: Page, live: LiveServer) -> None:
    before = _demo_customer_cny(live)
    page.goto("/wallet/transfer")
    page.fill("#phone", DEMO_PHONE)
    page.fill("#amount", "100.00")
    page.get_by_role("button", name="下一步：核对信息").click()
    expect(page.locator("h1")).to_have_text("确认转账信息")
    details = page.locator("dl.tx-details")
    expect(details.locator("dd.recipient")).to_have_text("**明 +86138****8000")
    expect(details).to_contain_text("100.00 CNY")
    expect(details).to_contain_text("今日剩余额度")
    expect(details).to_contain_text(  # the basic level's limits, nothing sent yet today
        "今日额度 100000.00 CNY，剩余 100000.00 CNY；单笔最多 50000.00 CNY"
    )
    expect(details.locator("strong")).to_have_text("100.00 CNY")  # no fee in one currency
    assert _demo_customer_cny(live) == before  # only the preview: nothing paid yet
    fill_step_up_code(page, PHONE)
    page.get_by_role("button", name="确认并转账").click()
    expect(page.get_by_role("status")).to_have_text("转账成功。")
    assert _demo_customer_cny(live) == before + 100_00


def _withdraw_and_be_frozen(page: Page, card_id: str) -> str:
    """The withdrawal at the basic level's single limit; the case number the wallet gives."""
    page.goto("/wallet/withdraw")
    page.select_option("#payment_method_id", card_id)
    page.fill("#amount", "50000.00")
    page.get_by_role("button", name="查看手续费").click()
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text(MASKED_CARD)
    expect(summary.locator("dd.fee")).to_have_text("0.00 CNY")  # the month's first is free
    expect(summary.locator("dd.total")).to_have_text("50000.00 CNY")
    # At or above 1,000 CNY the withdrawal asks for the code texted to the customer.
    expect(page.locator(".step-up")).to_contain_text("请输入我们发送至 +86139****0001 的短信验证码")
    assert fill_step_up_code(page, PHONE)
    page.get_by_role("button", name="确认提现").click()
    page.wait_for_url(re.compile(r"/wallet/withdraw/W\w+$"))
    withdrawal_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_role("status")).to_have_text("等待审核")
    expect(page.locator("ol.steps")).to_contain_text("等待人工审核")

    page.goto("/wallet")
    notice = page.locator("#freeze")
    expect(notice).to_contain_text("您的账户已被冻结")
    expect(notice).to_contain_text("新开立的账户发起了大额提现。")
    expect(notice).to_contain_text("账户冻结期间无法转出或提现。")
    expect(notice).to_contain_text("您需要做的：在工单中回复，或联系客服并提供工单号。")
    expect(page.locator("li.balance .held")).to_have_text("冻结中：50000.00 CNY")
    case_number = notice.locator("li[data-freeze]").get_attribute("data-freeze") or ""
    notice.get_by_role("link", name=f"工单 {case_number}").click()  # the case it names
    expect(page.locator("h1")).to_have_text("账户因安全审核被冻结")
    expect(page.locator("main")).to_contain_text(f"因交易 {withdrawal_id}（50000.00 CNY）")
    return case_number


def _open_risk_case(agent: Page, case_number: str) -> None:
    agent.goto("/console")
    agent.fill("input[name=q]", case_number)
    agent.locator("#queue").get_by_role("button", name="Filter").click()
    row = agent.locator("table.case-list tr", has_text=case_number)
    expect(row).to_contain_text(NAME)
    expect(row).to_contain_text("High")
    row.get_by_role("link", name=case_number).click()
    # A system title, shown in the reader's language (the agent reads English).
    expect(agent.locator("h1")).to_have_text("Account frozen for a security review")


def _check_customer_panel(agent: Page, deposit_id: str) -> None:
    panel = agent.locator("#customer")
    expect(panel).to_contain_text("Basic (ID document)")
    balance = panel.locator("h3:has-text('Balances') + table tbody tr")
    expect(balance).to_have_count(1)
    expect(balance.locator("td")).to_have_text(["CNY", "10894.00 CNY", "50000.00 CNY"])
    declined = panel.locator("tr", has_text="200.51 CNY")
    expect(declined).to_contain_text("Failed")
    expect(declined).to_contain_text("not enough money in that account")
    held = panel.locator("tr", has_text="-50000.00 CNY")
    expect(held).to_contain_text("Withdrawal")
    expect(held).to_contain_text("Waiting for review")
    expect(panel.locator("tr", has_text=deposit_id)).to_contain_text("6.00 CNY")
    freeze = panel.locator("li[data-freeze]")
    expect(freeze).to_contain_text("Frozen")
    expect(freeze).to_contain_text("Large withdrawal from a new account")
    events = panel.locator("h3:has-text('Security events') + ul")
    expect(events).to_contain_text("Account created")
    expect(events).to_contain_text("Signed in · Chrome on Linux")
    expect(events).to_contain_text("Real-name verification submitted")


def _ask_to_unfreeze(agent: Page) -> None:
    freeze = agent.locator("#customer li[data-freeze]")
    freeze.locator("input[name=reason]").fill("Called the customer back: the money is theirs")
    freeze.get_by_role("button", name="Ask to unfreeze").click()
    expect(agent.locator("#customer li[data-freeze]")).to_contain_text(
        "Unfreezing waits for approval"
    )


def _approve(supervisor: Page, reason: str, label: str) -> None:
    supervisor.goto("/console/approvals")
    row = supervisor.locator("table.approval-queue:not(#decided) tr", has_text=reason)
    expect(row).to_contain_text(label)
    expect(row).to_contain_text(NAME)
    row.get_by_role("button", name="Approve").click()
    expect(supervisor.get_by_role("status")).to_have_text("Decision recorded.")
    # It leaves the queue for the list of decisions.
    expect(supervisor.locator("table.approval-queue:not(#decided)", has_text=reason)).to_have_count(
        0
    )
    expect(supervisor.locator("#decided tr", has_text=reason)).to_contain_text("Approved")


def _ask_for_fee_refund(agent: Page, deposit_id: str, reason: str) -> None:
    agent.reload()
    form = agent.locator("form[action$='/fee-refund']")
    expect(form.locator("#refund-tx option", has_text=deposit_id)).to_contain_text("6.00 CNY")
    form.locator("#refund-tx").select_option(deposit_id)
    form.locator("#refund-amount").fill("6.00")
    form.locator("#refund-reason").fill(reason)
    form.get_by_role("button", name="Ask for approval").click()
    asked = agent.locator("#customer li", has_text="Refund a fee")
    expect(asked).to_contain_text(f"Amount: 6.00 CNY · Transaction: {deposit_id}")
    expect(asked).to_contain_text("Waiting for approval")


def _ledger_problems(live: LiveServer) -> list[str]:
    """What `walletdesk ledger verify` reports, on the live server's database."""
    engine = make_engine(live.settings.db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        report = verify_ledger(db)
    engine.dispose()
    return [] if report.ok else report.lines()


def test_new_customer_large_withdrawal_frozen_then_released_by_two_staff(
    page: Page, staff: StaffPages, live_server: LiveServer, tmp_path
):
    _register(page)
    agent = staff("agent")
    _verify_identity(page, agent, tmp_path)
    card_id = _bind_card(page)
    fee_deposit = _deposits(page, card_id)
    _transfer_to_demo_customer(page, live_server)
    case_number = _withdraw_and_be_frozen(page, card_id)

    _open_risk_case(agent, case_number)
    _check_customer_panel(agent, fee_deposit)
    _ask_to_unfreeze(agent)
    supervisor = staff("supervisor")
    _approve(supervisor, "Called the customer back: the money is theirs", "Unfreeze the account")
    refund_reason = "Payment app fee refunded as a goodwill gesture"
    _ask_for_fee_refund(agent, fee_deposit, refund_reason)
    _approve(supervisor, refund_reason, "Refund a fee")

    agent.reload()
    timeline = agent.locator("ol.events")
    expect(timeline).to_contain_text("asked for approval: Unfreeze the account")
    expect(timeline).to_contain_text("lifted the freeze on the account, asked by Agent Li")
    expect(timeline).to_contain_text("approved: Unfreeze the account")
    expect(timeline).to_contain_text("credited 6.00 CNY to the customer's wallet: Refund a fee")
    expect(agent.locator("form[action$='/fee-refund']")).to_have_count(0)  # the fee is used up
    expect(agent.locator("#customer li[data-freeze]")).to_contain_text("Lifted")

    page.goto("/wallet")
    expect(page.locator("h1")).to_have_text("我的钱包")
    expect(page.locator("#freeze")).to_have_count(0)
    expect(page.locator("li.balance strong.available")).to_have_text("10900.00 CNY")
    refund = page.locator("table.tx-list tr", has_text=fee_deposit)
    expect(refund).to_contain_text("退款")
    expect(refund).to_contain_text("+6.00 CNY")

    assert _ledger_problems(live_server) == []
