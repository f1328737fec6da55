"""The assistant in a chat, through the JSON API as the portal and the widget use it: it answers
from the help center with the article, asks for details, and hands over to a person."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.images import png_bytes
from walletdesk.config import Settings
from walletdesk.db import session_scope
from walletdesk.helpcenter import service as helpcenter
from walletdesk.wallet.transactions import record_transaction


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.support_hours = "UTC 00:00-23:59"  # a person can be asked for at any hour
    return settings


@pytest.fixture
def kb(app) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return helpcenter.load_knowledge_base(db)


def start(client, lang: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    response = client.post(
        "/api/v1/conversations", json={"channel": "chat", "lang": lang}, headers=headers or {}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], headers or {"X-Conversation-Token": body["token"]}


def chat(client, conversation_id: int, headers: dict[str, str], *texts: str) -> dict:
    for text in texts:
        response = client.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            json={"text": text},
            headers=headers,
        )
        assert response.status_code in (200, 201), response.text
    response = client.get(f"/api/v1/conversations/{conversation_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def by(conversation: dict, author: str) -> list[dict]:
    return [m for m in conversation["messages"] if m["author"] == author]


def test_answers_in_chinese_with_the_article(client, kb):
    cid, headers = start(client, "zh")
    conversation = chat(client, cid, headers, "提现申请一直在审核中，怎么回事")
    assert conversation["state"] == "assistant"
    (answer,) = by(conversation, "assistant")
    assert answer["article"]["slug"] == "withdrawal-delayed"
    assert answer["article"]["title"] in answer["text"] and "交易单号" in answer["text"]
    assert [m["author"] for m in conversation["messages"]] == ["customer", "assistant"]


def test_answers_in_english_and_collects_the_details_then_a_person_takes_over(client, kb):
    cid, headers = start(client, "en")
    conversation = chat(
        client,
        cid,
        headers,
        "my deposit has not arrived",
        "100 USD, yesterday at 3pm",
        "D2612041530AB12CD",
    )
    assistant = by(conversation, "assistant")
    assert assistant[0]["article"]["slug"] == "deposit-not-received"
    assert "transaction ID" in assistant[1]["text"]
    assert "passed these details to a colleague" in assistant[2]["text"]
    assert conversation["state"] == "queued" and conversation["queue_position"] == 1
    assert by(conversation, "system")[-1]["data"]["kind"] == "queue"


def test_a_signed_in_customer_is_offered_their_transactions(app, client, kb, people):
    with session_scope(app.state.sessionmaker) as db:
        tx = record_transaction(
            db, user_id=people.customer.id, kind="withdrawal", amount_minor=8800, currency="CNY"
        )
        public_id = tx.public_id
    cid, headers = start(client, "zh", bearer(client, people.customer))
    conversation = chat(client, cid, headers, "提现还没到账")
    (answer,) = by(conversation, "assistant")
    assert answer["data"]["transactions"][0]["id"] == public_id
    assert answer["data"]["transactions"][0]["amount"] == "88.00 CNY"


@pytest.mark.parametrize(
    ("lang", "texts", "words"),
    [
        ("zh", ["你好", "转人工"], "人工客服"),
        ("en", ["talk to a human"], "colleague"),
        ("zh", ["有人冒充客服骗走了我的钱"], "诈骗"),
        ("en", ["I was scammed, someone asked me for my code"], "scam"),
        ("zh", ["我的账号被盗了"], "风险"),
        ("zh", ["明天北京天气怎么样", "推荐几只能涨的股票"], "没能帮上忙"),
        ("en", ["asdkjh qwe zzz", "tell me a joke"], "could not help"),
    ],
)
def test_hands_over_to_a_person(client, kb, lang, texts, words):
    cid, headers = start(client, lang)
    conversation = chat(client, cid, headers, *texts)
    assert conversation["state"] == "queued"
    assert words in by(conversation, "assistant")[-1]["text"]
    # The assistant says nothing more once a person is asked for.
    after = chat(client, cid, headers, "hello?")
    assert len(by(after, "assistant")) == len(by(conversation, "assistant"))


def test_a_question_about_support_hours_is_answered_not_handed_over(client, kb):
    cid, headers = start(client, "zh")
    conversation = chat(client, cid, headers, "週末有人工嗎")
    assert conversation["state"] == "assistant"
    assert by(conversation, "assistant")[0]["article"]["slug"] == "service-hours"


def test_a_customer_in_distress_goes_first_in_the_queue(client, kb):
    first, first_headers = start(client, "en")
    assert chat(client, first, first_headers, "agent")["queue_position"] == 1
    second, second_headers = start(client, "zh")
    conversation = chat(client, second, second_headers, "钱全没了，我不想活了")
    assert conversation["state"] == "queued" and conversation["queue_position"] == 1
    assert "12356" in by(conversation, "assistant")[-1]["text"]
    assert chat(client, first, first_headers)["queue_position"] == 2


def test_an_assistant_that_fails_is_retried_and_at_last_hands_over(app, client, kb, monkeypatch):
    from datetime import timedelta

    from walletdesk import jobqueue
    from walletdesk.assistant import service as assistant
    from walletdesk.db import utcnow

    def broken(*args, **kwargs):
        raise ConnectionError("search is down")

    monkeypatch.setattr(assistant, "reply", broken)
    cid, headers = start(client, "en")
    conversation = chat(client, cid, headers, "my deposit did not arrive")
    # The customer's message is kept (and was delivered) although no answer came yet.
    assert [m["author"] for m in conversation["messages"]] == ["customer"]
    assert conversation["state"] == "assistant"
    for seconds in (5, 60):  # the second and the last try
        jobqueue.run_due(
            app.state.sessionmaker, app.state.settings, now=utcnow() + timedelta(seconds=seconds)
        )
    conversation = chat(client, cid, headers)
    assert conversation["state"] == "queued"
    assert by(conversation, "customer")[0]["text"] == "my deposit did not arrive"
    assert by(conversation, "system")[-1]["data"]["kind"] == "queue"


def send_file(client, conversation_id: int, headers: dict[str, str], caption: str = "") -> None:
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/attachments",
        files={"file": ("screen.png", png_bytes(), "image/png")},
        data={"text": caption} if caption else {},
        headers=headers,
    )
    assert response.status_code == 201, response.text


def test_a_screenshot_alone_is_kept_and_offers_a_person_without_counting_as_a_miss(client, kb):
    cid, headers = start(client, "zh")
    send_file(client, cid, headers)
    send_file(client, cid, headers)
    conversation = chat(client, cid, headers)
    # Two "don't know"s would hand over; two screenshots are not questions it missed.
    assert conversation["state"] == "assistant"
    replies = by(conversation, "assistant")
    assert len(replies) == 2 and all("转人工" in r["text"] for r in replies)
    assert all("收到您的文件" in r["text"] for r in replies)
    # A screenshot with words is answered by what the words ask.
    send_file(client, cid, headers, caption="提现申请一直在审核中，怎么回事")
    answer = by(chat(client, cid, headers), "assistant")[-1]
    assert answer["article"]["slug"] == "withdrawal-delayed"
