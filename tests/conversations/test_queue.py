"""Handing over to a person: the least busy available agent who speaks the language under
their limit; else the queue with position and estimated wait; transfer, close and reopen;
outside support hours the customer is told when a person answers and a case follows."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import bearer
from tests.conversations.conftest import say, start_visitor
from walletdesk.audit.models import AuditEntry
from walletdesk.cases.models import Case
from walletdesk.conversations.models import Conversation
from walletdesk.db import session_scope
from walletdesk.identity import service as identity


def _presence(client, auth, status="available", max_concurrent=None, languages=None):
    body = {"status": status, "max_concurrent": max_concurrent, "languages": languages}
    response = client.put("/api/v1/conversations/presence", json=body, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def _handover(client, conversation_id, token):
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/handover",
        json={"reason": "requested"},
        headers=token,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _agent(app, name, email):
    from tests.conftest import PASSWORD

    with session_scope(app.state.sessionmaker) as db:
        return identity.create_user(
            db, role="agent", email=email, password=PASSWORD, display_name=name
        )


def test_without_an_available_agent_the_customer_waits_and_sees_their_place(client: TestClient):
    first, first_token = start_visitor(client, "en")
    second, second_token = start_visitor(client, "en")
    assert _handover(client, first, first_token)["queue_position"] == 1
    waiting = _handover(client, second, second_token)
    assert waiting["state"] == "queued"
    assert waiting["queue_position"] == 2
    assert waiting["eta_minutes"] >= 1
    notice = waiting["messages"][-1]
    assert notice["data"]["kind"] == "queue"
    assert "number 2 in the queue" in notice["text"]


def test_an_agent_who_becomes_available_takes_the_oldest_waiting_in_their_language(
    client: TestClient, people
):
    zh_id, zh_token = start_visitor(client, "zh")
    en_id, en_token = start_visitor(client, "en")
    _handover(client, zh_id, zh_token)
    _handover(client, en_id, en_token)
    agent = bearer(client, people.agent)
    _presence(client, agent, languages="en")
    en = client.get(f"/api/v1/conversations/{en_id}", headers=en_token).json()
    zh = client.get(f"/api/v1/conversations/{zh_id}", headers=zh_token).json()
    assert en["state"] == "assigned"
    assert "Agent A" in en["messages"][-1]["text"]
    assert zh["state"] == "queued"
    assert zh["queue_position"] == 1


def test_the_least_busy_agent_gets_it_and_nobody_goes_over_their_limit(
    client: TestClient, people, app
):
    _agent(app, "Agent B", "b@test.example")
    a = bearer(client, people.agent)
    b_user = _agent(app, "Agent C", "c@test.example")
    _presence(client, a, max_concurrent=2)
    c = bearer(client, b_user)
    _presence(client, c, max_concurrent=1)
    holders = []
    for _ in range(4):
        conversation_id, token = start_visitor(client, "zh")
        holders.append(_handover(client, conversation_id, token))
    states = [h["state"] for h in holders]
    assert states == ["assigned", "assigned", "assigned", "queued"]
    with session_scope(app.state.sessionmaker) as db:
        rows = list(db.scalars(select(Conversation).order_by(Conversation.id)))
        assignees = [r.assignee_id for r in rows]
    assert assignees.count(people.agent.id) == 2
    assert assignees.count(b_user.id) == 1
    # First to the one who became available first, then to whoever holds fewer.
    assert assignees[:2] == [people.agent.id, b_user.id]


def test_transfer_back_to_the_queue_close_and_reopen(client: TestClient, people, app):
    conversation_id, token = start_visitor(client, "en")
    say(client, conversation_id, "hello", token)
    agent = bearer(client, people.agent)
    taken = client.post(f"/api/v1/conversations/{conversation_id}/assign", json={}, headers=agent)
    assert taken.json()["state"] == "assigned"
    back = client.post(
        f"/api/v1/conversations/{conversation_id}/transfer", json={"agent_id": None}, headers=agent
    ).json()
    assert back["state"] == "queued"
    supervisor = bearer(client, people.supervisor)
    moved = client.post(
        f"/api/v1/conversations/{conversation_id}/transfer",
        json={"agent_id": people.supervisor.id},
        headers=agent,
    ).json()
    assert moved["state"] == "assigned"
    closed = client.post(f"/api/v1/conversations/{conversation_id}/close", headers=supervisor)
    assert closed.json()["state"] == "closed"
    assert closed.json()["messages"][-1]["data"]["kind"] == "closed"
    say(client, conversation_id, "one more question", token)
    again = client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()
    assert again["state"] == "queued"
    with session_scope(app.state.sessionmaker) as db:
        actions = set(db.scalars(select(AuditEntry.action)))
    assert {"conversation.assign", "conversation.transfer", "conversation.close"} <= actions


def test_customers_cannot_use_the_agents_actions(client: TestClient, people):
    conversation_id, token = start_visitor(client, "en")
    customer = bearer(client, people.customer)
    assert client.get("/api/v1/conversations", headers=customer).status_code == 403
    assert (
        client.post(f"/api/v1/conversations/{conversation_id}/close", headers=token).status_code
        == 401
    )


def test_the_inbox_lists_with_filters_and_unread_counts(client: TestClient, people):
    conversation_id, token = start_visitor(client, "en")
    say(client, conversation_id, "one", token)
    say(client, conversation_id, "two", token)
    start_visitor(client, "zh")
    agent = bearer(client, people.agent)
    listed = client.get("/api/v1/conversations?lang=en", headers=agent).json()
    assert [c["id"] for c in listed] == [conversation_id]
    assert listed[0]["unread"] == 2
    client.post(f"/api/v1/conversations/{conversation_id}/read", json={"seq": 2}, headers=agent)
    assert client.get("/api/v1/conversations?lang=en", headers=agent).json()[0]["unread"] == 0
    assert client.get("/api/v1/conversations?state=queued", headers=agent).json() == []


def test_outside_support_hours_the_customer_is_told_when_and_a_case_follows(
    client: TestClient, people, settings, app
):
    settings.support_hours = "UTC 00:00-00:00"  # never open
    auth = bearer(client, people.customer)
    started = client.post(
        "/api/v1/conversations", json={"channel": "chat", "lang": "en"}, headers=auth
    )
    conversation_id = started.json()["id"]
    say(client, conversation_id, "my deposit is missing", auth)
    page = _handover(client, conversation_id, auth)
    notice = page["messages"][-1]
    assert notice["data"]["kind"] == "after_hours"
    assert "A person will reply from" in notice["text"]
    # The wait shown beside the queue counts from the next opening, not "about 3 minutes".
    opening = datetime.fromisoformat(notice["data"]["at"])
    until_open = (opening - datetime.now(UTC)).total_seconds() / 60
    assert page["state"] == "queued" and page["eta_minutes"] >= until_open - 1
    with session_scope(app.state.sessionmaker) as db:
        case = db.scalars(select(Case)).one()
        conversation = db.get(Conversation, conversation_id)
        assert conversation is not None
        assert conversation.case_id == case.id
    assert case.customer_id == people.customer.id
    assert case.channel == "chat"
    assert "my deposit is missing" in case.description
