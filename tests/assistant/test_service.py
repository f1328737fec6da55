"""The assistant's replies on the seeded help center: answers with the article, asks for the
details a problem needs, offers the customer's own transactions, clarifies, hands over."""

from __future__ import annotations

import json

import pytest

from walletdesk.assistant import service
from walletdesk.assistant.rules import load_rules
from walletdesk.cases.categories import CATEGORIES
from walletdesk.db import session_scope
from walletdesk.helpcenter import service as helpcenter
from walletdesk.wallet.transactions import record_transaction


@pytest.fixture
def kb(app) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return helpcenter.load_knowledge_base(db)


def talk(db, messages, *, lang, customer_id=None):
    """Each reply in turn, the memory carried over (through JSON, as it is stored)."""
    memory: dict = {}
    replies = []
    for text in messages:
        r = service.reply(db, text=text, lang=lang, memory=memory, customer_id=customer_id)
        memory = json.loads(json.dumps(r.memory))
        replies.append(r)
    return replies


def test_answers_in_chinese_with_the_article_and_asks_for_the_details(db, kb):
    (r,) = talk(db, ["我充值的钱一直没到账"], lang="zh")
    assert r.kind == "answer"
    assert r.article is not None and r.article[0] == "deposit-not-received"
    assert r.article[1] in r.text and "交易单号" in r.text and "金额" in r.text
    assert r.memory["missing"] == ["transaction_id", "amount", "occurred_at"]
    assert r.data is None  # a visitor has no transactions to pick from


def test_collects_details_over_several_messages_then_hands_over_with_them(db, kb):
    replies = talk(
        db,
        [
            "my deposit has not arrived",
            "it was 100 USD yesterday at 3pm",
            "the ID is D2612041530AB12CD",
        ],
        lang="en",
    )
    assert [r.kind for r in replies] == ["answer", "ask", "handover"]
    assert "transaction ID" in replies[1].text and "amount" not in replies[1].text
    last = replies[-1]
    assert last.handover_reason == "details_collected"
    assert last.collected == {
        "amount": "100.00 USD",
        "occurred_at": "yesterday at 3pm",
        "transaction_id": "D2612041530AB12CD",
    }


def test_a_signed_in_customer_picks_one_of_their_own_transactions(db, kb, people):
    mine = record_transaction(
        db, user_id=people.customer.id, kind="deposit", amount_minor=25000, currency="CNY"
    )
    record_transaction(
        db, user_id=people.other_customer.id, kind="deposit", amount_minor=999, currency="CNY"
    )
    db.flush()
    first, picked = talk(
        db, ["充值没到账", f"就是这笔 {mine.public_id}"], lang="zh", customer_id=people.customer.id
    )
    assert first.kind == "answer" and first.data is not None
    assert [t["id"] for t in first.data["transactions"]] == [mine.public_id]
    assert first.data["transactions"][0]["amount"] == "250.00 CNY"
    assert "最近的交易" in first.text
    # The chosen transaction gives its amount and time too: nothing is left to ask.
    assert picked.kind == "handover" and picked.handover_reason == "details_collected"
    assert picked.collected["transaction_id"] == mine.public_id
    assert picked.collected["amount"] == "250.00 CNY" and picked.collected["occurred_at"]


def test_a_question_that_mentions_people_is_answered_not_handed_over(db, kb):
    (r,) = talk(db, ["週末有人工嗎"], lang="zh")
    assert r.kind == "answer" and r.article is not None
    assert r.article[0] == "service-hours"


def test_two_misses_in_a_row_hand_over_and_small_talk_is_no_miss(db, kb):
    replies = talk(db, ["asdkjh qwe zzz", "hello", "tell me a joke"], lang="en")
    assert [r.kind for r in replies] == ["clarify", "smalltalk", "handover"]
    assert replies[-1].handover_reason == "low_confidence"
    assert "colleague" in replies[-1].text


def test_an_answer_resets_the_misses(db, kb):
    replies = talk(db, ["明天北京天气怎么样", "提现审核要多久", "推荐几只能涨的股票"], lang="zh")
    assert [r.kind for r in replies] == ["clarify", "answer", "clarify"]


def test_asking_for_a_person_hands_over_with_what_was_collected(db, kb):
    replies = talk(db, ["提现一直没到账，金额500元", "转人工"], lang="zh")
    assert replies[-1].kind == "handover" and replies[-1].handover_reason == "customer_request"
    assert replies[-1].collected == {"amount": "500.00 CNY"}
    assert "人工客服" in replies[-1].text


@pytest.mark.parametrize(
    ("text", "lang", "reason", "priority", "words"),
    [
        ("我的帳號被盜了，有人登錄了我的賬戶", "zh", "account_stolen", "high", "修改密码"),
        ("someone asked me for my code and I gave it", "en", "fraud", "high", "scam"),
        ("我不想活了", "zh", "distress", "urgent", "12356"),
        ("I lost all my savings, I can't go on", "en", "distress", "urgent", "not alone"),
    ],
)
def test_hands_over_at_once_on_danger(db, kb, text, lang, reason, priority, words):
    (r,) = talk(db, [text], lang=lang)
    assert (r.kind, r.handover_reason, r.priority) == ("handover", reason, priority)
    assert words in r.text


def test_small_talk_says_what_it_can_help_with(db, kb):
    (r,) = talk(db, ["你好"], lang="zh")
    assert r.kind == "smalltalk" and "充值" in r.text and r.memory["misses"] == 0


def test_memory_given_is_not_changed(db, kb):
    memory = {"misses": 1, "topic": None, "category": None, "missing": [], "collected": {}}
    r = service.reply(db, text="zzzz qqq", lang="en", memory=memory, customer_id=None)
    assert r.kind == "handover" and memory["misses"] == 1


def test_details_asked_are_the_case_categories_required_ones():
    rules = load_rules()
    for slug, key in rules.details.items():
        category = CATEGORIES[key]
        askable = {"transaction_id", "amount", "occurred_at", "registered_phone"}
        wanted = set(category.required) | ({category.either[0]} if category.either else set())
        assert set(rules.categories[key]) == wanted & askable, slug


def test_the_question_is_logged_for_the_admins_as_the_assistants(db, kb):
    from sqlalchemy import select

    from walletdesk.helpcenter.models import QUESTION_KINDS, HelpQuestion

    talk(db, ["how long does a withdrawal take"], lang="en")
    row = db.scalars(select(HelpQuestion)).one()
    assert row.kind == "assistant" and row.kind in QUESTION_KINDS and row.answered
