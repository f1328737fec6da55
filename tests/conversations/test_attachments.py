"""Files in a chat: checked by their content like case files, shown as a message, readable only
by who may read the conversation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conversations.conftest import start_visitor
from tests.images import png_bytes

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def test_a_screenshot_becomes_a_message_and_only_the_conversation_can_fetch_it(
    client: TestClient,
):
    conversation_id, token = start_visitor(client, "en")
    sent = client.post(
        f"/api/v1/conversations/{conversation_id}/attachments",
        files={"file": ("screen.txt", png_bytes(), "text/plain")},
        data={"text": "the error"},
        headers=token,
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["text"] == "the error"
    (described,) = message["data"]["attachments"]
    assert described["name"] == "screen.png"  # named for what it really is
    assert described["content_type"] == "image/png"
    fetched = client.get(described["url"], headers=token)
    assert fetched.status_code == 200
    assert fetched.content == png_bytes()
    _other, other_token = start_visitor(client, "en")
    assert client.get(described["url"], headers=other_token).status_code == 404


def test_a_program_disguised_as_a_picture_is_refused(client: TestClient):
    conversation_id, token = start_visitor(client, "en")
    refused = client.post(
        f"/api/v1/conversations/{conversation_id}/attachments",
        files={"file": ("photo.png", EXE, "image/png")},
        headers=token,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "file_type"
    page = client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()
    assert page["messages"] == []
