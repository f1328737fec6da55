"""The foundation journey in a real browser: a customer searches the help center, reads an
article, opens a case with a screenshot; an agent replies; the customer sees the reply; a
customer cannot open another customer's case by changing the URL.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import LiveServer, sign_in_as
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.identity import service as identity

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _screenshot_png(tmp_path) -> str:
    path = tmp_path / "screenshot-deposit.png"
    image = Image.new("RGB", (320, 200), (240, 244, 250))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_customer_finds_an_answer_as_they_type(page: Page):
    page.goto("/help")
    box = page.locator("input[name=q]").first
    box.fill("体现三天了还没到")  # homophone typo of 提现
    suggestion = page.locator(".suggestions a").first
    expect(suggestion).to_contain_text("提现")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/help/search"))
    page.locator("a[href^='/help/articles/withdrawal-delayed']").first.click()
    expect(page.locator("h1")).to_contain_text("提现")
    expect(page.locator("main")).to_contain_text("审核")


def test_english_visitor_checks_a_fake_number(page: Page):
    page.goto("/help/official-channels?lang=en")
    page.locator("input[name=value]").fill("+86 400 820 6689")
    page.locator("input[name=value]").press("Enter")
    expect(page.locator("main")).to_contain_text("not")


def test_case_round_trip_between_customer_and_agent(
    browser: Browser, page: Page, live_server: LiveServer, tmp_path
):
    sign_in_as(page, live_server, "customer")
    page.goto("/portal/cases/new?category=deposit_withdrawal")
    page.fill("#subject", "银行卡充值 500 元没到账")
    page.fill("#description", "昨天晚上 8 点用银行卡充值 500 元，银行已扣款，钱包里没有。")
    page.fill("#field-amount", "500")
    page.fill("#field-transaction_id", "TX20261122-0042")  # or the bank's name: one of them
    for field in page.locator(".case-field:not([hidden]) input[required]").all():
        if not field.input_value():
            name = field.get_attribute("name") or ""
            field.fill(
                "2026-11-22T20:00"
                if field.get_attribute("type") == "datetime-local"
                else "13800138000"
                if "phone" in name
                else "TX20261122-0042"
            )
    page.set_input_files("#field-attachments", _screenshot_png(tmp_path))
    page.locator("#case-form button[type=submit]:not([name=suggest])").last.click()
    page.wait_for_url(re.compile(r"/portal/cases/\d+$"))
    case_url = page.url
    expect(page.locator("main")).to_contain_text("银行卡充值 500 元没到账")
    expect(page.locator("main")).to_contain_text("screenshot-deposit.png")

    agent_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    agent = agent_context.new_page()
    sign_in_as(agent, live_server, "agent")
    agent.goto("/console")
    agent.locator("a", has_text="银行卡充值 500 元没到账").first.click()
    agent.fill("#reply-body", "您好，我们已查到这笔充值，预计 2 小时内到账。")
    agent.locator("button", has_text=re.compile("发送回复|Send reply")).click()
    agent.locator("#tab-note").click()  # the composer writes a reply or (this tab) a note
    agent.fill("#note-body", "内部：已联系支付渠道核实")
    agent.locator("button", has_text=re.compile("添加备注|Add note")).click()
    expect(agent.locator("main")).to_contain_text("内部：已联系支付渠道核实")
    agent_context.close()

    page.goto(case_url)
    expect(page.locator("main")).to_contain_text("预计 2 小时内到账")
    expect(page.locator("main")).not_to_contain_text("已联系支付渠道核实")


def test_customer_cannot_open_another_customers_case(
    browser: Browser, page: Page, live_server: LiveServer
):
    sign_in_as(page, live_server, "customer")
    page.goto("/portal")
    hrefs = [a.get_attribute("href") or "" for a in page.locator("a[href^='/portal/cases/']").all()]
    first_case = next(h for h in hrefs if re.fullmatch(r"/portal/cases/\d+", h))

    engine = make_engine(live_server.settings.db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        identity.create_user(
            db,
            role="customer",
            phone="13700137000",
            password="another strong pass",
            display_name="王五",
        )
    engine.dispose()
    other_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    other = other_context.new_page()
    other.goto("/login")
    other.fill("#login", "13700137000")
    other.fill("#password", "another strong pass")
    other.click("form.form button[type=submit]")
    response = other.goto(first_case)
    assert response is not None and response.status == 404
    expect(other.locator("main")).not_to_contain_text("张小明")
    other_context.close()
