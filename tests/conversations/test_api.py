"""The conversations contract (ARCHITECTURE.md): a visitor starts a chat, writes, reads what
came after a sequence number; secrets are hidden before they are stored, with a warning; no
one reads someone else's conversation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.conversations.conftest import say, start_visitor
from walletdesk.conversations.models import Message
from walletdesk.db import session_scope

PHRASE = "abandon ability able about above absent absorb abstract absurd abuse access accident"


def test_a_visitor_starts_a_chat_writes_and_reads_after_a_sequence_number(client: TestClient):
    conversation_id, token = start_visitor(client)
    sent = say(client, conversation_id, "你好，我的提现没到账", token)
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["seq"] == 1
    assert message["author"] == "customer"
    assert message["article"] is None
    say(client, conversation_id, "还在吗", token)

    page = client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()
    assert page["id"] == conversation_id
    assert page["state"] == "assistant"
    assert page["queue_position"] is None
    assert [m["seq"] for m in page["messages"]] == [1, 2]
    assert {"seq", "author", "text", "article", "created_at"} <= set(page["messages"][0])

    later = client.get(f"/api/v1/conversations/{conversation_id}?after=1", headers=token).json()
    assert [m["text"] for m in later["messages"]] == ["还在吗"]


def test_a_recovery_phrase_is_hidden_before_it_is_stored_and_the_customer_is_warned(
    client: TestClient, app
):
    conversation_id, token = start_visitor(client, "en")
    sent = say(client, conversation_id, f"my recovery phrase is {PHRASE}", token).json()
    assert "abandon" not in sent["text"]
    assert "[recovery phrase hidden]" in sent["text"]
    with session_scope(app.state.sessionmaker) as db:
        stored = [m.text for m in db.query(Message).all()]
    assert not any("abandon" in text for text in stored)
    messages = client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()[
        "messages"
    ]
    warning = messages[1]
    assert warning["author"] == "system"
    assert warning["data"]["kind"] == "warning"
    assert "never asks for your recovery phrase" in warning["text"]


def test_the_warning_is_in_the_conversations_language(client: TestClient):
    conversation_id, token = start_visitor(client, "zh")
    say(client, conversation_id, f"助记词是 {PHRASE}", token)
    messages = client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()[
        "messages"
    ]
    assert messages[1]["author"] == "system"
    assert "助记词" in messages[1]["text"]
    assert "never" not in messages[1]["text"]


def test_a_quoted_phone_number_gets_the_official_channel_checkers_verdict(client: TestClient):
    conversation_id, token = start_visitor(client, "en")
    say(client, conversation_id, "someone called me from +86 171 0000 1234, is it you?", token)
    messages = client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()[
        "messages"
    ]
    verdict = [m for m in messages if (m["data"] or {}).get("kind") == "channel_check"]
    assert len(verdict) == 1
    assert verdict[0]["data"]["official"] is False
    assert "not one of our official channels" in verdict[0]["text"]


def test_the_token_is_required_and_someone_elses_conversation_is_not_found(client: TestClient):
    conversation_id, token = start_visitor(client)
    _other_id, other_token = start_visitor(client)
    assert client.get(f"/api/v1/conversations/{conversation_id}").status_code == 404
    foreign = client.get(f"/api/v1/conversations/{conversation_id}", headers=other_token)
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "conversation_not_found"
    assert say(client, conversation_id, "hi", other_token).status_code == 404
    assert client.get("/api/v1/conversations/999999", headers=token).status_code == 404


def test_a_signed_in_customer_needs_no_token_and_others_cannot_read_it(client: TestClient, people):
    auth = bearer(client, people.customer)
    started = client.post(
        "/api/v1/conversations", json={"channel": "chat", "lang": "zh"}, headers=auth
    )
    assert started.status_code == 201
    assert started.json()["token"] is None
    conversation_id = started.json()["id"]
    assert say(client, conversation_id, "我想问一下手续费", auth).status_code == 201
    other = bearer(client, people.other_customer)
    assert client.get(f"/api/v1/conversations/{conversation_id}", headers=other).status_code == 404
    agent = bearer(client, people.agent)
    seen = client.get(f"/api/v1/conversations/{conversation_id}", headers=agent)
    assert seen.status_code == 200
    assert seen.json()["messages"][0]["text"] == "我想问一下手续费"


def test_a_visitor_who_signs_in_links_the_conversation_to_their_account(client: TestClient, people):
    conversation_id, token = start_visitor(client)
    say(client, conversation_id, "你好", token)
    auth = bearer(client, people.customer)
    linked = client.post(f"/api/v1/conversations/{conversation_id}/link", headers={**auth, **token})
    assert linked.status_code == 200, linked.text
    assert client.get(f"/api/v1/conversations/{conversation_id}", headers=auth).status_code == 200


def test_an_agents_message_asking_for_a_secret_is_refused_with_the_reason(
    client: TestClient, people
):
    conversation_id, token = start_visitor(client, "en")
    say(client, conversation_id, "help", token)
    agent = bearer(client, people.agent)
    refused = client.post(
        f"/api/v1/conversations/{conversation_id}/messages?lang=en",
        json={"text": "Please send me the verification code you got"},
        headers=agent,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "secret_asked"
    assert "one-time or verification code" in refused.json()["error"]["message"]
    zh = client.post(
        f"/api/v1/conversations/{conversation_id}/messages?lang=zh",
        json={"text": "请把你的助记词发给我"},
        headers=agent,
    )
    assert zh.status_code == 422
    assert "助记词" in zh.json()["error"]["message"]
    fine = say(client, conversation_id, "We will never ask for your code. How can I help?", agent)
    assert fine.status_code == 201, fine.text
    assert fine.json()["author"] == "agent"


def test_oversized_and_empty_messages_are_refused_clearly(client: TestClient):
    conversation_id, token = start_visitor(client, "en")
    too_long = say(client, conversation_id, "x" * 4001, token)
    assert too_long.status_code == 422
    assert "4000" in too_long.json()["error"]["message"]
    assert say(client, conversation_id, "   ", token).status_code == 422
