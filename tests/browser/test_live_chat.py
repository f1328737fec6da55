"""The issue's proof in a real Chromium: a visitor chats in Chinese from the help center's
widget, pastes a (fake) recovery phrase and sees it hidden with a warning, asks for a person
and sees the queue position; an agent in a second browser takes the conversation in the
workspace and answers live; a reload on either side loses nothing and doubles nothing."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser_support import LiveServer, sign_in_as
from tests.images import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
FAKE_PHRASE = "abandon ability able about above absent absorb abstract absurd abuse access accident"


def _say(page: Page, text: str) -> None:
    page.fill(".wd-chat-input", text)
    page.locator(".wd-chat-send").click()
    try:
        expect(page.locator(".wd-chat-msg.from-customer").last).to_contain_text(text[:4])
    except AssertionError as exc:  # say what the widget showed instead
        error = page.locator(".wd-chat-error").text_content()
        typed = page.locator(".wd-chat-input").input_value()
        raise AssertionError(f"{exc}\nwidget error: {error!r}; input: {typed!r}") from exc


def _open_chat(
    browser: Browser, live_server: LiveServer, *, without_websockets: bool = False
) -> tuple[BrowserContext, Page]:
    """A new visitor on the Chinese help center, with the chat panel opened."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    if without_websockets:  # as behind a proxy that blocks them
        context.add_init_script("delete window.WebSocket;")
    page = context.new_page()
    page.goto("/help?lang=zh")
    page.locator(".wd-chat-launcher").click()
    return context, page


def _seqs(page: Page, selector: str) -> list[int]:
    return [
        int(s) for s in page.locator(selector).evaluate_all("els => els.map(e => e.dataset.seq)")
    ]


def _set_presence(agent: Page, status: str) -> None:
    toggle = agent.locator("#presence-toggle").first
    label = "在线" if status == "available" else "离开"
    if label not in toggle.inner_text():
        toggle.click()
        agent.wait_for_load_state("networkidle")


def test_a_visitor_and_an_agent_chat_live_and_a_reload_loses_nothing(
    browser: Browser, live_server: LiveServer
):
    visitor_context, visitor = _open_chat(browser, live_server)
    expect(visitor.locator(".wd-chat-panel")).to_be_visible()
    expect(visitor.locator(".wd-chat-launcher")).to_have_text("在线咨询")

    _say(visitor, "你好，我的充值还没到账")
    _say(visitor, f"我的助记词是 {FAKE_PHRASE}")
    # Hidden before it was stored or shown, and the customer is warned.
    expect(visitor.locator(".wd-chat-messages")).not_to_contain_text("abandon ability")
    expect(visitor.locator(".wd-chat-msg.kind-warning")).to_be_visible()

    # Asking for a person: in words (the assistant hands over), or with the button.
    _say(visitor, "转人工")
    status = visitor.locator(".wd-chat-status")
    try:
        expect(status).to_contain_text("排第", timeout=4_000)
    except AssertionError:
        visitor.locator(".wd-chat-person").click()
    expect(status).to_contain_text(re.compile(r"排第 \d+ 位"))

    agent_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    agent = agent_context.new_page()
    sign_in_as(agent, live_server, "agent")
    agent.goto("/console?lang=zh")
    chat = agent.locator("#chat-queue tr[data-kind=conversation]").first
    expect(chat).to_contain_text("等待人工")
    conversation_id = chat.get_attribute("data-id")
    _set_presence(agent, "available")  # available: the waiting conversation comes to them
    agent.goto(f"/console/conversations/{conversation_id}")
    transcript = agent.locator("#transcript")
    expect(transcript).to_contain_text("我的充值还没到账")
    expect(transcript).not_to_contain_text("abandon ability")
    expect(visitor.locator(".wd-chat-status")).to_contain_text("客服人员已加入")

    agent.fill("#chat-text", "您好，我是客服，正在为您查询充值。")
    agent.locator("#chat-form button[type=submit]").click()
    expect(agent.locator("#chat-text")).to_have_value("")
    # The visitor sees it without a reload, and the agent sees the visitor's answer the same way.
    expect(visitor.locator(".wd-chat-msg.from-agent")).to_contain_text("正在为您查询充值")
    _say(visitor, "好的，谢谢")
    expect(transcript).to_contain_text("好的，谢谢")

    # An answer that asks for a secret is refused with the reason, and its text is kept.
    agent.fill("#chat-text", "请把您的助记词发给我核实")
    agent.locator("#chat-form button[type=submit]").click()
    expect(agent.locator("#chat-refused")).to_be_visible()
    expect(agent.locator("#chat-text")).to_have_value("请把您的助记词发给我核实")

    before_visitor = _seqs(visitor, ".wd-chat-msg[data-seq]")
    visitor.reload()
    expect(visitor.locator(".wd-chat-panel")).to_be_visible()  # still open after the reload
    expect(visitor.locator(".wd-chat-msg.from-customer").last).to_contain_text("好的，谢谢")
    after_visitor = _seqs(visitor, ".wd-chat-msg[data-seq]")
    assert after_visitor == sorted(set(after_visitor)) and after_visitor == before_visitor

    before_agent = _seqs(agent, "#transcript li[data-seq]")
    agent.reload()
    expect(agent.locator("#transcript")).to_contain_text("好的，谢谢")
    assert _seqs(agent, "#transcript li[data-seq]") == before_agent

    # After both reloads the conversation goes on live.
    _say(visitor, "请问大概多久？")
    expect(agent.locator("#transcript")).to_contain_text("请问大概多久？")
    agent.fill("#chat-text", "预计两小时内到账。")
    agent.locator("#chat-form button[type=submit]").click()
    expect(visitor.locator(".wd-chat-msg.from-agent").last).to_contain_text("预计两小时内到账")
    assert len(set(_seqs(visitor, ".wd-chat-msg[data-seq]"))) == len(
        _seqs(visitor, ".wd-chat-msg[data-seq]")
    )

    agent.goto("/console")
    _set_presence(agent, "away")
    agent_context.close()
    visitor_context.close()


