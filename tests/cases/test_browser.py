"""The new-case form in a real browser: the category's fields switch in place, help articles
are suggested while typing, and the case is submitted. (The live server and the browser come
from tests/browser, through this folder's conftest.)"""

from __future__ import annotations

import pytest

from tests.browser_support import sign_in_as
from walletdesk.cases import service as cases
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.identity import service as identity

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_fields_switch_in_place_and_the_case_is_submitted(page, live_server):
    sign_in_as(page, live_server, "customer")
    page.goto("/portal/cases/new?category=deposit_withdrawal&lang=en")
    assert page.is_visible("#field-transaction_id")
    assert not page.is_visible("#field-error_message")
    assert not page.is_visible("[data-without-js]")  # no round trip needed with JS
    page.evaluate("window.stillHere = true")

    page.select_option("#category", "technical")
    assert page.is_visible("#field-error_message")
    assert not page.is_visible("#field-transaction_id")
    assert page.evaluate("window.stillHere") is True  # the page did not reload
    assert "category=technical" in page.url  # a reload or a shared link keeps the choice
    assert "app closes" in (page.get_attribute("#description", "placeholder") or "")

    page.fill("#subject", "App closes on the transfer page")
    page.click("#use-outline")
    assert page.input_value("#description").startswith("What happened:")
    page.fill("#description", "The app closes as soon as I open the transfer page.")
    page.fill("#field-error_message", "Error 1002")
    page.click("text=Submit the case now")
    page.wait_for_url("**/portal/cases/*")
    assert "App closes on the transfer page" in page.inner_text("h1")
    assert "WD-" in page.inner_text(".case-number")
    assert "Error 1002" in page.inner_text(".case-details")


def test_help_articles_are_suggested_while_typing(page, live_server):
    sign_in_as(page, live_server, "customer")
    page.goto("/portal/cases/new?category=deposit_withdrawal&lang=zh")
    assert not page.is_visible("#live-suggestions")
    page.fill("#subject", "充值未到账")
    page.wait_for_selector("#live-suggestions:not([hidden])")
    first = page.locator("#suggestion-list a").first
    assert first.get_attribute("href").startswith("/help/articles/")
    assert first.inner_text()


def test_the_agents_case_page_starts_with_the_conversation_and_returns_to_an_action(
    page, live_server
):
    """At 1,280 px the reply box is in the first screen, the customer panel beside it; after
    an action the page comes back to that form with a confirmation in sight."""
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, live_server, "agent")
    page.goto("/console?lang=en")
    # The inbox keeps ids and status pills on one line.
    for number in page.locator("table.inbox-table tbody tr td:first-child a").all()[:5]:
        assert number.bounding_box()["height"] < 30
    for pill in page.locator("table.inbox-table .badge").all()[:10]:
        assert pill.bounding_box()["height"] < 30
    page.screenshot(path=str(live_server.settings.data_dir / "inbox-1280.png"))
    page.locator("table.inbox-table tbody a").first.click()
    page.wait_for_load_state("networkidle")
    page.goto(f"/console/cases/{_long_case(live_server)}?lang=en")  # however long the case
    page.wait_for_load_state("networkidle")
    reply = page.locator("#reply-body").bounding_box()
    side = page.locator("aside.console-side").bounding_box()
    conversation = page.locator("ol.conversation").bounding_box()
    assert conversation["y"] < 600 and reply["y"] < 900, reply  # both start in the first screen
    assert side["x"] > reply["x"] + reply["width"] and side["y"] < 300
    page.screenshot(path=str(live_server.settings.data_dir / "case-1280.png"))

    page.click("#tab-note")  # the composer writes a reply or (this tab) a note
    page.fill("#note-body", "Checked the bank statement with the customer.")
    page.click("section.internal-note button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("#action-note")
    done = page.locator("#action-note")
    assert done.inner_text() == "Note added."
    box = done.bounding_box()
    assert 0 <= box["y"] < 900  # scrolled to it


def _long_case(live_server) -> int:
    """A case of the demo customer with a long description and thirty long messages."""
    engine = make_engine(live_server.settings.db_url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            customer = identity.find_by_login(db, live_server.logins["customer"]["login"])
            assert customer is not None
            case = cases.open_case(
                db,
                customer=customer,
                category="feedback",
                subject="A very long conversation",
                description="It started like this. " * 80,
                fields={},
                settings=live_server.settings,
                force=True,
            )
            for number in range(30):
                cases.post_reply(
                    db,
                    case=case,
                    author=customer,
                    body=f"Message {number}: " + "and then something else happened. " * 12,
                    settings=live_server.settings,
                )
            return case.id
    finally:
        engine.dispose()
