"""The knowledge base as the public reads it: every topic in both languages, the article API
contract, categories, lists and unknown articles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from walletdesk.db import session_scope
from walletdesk.helpcenter import service
from walletdesk.helpcenter.models import ArticleVersion, OfficialChannel

TOPICS = Path(__file__).resolve().parents[3] / "shared" / "kb" / "topics.yaml"


def topic_slugs() -> list[str]:
    return [t["slug"] for t in yaml.safe_load(TOPICS.read_text("utf-8"))["topics"]]


@pytest.fixture
def kb(app) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return service.load_knowledge_base(db)


def test_every_topic_exists_in_chinese_and_english(client, kb):
    slugs = topic_slugs()
    assert len(slugs) >= 30
    for slug in slugs:
        zh = client.get(f"/api/v1/help/articles/{slug}?lang=zh")
        en = client.get(f"/api/v1/help/articles/{slug}?lang=en")
        assert zh.status_code == 200, slug
        assert en.status_code == 200, slug
        assert zh.json()["lang"] == "zh" and en.json()["lang"] == "en"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.json()["title"]), slug
        assert zh.json()["title"] != en.json()["title"]


def test_article_contract(client, kb):
    response = client.get("/api/v1/help/articles/deposit-not-received?lang=en")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"slug", "lang", "title", "body", "summary", "category", "updated_at"}
    assert body["slug"] == "deposit-not-received"
    assert body["title"] == "Deposit not received"
    assert body["category"]["slug"] == "deposits-withdrawals"
    assert body["category"]["name"] == "Deposits & withdrawals"
    assert "##" in body["body"]  # Markdown, not HTML
    zh = client.get("/api/v1/help/articles/deposit-not-received?lang=zh").json()
    assert zh["category"]["name"] == "充值与提现"


def test_unknown_article_is_a_404_in_json_and_as_a_page(client, kb):
    api = client.get("/api/v1/help/articles/no-such-article?lang=en")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    assert api.json()["error"]["message"] == "This article does not exist."
    page = client.get("/help/articles/no-such-article?lang=zh")
    assert page.status_code == 404
    assert "该文章不存在" in page.text
    assert "<html" in page.text


def test_article_page_renders_markdown_with_related_articles(client, kb):
    page = client.get("/help/articles/deposit-not-received?lang=en")
    assert page.status_code == 200
    assert "<h1>Deposit not received</h1>" in page.text
    assert "<h2>" in page.text and "##" not in page.text
    assert "Related articles" in page.text
    assert 'href="/help/articles/withdraw-how"' in page.text  # same category
    assert 'href="/help/categories/deposits-withdrawals"' in page.text
    zh = client.get("/help/articles/deposit-not-received?lang=zh")
    assert "相关文章" in zh.text


def test_lists_and_categories(client, kb):
    listed = client.get("/api/v1/help/articles?lang=en").json()
    assert {a["slug"] for a in listed} >= set(topic_slugs())
    assert all(a["lang"] == "en" for a in listed)
    categories = client.get("/api/v1/help/categories?lang=zh").json()
    contact = next(c for c in categories if c["slug"] == "contact-us")
    assert contact["name"] == "联系客服"
    assert contact["articles"][0]["slug"] == "contact-channels"
    page = client.get("/help/categories/contact-us?lang=en")
    assert page.status_code == 200 and "Contact us" in page.text
    assert 'href="/help/articles/verify-official-channel"' in page.text
    assert client.get("/help/categories/nope").status_code == 404


def test_loading_again_adds_nothing_and_keeps_what_is_there(app, kb):
    assert kb == len(topic_slugs())
    with session_scope(app.state.sessionmaker) as db:
        versions = db.scalar(select(func.count(ArticleVersion.id)))
        channels = db.scalar(select(func.count(OfficialChannel.id)))
        assert service.load_knowledge_base(db) == 0
        assert db.scalar(select(func.count(ArticleVersion.id))) == versions
        assert db.scalar(select(func.count(OfficialChannel.id))) == channels
    assert versions == 2 * len(topic_slugs())


def test_home_page_shows_categories_announcements_and_quick_links(client, kb):
    page = client.get("/help?lang=zh")
    assert page.status_code == 200
    text = page.text
    assert "联系客服" in text and "充值与提现" in text
    assert 'href="/help/articles/deposit-not-received"' in text
    assert "谨防假冒客服诈骗" in text  # the pinned sample announcement
    for link in ("/help/official-channels", "/help/fees", "/portal/cases/new"):
        assert f'href="{link}"' in text
    assert 'action="/help/search"' in text
    assert '<script src="/static/helpcenter.js"' in text
    english = client.get("/help?lang=en").text
    assert "Beware of fake customer service" in english and "Deposits &amp; withdrawals" in english