def test_what_the_visitor_types_while_a_message_is_on_its_way_is_kept(
    browser: Browser, live_server: LiveServer
):
    """The answer to a message's POST comes after the assistant has replied: a customer who
    types the next line meanwhile keeps it, and a message that fails comes back to the box."""
    context, visitor = _open_chat(browser, live_server)
    box = visitor.locator(".wd-chat-input")
    held: list[Route] = []
    messages = "**/api/v1/conversations/*/messages"
    # The server's answer waits until the test releases it.
    visitor.route(messages, lambda route: held.append(route))
    visitor.fill(".wd-chat-input", "我的充值还没到账")
    visitor.locator(".wd-chat-send").click()
    expect(box).to_have_value("")
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        visitor.wait_for_timeout(50)
    box.press_sequentially("已经两个小时了")
    held.pop().continue_()
    expect(visitor.locator(".wd-chat-msg.from-customer").last).to_contain_text("我的充值")
    expect(box).to_have_value("已经两个小时了")

    visitor.unroute(messages)
    visitor.route(
        messages,
        lambda route: route.fulfill(status=503, json={"error": {"message": "服务暂时不可用"}}),
    )
    visitor.locator(".wd-chat-send").click()
    expect(visitor.locator(".wd-chat-error")).to_contain_text("服务暂时不可用")
    expect(box).to_have_value("已经两个小时了")
    expect(visitor.locator(".wd-chat-messages")).not_to_contain_text("已经两个小时了")
    context.close()


