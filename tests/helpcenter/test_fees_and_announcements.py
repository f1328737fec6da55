"""The fee schedule page and API (from fees.yaml) and announcements as the public sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from walletdesk.db import session_scope, utcnow
from walletdesk.helpcenter import announcements, fees, service
from walletdesk.helpcenter.announcements import AnnouncementDraft


@pytest.fixture
def kb(app) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return service.load_knowledge_base(db)


def rule(rule_id: str) -> fees.FeeRule:
    return next(r for r in service.fee_schedule().rules if r.id == rule_id)


def test_schedule_computes_the_worked_examples_of_the_fees_article():
    assert fees.fee_for(rule("deposit-credit-card"), 100_000) == 2_500  # 1,000 CNY → 25
    assert fees.fee_for(rule("deposit-credit-card"), 2_000) == 100  # minimum 1 CNY
    assert fees.fee_for(rule("deposit-payment-app"), 100_000) == 600
    assert fees.fee_for(rule("withdrawal-bank-card-domestic"), 80_000) == 200  # minimum 2
    assert fees.fee_for(rule("withdrawal-bank-card-domestic"), 1_000_000) == 1_000
    assert fees.fee_for(rule("withdrawal-bank-card-domestic"), 6_000_000) == 2_500  # cap 25
    assert fees.fee_for(rule("withdrawal-bank-card-cross-border"), 200_000) == 3_000
    assert fees.fee_for(rule("withdrawal-usdt"), 50_000_000) == 1_000_000  # 1 USDT
    assert fees.fee_for(rule("deposit-bank-card"), 100_000) == 0
    schedule = service.fee_schedule()
    converted = schedule.find(
        direction="transfer", method="balance", scope="domestic", currency="USD", conversion=True
    )
    assert converted is not None and fees.fee_for(converted, 10_000) == 50  # 100 USD → 0.50
    same = schedule.find(direction="transfer", method="balance", scope="any", currency="CNY")
    assert same is not None and same.is_free


def test_fee_page_shows_the_schedule_in_both_languages(client):
    zh = client.get("/help/fees?lang=zh")
    assert zh.status_code == 200
    assert "手续费标准" in zh.text
    assert "2.5%，最低 1 CNY" in zh.text
    assert "0.1%，最低 2 CNY，最高 25 CNY" in zh.text
    assert "每月前 3 笔境内提现免费" in zh.text
    en = client.get("/help/fees?lang=en")
    assert "Fee schedule" in en.text
    assert "2.5%, minimum 1 CNY" in en.text
    assert "1%, minimum 30 CNY" in en.text
    assert "1 USDT per transaction" in en.text
    assert "0.5%" in en.text and "Free" in en.text
    assert "First 3 domestic withdrawals each month are free" in en.text


def test_fee_api_is_the_same_schedule(client):
    body = client.get("/api/v1/help/fees?lang=en").json()
    assert body["currencies"]["CNY"] == 2
    by_id = {r["id"]: r for r in body["rules"]}
    domestic = by_id["withdrawal-bank-card-domestic"]
    assert domestic["scope"] == "domestic" and domestic["direction"] == "withdrawal"
    assert domestic["tiers"] == [
        {
            "up_to": None,
            "percent": "0.1",
            "min": 200,
            "max": 2500,
            "fixed": 0,
            "description": "0.1%, minimum 2 CNY, maximum 25 CNY",
        }
    ]
    assert domestic["offers"] == ["free-domestic-withdrawals", "support-fee-waiver"]
    assert body["promotions"][0]["free_per_calendar_month"] == 3
    zh = client.get("/api/v1/help/fees?lang=zh").json()
    assert {r["method_label"] for r in zh["rules"]} >= {"银行卡", "信用卡"}


def test_announcements_appear_while_published_and_inside_their_window(app, client, kb):
    now = utcnow()
    with session_scope(app.state.sessionmaker) as db:

        def add(title: str, *, start, end=None, publish=True):
            made = announcements.save_announcement(
                db,
                draft=AnnouncementDraft(
                    kind="maintenance",
                    title_zh=title + "（中文）",
                    title_en=title,
                    body_zh="维护期间提现可能延迟。",
                    body_en="Withdrawals may be delayed during maintenance.",
                    pinned=False,
                    starts_at=start,
                    ends_at=end,
                ),
                actor=None,
            )
            made.is_published = publish

        add("Maintenance tonight", start=now - timedelta(hours=1), end=now + timedelta(hours=5))
        add("Next month's change", start=now + timedelta(days=3))
        add("Last week's outage", start=now - timedelta(days=9), end=now - timedelta(days=7))
        add("Unpublished idea", start=now - timedelta(hours=1), publish=False)
    titles = [a["title"] for a in client.get("/api/v1/help/announcements?lang=en").json()]
    assert "Maintenance tonight" in titles
    assert titles[0] == "Beware of fake customer service"  # pinned first
    for hidden in ("Next month's change", "Last week's outage", "Unpublished idea"):
        assert hidden not in titles
    page = client.get("/help/announcements?lang=zh")
    assert "Maintenance tonight（中文）" in page.text
    assert "维护期间提现可能延迟。" in page.text
    assert "Unpublished idea" not in page.text
    one = client.get("/api/v1/help/announcements?lang=en").json()[0]
    assert set(one) >= {"id", "kind", "title", "body", "pinned", "starts_at", "ends_at"}
