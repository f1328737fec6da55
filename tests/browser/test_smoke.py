"""The sign-in page in a real browser: the language switch and a failed sign-in."""

from __future__ import annotations

import pytest

from tests.browser_support import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_sign_in_page_switches_language(page):
    page.goto("/login")
    assert page.locator("h1").inner_text() == "登录"
    page.click("a[data-lang=en]")
    assert page.locator("h1").inner_text() == "Sign in"
    page.goto("/login")  # the choice is remembered
    assert page.locator("h1").inner_text() == "Sign in"


def test_wrong_password_shows_an_error(page):
    page.goto("/login?lang=zh")
    page.fill("#login", "13800138000")
    page.fill("#password", "definitely-wrong")
    page.click("form.form button[type=submit]")
    assert "账号或密码错误" in page.locator("[role=alert]").inner_text()


def test_customer_signs_in_and_out(page, live_server):
    sign_in_as(page, live_server, "customer")
    assert page.locator(".who").inner_text() == "张小明"