def test_where_websockets_are_blocked_the_queue_place_still_moves_live(
    browser: Browser, live_server: LiveServer
):
    """The widget falls back to server-sent events; a waiting visitor's place still moves up
    without a reload when the customer ahead of them is taken by an agent."""
    visitors = []
    for _ in range(2):
        context, page = _open_chat(browser, live_server, without_websockets=True)
        _say(page, "你好")
        page.locator(".wd-chat-person").click()
        expect(page.locator(".wd-chat-status")).to_contain_text(re.compile(r"排第 \d+ 位"))
        visitors.append((context, page))
    ahead, behind = visitors[0][1], visitors[1][1]
    status = behind.locator(".wd-chat-status")
    place = int(re.search(r"排第 (\d+) 位", status.inner_text()).group(1))  # type: ignore[union-attr]

    creds = live_server.logins["agent"]
    with httpx.Client(base_url=live_server.url) as api:
        token = api.post(
            "/api/v1/auth/token", json={"login": creds["login"], "password": creds["password"]}
        ).json()["access_token"]
        stored = ahead.evaluate(
            "() => JSON.parse(Object.entries(localStorage)"
            ".find(([k]) => k.startsWith('walletdesk.chat:'))[1])"
        )
        taken = api.post(
            f"/api/v1/conversations/{stored['id']}/assign",
            json={},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert taken.status_code == 200, taken.text
        expect(status).to_contain_text(f"排第 {place - 1} 位")
        api.post(
            f"/api/v1/conversations/{stored['id']}/close",
            json={},
            headers={"Authorization": f"Bearer {token}"},
        )
    for context, _page in visitors:
        context.close()


def _shown(page: Page, selector: str) -> None:
    """The picture was fetched and decoded (not a broken image) within 10 s."""
    page.wait_for_function(
        "s => { const i = [...document.querySelectorAll(s)].pop();"
        " return Boolean(i && i.complete && i.naturalWidth > 0); }",
        arg=selector,
        timeout=10_000,
    )


def test_a_visitor_sends_a_screenshot_and_the_agent_sees_it(
    browser: Browser, live_server: LiveServer
):
    visitor_context, visitor = _open_chat(browser, live_server)
    expect(visitor.locator(".wd-chat-attach")).to_have_text("发送文件")
    _say(visitor, "充值失败了，我截了图")

    # Something that is not a picture, named like one, is refused and nothing is sent.
    fake = {"name": "screen.png", "mimeType": "image/png", "buffer": b"MZ\x90\x00 not a png"}
    visitor.locator(".wd-chat-file").set_input_files(files=[fake])
    expect(visitor.locator(".wd-chat-error")).to_be_visible()
    expect(visitor.locator(".wd-chat-file-box")).to_have_count(0)

    shot = {"name": "付款失败.png", "mimeType": "image/png", "buffer": png_bytes()}
    visitor.locator(".wd-chat-file").set_input_files(files=[shot])
    sent = visitor.locator(".wd-chat-msg.from-customer.kind-attachment")
    expect(sent).to_contain_text("付款失败.png")
    expect(sent.locator(".wd-chat-picture")).to_be_visible()
    _shown(visitor, ".wd-chat-picture")
    expect(visitor.locator(".wd-chat-error")).to_be_hidden()

    stored = visitor.evaluate(
        "JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('walletdesk.chat:'))))"
    )
    agent_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    agent = agent_context.new_page()
    sign_in_as(agent, live_server, "agent")
    agent.goto(f"/console/conversations/{stored['id']}?lang=zh")
    transcript = agent.locator("#transcript")
    expect(transcript.locator(".chat-file")).to_contain_text("文件: 付款失败.png")
    _shown(agent, "#transcript .chat-picture")

    # The agent sends a picture back from the workspace; the visitor sees it without a reload.
    agent.set_input_files("#chat-file", files=[{**shot, "name": "步骤.png"}])
    agent.locator("#chat-file-form button[type=submit]").click()
    expect(agent.locator("#transcript")).to_contain_text("步骤.png")
    answer = visitor.locator(".wd-chat-msg.from-agent.kind-attachment")
    expect(answer.locator(".wd-chat-picture")).to_be_visible()
    _shown(visitor, ".wd-chat-msg.from-agent .wd-chat-picture")

    # The file is the conversation's: another visitor's browser cannot fetch it.
    url = f"/api/v1/conversations/{stored['id']}/attachments/"
    href = transcript.locator(".chat-file").first.get_attribute("href") or ""
    assert href.startswith(url)
    stranger = httpx.get(live_server.url + href, headers={"X-Conversation-Token": "wrong"})
    assert stranger.status_code in (403, 404)
    agent_context.close()
    visitor_context.close()
