"""Complaints and appeals in a real browser, as in the demo: the customer files a complaint and
sees its committed deadline; an agent sends a holding reply and the final response; the
customer accepts one final response and escalates another. The customer appeals a transaction
with evidence; the agent upholds it with a refund, a supervisor approves it, and the money
lands in the wallet.

The customer reads Chinese (the default); staff read English.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser_support import LiveServer, sign_in_as
from tests.images import png_bytes
from walletdesk.cases.models import Case, CaseCommitment
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.identity import service as identity
from walletdesk.wallet import service as wallet
from walletdesk.wallet.transactions import WalletTransaction

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DEMO_PHONE = "13800138000"


@pytest.fixture
def agent(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    yield from _staff(browser, live_server, "agent")


@pytest.fixture
def supervisor(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    yield from _staff(browser, live_server, "supervisor")


def _staff(browser: Browser, live_server: LiveServer, role: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in_as(page, live_server, role)
    page.goto("/console?lang=en")  # English from here on
    yield page
    context.close()


def _db(live_server: LiveServer):
    return session_scope(make_sessionmaker(make_engine(live_server.settings.db_url)))


def _file_complaint(page: Page, subject: str) -> str:
    page.goto("/portal")
    page.get_by_role("link", name="提出投诉").click()
    page.fill("#subject", subject)
    page.fill("#description", "提现被拒绝了三次，客服没有说明原因。")
    page.get_by_label("道歉").check()
    page.get_by_role("button", name="提交投诉").click()
    page.wait_for_url(re.compile(r"/portal/cases/\d+$"))
    return page.url


def _answer(agent: Page, case_id: str, *, hold: bool) -> None:
    agent.goto(f"/console/cases/{case_id}")
    expect(agent.locator("#case-clock")).to_contain_text("left")
    if hold:
        agent.select_option("#holding-extension", "complex")
        agent.fill("#holding-reason", "We are waiting for the bank's records.")
        agent.get_by_role("button", name="Send holding reply").click()
        expect(agent.get_by_role("status")).to_contain_text("Holding reply sent")
        expect(agent.locator("#case-clock")).to_contain_text("Extended")
    agent.fill("#final-body", "We checked the three refusals: a limit was set wrongly. Fixed.")
    agent.get_by_role("button", name="Send final response").click()
    expect(agent.get_by_role("status")).to_have_text("Final response sent.")
    expect(agent.locator(".case-meta")).to_contain_text("Final response sent")


def test_a_complaint_is_answered_within_its_deadline_and_accepted_or_escalated(
    page: Page, agent: Page, live_server: LiveServer
):
    sign_in_as(page, live_server, "customer")
    url = _file_complaint(page, "提现被拒绝，没有说明原因")
    case_id = url.rsplit("/", 1)[1]
    with _db(live_server) as db:
        commitment = db.get(CaseCommitment, int(case_id))
        assert commitment is not None and commitment.rule == "cn-complaint"
        due = commitment.due_at
    page.reload()
    clock = page.locator("#case-clock")
    expect(clock).to_contain_text("书面答复期限")
    expect(clock).to_contain_text(due.astimezone().strftime("%Y-%m-%d")[:4])
    expect(clock).to_contain_text("剩余")
    expect(page.locator("main")).to_contain_text("我们已收到您的投诉")

    _answer(agent, case_id, hold=True)
    page.reload()
    expect(page.locator("main")).to_contain_text("We are waiting for the bank's records.")
    expect(page.locator("main")).to_contain_text("国家金融监督管理总局")
    page.get_by_role("button", name="我接受此答复").click()
    page.wait_for_url(re.compile(r"/portal/cases/\d+"))
    expect(page.locator(".case-meta")).to_contain_text("您已接受我们的答复")

    other = _file_complaint(page, "手续费扣了两次")
    _answer(agent, other.rsplit("/", 1)[1], hold=False)
    page.goto(other)
    page.fill("#escalate-note", "我不接受这个解释。")
    page.get_by_role("button", name="我将向外部机构反映").click()
    page.wait_for_url(re.compile(r"/portal/cases/\d+"))
    expect(page.locator(".case-meta")).to_contain_text("您已将投诉提交外部机构")
    expect(page.locator("main")).to_contain_text("12378")


def test_an_appeal_refund_is_approved_by_a_second_person_and_lands_in_the_wallet(
    page: Page, agent: Page, supervisor: Page, live_server: LiveServer, tmp_path
):
    with _db(live_server) as db:
        customer = identity.find_by_login(db, DEMO_PHONE)
        assert customer is not None
        appealed = {
            str(c.details.get("transaction_id"))
            for c in db.scalars(select(Case).where(Case.type == "transaction_appeal"))
        }
        tx = next(
            t
            for t in db.scalars(
                select(WalletTransaction).where(WalletTransaction.user_id == customer.id)
            )
            if t.public_id not in appealed and t.currency == "CNY"
        )
        public_id, customer_id = tx.public_id, customer.id
        before = wallet.balances(db, user_id=customer_id)["CNY"].total_minor
    evidence = tmp_path / "bank-statement.png"
    evidence.write_bytes(png_bytes(320, 200))

    sign_in_as(page, live_server, "customer")
    page.goto("/portal")
    page.get_by_role("link", name="申诉一笔交易").click()
    page.select_option("#transaction", public_id)
    page.fill("#description", "钱包显示失败，但银行卡已经扣款。")
    page.set_input_files("#files", str(evidence))
    page.get_by_role("button", name="提交申诉").click()
    page.wait_for_url(re.compile(r"/portal/cases/\d+$"))
    case_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#case-clock")).to_contain_text("书面答复期限")
    expect(page.locator("main")).to_contain_text("bank-statement.png")

    agent.goto(f"/console/cases/{case_id}")
    agent.select_option("#decision-outcome", "upheld")
    agent.select_option("#decision-remedy", "refund")
    agent.fill("#decision-amount", "10")
    agent.fill("#decision-reason", "The bank confirmed the debit; we put it back.")
    agent.get_by_role("button", name="Send the decision").click()
    expect(agent.get_by_role("status")).to_have_text("Decision sent to the customer.")

    supervisor.goto("/console/approvals")
    row = supervisor.locator(
        "table.approval-queue:not(#decided) tr", has_text="The bank confirmed the debit"
    )
    row.get_by_role("button", name="Approve").click()
    expect(supervisor.get_by_role("status")).to_have_text("Decision recorded.")

    with _db(live_server) as db:
        after = wallet.balances(db, user_id=customer_id)["CNY"].total_minor
    assert after == before + 1000
    page.reload()
    expect(page.locator("main")).to_contain_text("予以支持")
    expect(page.locator("main")).to_contain_text("10.00 CNY")
    expect(page.get_by_role("button", name="对决定提出异议")).to_be_visible()
