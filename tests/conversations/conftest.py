"""Helpers for the conversation tests: the assistant kept out of the way (it answers customers
when installed; these tests are about the conversation layer), starting a chat, agents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from walletdesk import events
from walletdesk.config import Settings
from walletdesk.conversations.signals import CustomerWrote

ALWAYS_OPEN = "UTC 00:00-23:59"


@pytest.fixture(autouse=True)
def no_assistant(app) -> Iterator[None]:
    """Remove the assistant's handlers of CustomerWrote for the test, restoring them after
    (once the app is built: building it registers every subscriber again)."""
    known = events._subscribers[CustomerWrote]
    kept = [s for s in known if s.name.startswith("walletdesk.assistant")]
    known[:] = [s for s in known if not s.name.startswith("walletdesk.assistant")]
    yield
    known.extend(s for s in kept if s not in known)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Support open round the clock (unless a test says otherwise)."""
    settings.support_hours = ALWAYS_OPEN
    return settings


def start_visitor(client: TestClient, lang: str = "zh") -> tuple[int, dict[str, str]]:
    response = client.post("/api/v1/conversations", json={"channel": "chat", "lang": lang})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"]
    return body["id"], {"X-Conversation-Token": body["token"]}


def say(client: TestClient, conversation_id: int, text: str, headers: dict[str, str]):
    return client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": text}, headers=headers
    )
