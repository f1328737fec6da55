"""The help articles describe the product as it is: every page an article names exists, and
every button or link it tells the customer to press is on the page it names.

The convention the articles follow (content/README.md repeats it):
- A page is named by its path, as a Markdown link `[the security page](/security)` or in
  backticks `/security`. Every such path must answer 200 (or 303, a redirect to sign in or
  on) to anyone or to the signed-in demo customer.
- A button or link label is written in bold quotes: **「忘记密码？」** in Chinese,
  **“Forgot your password?”** in English, exactly as the page shows it in that language.
  The paragraph or list item holding a label names the page it is on (a path as above); the
  label must appear in that page's HTML, in the article's language.
- Things the product does not have are never promised: the phrases in NOT_IN_THE_PRODUCT.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import sign_in
from walletdesk.db import session_scope
from walletdesk.helpcenter import content, service

PATH = re.compile(r"\]\((/[^)\s#?]*)[^)]*\)|`(/[a-z0-9/_.-]*)`")
LABEL = re.compile(r"\*\*(?:「([^」]+)」|“([^”]+)”)\*\*")
NOT_IN_THE_PRODUCT = [
    "登录遇到问题",
    "Trouble logging in",
    "人脸",
    "face check",
    "face recognition",
    "申请升级",
    "智能助手",
    "在线助手",
    "assistant",
    "在线客服",
    "in-app chat",
    "web chat",
    "human chat",
    "chat assistant",
    "start a chat",
    "chat window",
    "in the app: **",
    "回电",
    "callback",
    "call you back",
    "我的 →",
    "Me →",
    "帮助与客服",
    "Help & Support →",
    "Home →",
    "首页 →",
    "扫一扫",
]


def blocks(body: str) -> list[str]:
    """Paragraphs and list items."""
    parts = re.split(r"\n\s*\n|\n(?=\s*(?:[-*]|\d+\.)\s)", body)
    return [p for p in parts if p.strip()]


ARTICLES = content.read_articles()


@pytest.fixture
def pages(app, client, people):
    """The HTML of a path in a language, as anyone and as the signed-in customer."""
    with session_scope(app.state.sessionmaker) as db:
        service.load_knowledge_base(db)
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    anonymous = TestClient(app)  # keeps no sign-in: /login is the sign-in form
    signed: list = []

    def get(path: str, lang: str) -> tuple[int, str]:
        if (path, lang) not in seen:
            answer = anonymous.get(path, params={"lang": lang}, follow_redirects=False)
            if answer.status_code not in (200, 303) or path.startswith(
                ("/portal", "/wallet", "/security")
            ):
                if not signed:
                    sign_in(client, people.customer)
                    signed.append(True)
                answer = client.get(path, params={"lang": lang}, follow_redirects=False)
            seen[(path, lang)] = (answer.status_code, html.unescape(answer.text))
        return seen[(path, lang)]

    return get


def test_articles_promise_nothing_the_product_lacks():
    found = [
        (f"{a.slug}.{a.lang}", phrase)
        for a in ARTICLES
        for phrase in NOT_IN_THE_PRODUCT
        if phrase.lower() in (a.title + a.summary + a.body).lower()
    ]
    assert found == [], "\n".join(map(str, found))


def test_every_path_and_label_an_article_names_exists(pages):
    missing = []
    for article in ARTICLES:
        for block in blocks(article.body):
            paths = [a or b for a, b in PATH.findall(block)]
            for path in paths:
                status, _ = pages(path, article.lang)
                if status not in (200, 303):
                    missing.append((article.slug, article.lang, path, status))
            for zh, en in LABEL.findall(block):
                label = zh or en
                shown = [p for p in paths if label in pages(p, article.lang)[1]]
                if not shown:
                    missing.append((article.slug, article.lang, label, paths))
    assert missing == [], "\n".join(map(str, missing))


def test_the_check_sees_a_label_missing_from_its_page(pages):
    status, text = pages("/login", "zh")
    assert status == 200 and "忘记密码" in text and "登录遇到问题" not in text
