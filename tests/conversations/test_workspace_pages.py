"""Conversations in the agent's workspace (pages, not the API): the queue lists them with
state, language, waiting time and unread counts; an agent reads the transcript, answers (an
answer that asks for a secret is refused with the reason), takes, hands on and ends one and
sets themselves available; the widget's texts and its cross-origin access; the portal's chats.
"""

from __future__ import annotations

from tests.conftest import csrf_of, sign_in
from tests.conversations.conftest import say, start_visitor
from tests.images import png_bytes

FAKE_PHRASE = "abandon ability able about above absent absorb abstract absurd abuse access accident"


def _form(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_of(client), **data}, follow_redirects=False)


def test_the_queue_and_a_conversation_in_the_workspace(app, client, people):
    conversation_id, token = start_visitor(client, "zh")
    assert say(client, conversation_id, f"我的助记词是 {FAKE_PHRASE}", token).status_code == 201
    handed = client.post(
        f"/api/v1/conversations/{conversation_id}/handover", json={}, headers=token
    )
    assert handed.json()["state"] == "queued"

    sign_in(client, people.agent)
    inbox = client.get("/console?lang=en").text
    assert f'href="/console/conversations/{conversation_id}"' in inbox
    assert "Waiting for a person" in inbox and 'class="badge unread"' in inbox
    queue = client.get(f"/console/queue?current={conversation_id}&kind=conversation").text
    assert 'data-kind="conversation"' in queue and "waiting 0 min" in queue

    page = client.get(f"/console/conversations/{conversation_id}?lang=en")
    assert page.status_code == 200
    assert "abandon ability" not in page.text  # the transcript as stored: redacted
    assert "What the assistant collected" in page.text and "requested" in page.text

    refused = _form(
        client,
        f"/console/conversations/{conversation_id}/reply?lang=en",
        text="Please send me your recovery phrase so I can check.",
    )
    assert refused.status_code == 422
    assert 'id="error-chat_reply"' in refused.text

    sent = _form(client, f"/console/conversations/{conversation_id}/reply", text="您好，我来帮您。")
    assert sent.status_code == 303
    transcript = client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()
    assert transcript["state"] == "assigned"
    assert transcript["messages"][-1]["text"] == "您好，我来帮您。"

    back = _form(client, f"/console/conversations/{conversation_id}/transfer", agent_id="")
    assert back.status_code == 303
    assert (
        client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()["state"]
        == "queued"
    )
    assert _form(client, f"/console/conversations/{conversation_id}/assign").status_code == 303
    assert _form(client, f"/console/conversations/{conversation_id}/close").status_code == 303
    ended = client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()
    assert ended["state"] == "closed"


def test_presence_switches_and_returns_to_the_page(client, people):
    sign_in(client, people.agent)
    assert "○" in client.get("/console").text
    response = client.post(
        "/console/presence",
        data={"csrf_token": csrf_of(client), "status": "available"},
        headers={"Referer": "http://testserver/console?status=all"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/console?status=all"
    assert "● " in client.get("/console").text


def test_the_widget_texts_and_cross_origin_access(app, client, settings):
    zh = client.get("/api/v1/chat/texts?lang=zh").json()
    en = client.get("/api/v1/chat/texts?lang=en").json()
    assert zh["person"] == "转人工" and en["person"] == "Talk to a person"
    assert "{position}" in zh["queue"]


def test_only_listed_origins_may_call_the_chat_api(settings):
    from fastapi.testclient import TestClient

    from walletdesk.app import create_app

    settings.widget_origins = "https://shop.example"
    with TestClient(create_app(settings)) as client:
        preflight = client.options(
            "/api/v1/conversations",
            headers={
                "Origin": "https://shop.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, x-conversation-token",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://shop.example"
        assert "access-control-allow-credentials" not in preflight.headers
        started = client.post(
            "/api/v1/conversations",
            json={"channel": "chat", "lang": "en"},
            headers={"Origin": "https://shop.example"},
        )
        assert started.headers["access-control-allow-origin"] == "https://shop.example"
        foreign = client.post(
            "/api/v1/conversations",
            json={"channel": "chat", "lang": "en"},
            headers={"Origin": "https://evil.example"},
        )
        assert "access-control-allow-origin" not in foreign.headers
        other_api = client.get(
            "/api/v1/help/search?q=fee", headers={"Origin": "https://shop.example"}
        )
        assert "access-control-allow-origin" not in other_api.headers


def test_the_portal_shows_the_customers_chats(client, people):
    sign_in(client, people.customer)
    empty = client.get("/portal/chat?lang=en")
    assert empty.status_code == 200 and "data-walletdesk-chat" in empty.text
    csrf = {"X-CSRF-Token": csrf_of(client)}
    started = client.post("/api/v1/conversations", json={"lang": "en"}, headers=csrf).json()
    page = client.get("/portal/chat?lang=en").text
    assert f'data-conversation="{started["id"]}"' in page
    assert "/static/chat-widget.js" in client.get("/help").text


def test_an_agent_sends_the_customer_a_file_from_the_workspace(client, people):
    conversation_id, token = start_visitor(client, "zh")
    assert say(client, conversation_id, "转人工", token).status_code == 201
    sign_in(client, people.agent)
    path = f"/console/conversations/{conversation_id}/file"
    page = client.get(f"/console/conversations/{conversation_id}").text
    assert f'action="{path}"' in page and 'enctype="multipart/form-data"' in page

    # No file, or a program dressed as a picture: the page says why, nothing reaches the chat.
    empty = client.post(path, data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert empty.status_code == 422 and "请选择要发送的文件" in empty.text
    disguised = client.post(
        path,
        data={"csrf_token": csrf_of(client)},
        files={"file": ("guide.png", b"MZ\x90\x00" + b"\x00" * 200, "image/png")},
        follow_redirects=False,
    )
    assert disguised.status_code == 422 and 'id="error-chat_file"' in disguised.text
    forged = client.post(
        path, data={"csrf_token": "forged"}, files={"file": ("steps.png", png_bytes(), "image/png")}
    )
    assert forged.status_code == 403

    sent = client.post(
        path,
        data={"csrf_token": csrf_of(client), "caption": "按图中步骤操作"},
        files={"file": ("steps.png", png_bytes(), "image/png")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    messages = client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()
    last = messages["messages"][-1]
    assert last["author"] == "agent" and last["text"] == "按图中步骤操作"
    (shared,) = last["data"]["attachments"]
    assert (
        client.get(shared["url"], headers=token).content == png_bytes()
    )  # the customer can open it
    assert 'class="chat-picture"' in client.get(f"/console/conversations/{conversation_id}").text
