"""The agent's workspace in a real Chromium: at laptop size the reply box of a long case is in
view without scrolling, replying and setting the status is one step, the keyboard shortcuts
work (and stay quiet while typing), the title says when customers wrote, and a phone shows one
pane at a time with a way back."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import LiveServer, sign_in_as
from walletdesk.cases import service as cases
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.identity import service as identity

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _long_case(live: LiveServer, subject: str, messages: int = 30) -> int:
    """A case of the demo customer with a long description and many long messages."""
    engine = make_engine(live.settings.db_url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            customer = identity.find_by_login(db, live.logins["customer"]["login"])
            assert customer is not None
            case = cases.open_case(
                db,
                customer=customer,
                category="feedback",
                subject=subject,
                description="It started like this. " * 80,
                fields={},
                settings=live.settings,
                force=True,
            )
            for number in range(messages):
                cases.post_reply(
                    db,
                    case=case,
                    author=customer,
                    body=f"Message {number}: " + "and then something else happened. " * 12,
                    settings=live.settings,
                )
            return case.id
    finally:
        engine.dispose()


def _customer_writes(live: LiveServer, case_id: int, body: str) -> None:
    engine = make_engine(live.settings.db_url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            customer = identity.find_by_login(db, live.logins["customer"]["login"])
            case = cases.get_readable_case(db, user=customer, case_id=case_id)
            assert customer is not None
            cases.post_reply(db, case=case, author=customer, body=body, settings=live.settings)
    finally:
        engine.dispose()


@pytest.fixture
def laptop(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in_as(page, live_server, "agent")
    yield page
    context.close()


def _inside(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


def test_the_reply_box_of_a_long_case_is_in_view_beside_queue_and_panel(
    laptop: Page, live_server: LiveServer
):
    case_id = _long_case(live_server, "A very long conversation in the workspace")
    laptop.goto("/console?lang=en&status=active")
    laptop.goto(f"/console/cases/{case_id}")
    reply = _inside(laptop, "#reply-body")
    send = _inside(laptop, "#reply-pane button[type=submit]")
    queue = _inside(laptop, "#queue-pane")
    side = _inside(laptop, "aside.console-side")
    # The reply box and its Send button are in the first screen, and the page itself does
    # not scroll: the thread does.
    assert reply["y"] > 0 and send["y"] + send["height"] <= LAPTOP["height"], send
    height = laptop.evaluate("document.documentElement.scrollHeight")
    assert height <= LAPTOP["height"] + 1
    assert queue["x"] + queue["width"] <= reply["x"] < side["x"]
    assert side["x"] + side["width"] <= LAPTOP["width"] + 1
    # The thread opens at the newest message, and this case is marked in the queue.
    expect(laptop.locator("#thread li[data-author=customer]").last).to_be_in_viewport()
    expect(laptop.locator(f"#queue .queue-item[data-id='{case_id}']")).to_have_class(
        re.compile("current")
    )
    laptop.screenshot(path=str(live_server.settings.data_dir / "workspace-1366.png"))


def test_reply_and_status_in_one_step(laptop: Page, live_server: LiveServer):
    case_id = _long_case(live_server, "Reply and wait for the customer", messages=2)
    laptop.goto(f"/console/cases/{case_id}?lang=en")
    laptop.fill("#reply-body", "Could you send us the screenshot of the error?")
    laptop.select_option("#reply-then", "pending_customer")
    laptop.locator("#reply-pane button[type=submit]").click()
    expect(laptop.locator("#action-reply")).to_have_text("Reply sent.")
    expect(laptop.locator(".ws-item-head .badge.status-pending_customer")).to_have_text(
        "Waiting for customer"
    )
    expect(laptop.locator("#thread")).to_contain_text("send us the screenshot")
    expect(laptop.locator("ol.events")).to_contain_text("Waiting for customer")


def test_keyboard_shortcuts_and_not_while_typing(laptop: Page, live_server: LiveServer):
    first = _long_case(live_server, "Shortcuts first", messages=1)
    second = _long_case(live_server, "Shortcuts second", messages=1)
    laptop.goto("/console?lang=en&status=active")
    laptop.keyboard.press("?")
    expect(laptop.locator("#shortcuts")).to_be_visible()
    laptop.keyboard.press("Escape")
    expect(laptop.locator("#shortcuts")).to_be_hidden()
    # j / k move through the queue's table; Enter opens the chosen one (newest first).
    laptop.keyboard.press("j")
    expect(laptop.locator("tr.queue-item").first).to_have_class(re.compile("selected"))
    laptop.keyboard.press("j")
    laptop.keyboard.press("k")
    expect(laptop.locator("tr.queue-item").first).to_have_class(re.compile("selected"))
    laptop.keyboard.press("Enter")
    # Other tests' conversations share the live server's queue: the first item may be one.
    expect(laptop).to_have_url(re.compile(_item_path(laptop.locator(".queue-item").first) + "$"))

    laptop.goto(f"/console/cases/{second}")
    # n writes a note; typing an "r" or a "j" there stays in the note.
    laptop.keyboard.press("n")
    expect(laptop.locator("#note-body")).to_be_focused()
    expect(laptop.locator("#reply-body")).to_be_hidden()
    laptop.keyboard.type("rj")
    expect(laptop.locator("#note-body")).to_have_value("rj")
    expect(laptop).to_have_url(re.compile(rf"/console/cases/{second}$"))
    laptop.keyboard.press("Escape")
    laptop.keyboard.press("r")
    expect(laptop.locator("#reply-body")).to_be_focused()
    laptop.keyboard.press("Escape")
    laptop.keyboard.press("s")
    expect(laptop.locator("#status")).to_be_focused()
    laptop.keyboard.press("Escape")
    # j opens the next item of the queue.
    items = laptop.locator(".queue-item")
    kinds_ids = [
        (items.nth(i).get_attribute("data-kind"), items.nth(i).get_attribute("data-id"))
        for i in range(items.count())
    ]
    after = kinds_ids[kinds_ids.index(("case", str(second))) + 1]
    assert ("case", str(first)) in kinds_ids[kinds_ids.index(("case", str(second))) + 1 :]
    laptop.locator("#thread").click(position={"x": 5, "y": 5})
    laptop.keyboard.press("j")
    expect(laptop).to_have_url(re.compile(rf"/console/{after[0]}s/{after[1]}$"))


def _item_path(item) -> str:
    kind, ident = item.get_attribute("data-kind"), item.get_attribute("data-id")
    return rf"/console/{kind}s/{ident}"


def test_the_title_counts_what_customers_wrote(laptop: Page, live_server: LiveServer):
    case_id = _long_case(live_server, "Counted in the title", messages=1)
    laptop.goto("/console?lang=en&status=active")
    laptop.goto(f"/console/cases/{case_id}")
    unread = laptop.locator(f"#queue .queue-item[data-id='{case_id}'] .badge.unread")
    expect(unread).to_have_text("1")
    before = int(re.match(r"\((\d+)\) ", laptop.title()).group(1))  # type: ignore[union-attr]
    _customer_writes(live_server, case_id, "Any news?")
    laptop.evaluate("window.walletdeskWorkspace.refresh()")
    expect(laptop).to_have_title(re.compile(rf"^\({before + 1}\) "))
    expect(unread).to_have_text("2")


def test_a_phone_shows_one_pane_at_a_time(browser: Browser, live_server: LiveServer):
    case_id = _long_case(live_server, "Read on a phone", messages=3)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN")
    phone = context.new_page()
    sign_in_as(phone, live_server, "agent")
    phone.goto("/console?lang=en&status=active")
    expect(phone.locator("#queue-pane")).to_be_visible()
    phone.locator(f"tr[data-id='{case_id}'] a").first.click()
    expect(phone).to_have_url(re.compile(rf"/console/cases/{case_id}$"))
    expect(phone.locator("#item-pane")).to_be_visible()
    expect(phone.locator("#queue-pane")).to_be_hidden()
    expect(phone.locator("#side-pane")).to_be_hidden()
    expect(phone.locator("#reply-body")).to_be_in_viewport()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    phone.locator("#item-pane .ws-to-side").click()
    expect(phone.locator("#side-pane")).to_be_visible()
    expect(phone.locator("#item-pane")).to_be_hidden()
    expect(phone.locator("#customer")).to_be_visible()
    phone.locator("#side-pane .ws-back").click()
    expect(phone.locator("#item-pane")).to_be_visible()
    expect(phone.locator("#side-pane")).to_be_hidden()
    phone.go_back()  # the phone's own back button goes back a pane too
    expect(phone.locator("#side-pane")).to_be_visible()
    phone.locator("#side-pane .ws-back").click()
    phone.locator("#item-pane .ws-back").click()
    expect(phone).to_have_url(re.compile(r"/console$"))
    expect(phone.locator("#queue-pane")).to_be_visible()
    context.close()
