"""The live transports: a WebSocket pushes new messages, resumes after a sequence number,
refuses foreign pages, unknown and foreign conversations, bad frames, oversized messages and
floods (each with a clear answer, the connection kept where it can be); server-sent events
carry the same messages where WebSockets are blocked."""

from __future__ import annotations

import json
import threading
import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.conftest import bearer
from tests.conversations.conftest import say, start_visitor


def _url(conversation_id: int, token: dict[str, str], after: int = 0) -> str:
    return (
        f"/api/v1/conversations/{conversation_id}/ws?after={after}"
        f"&token={token['X-Conversation-Token']}"
    )


def _next(ws, kind: str) -> dict:
    while True:
        frame = ws.receive_json()
        if frame.get("type") == kind:
            return frame


def test_the_socket_pushes_the_agents_answer_and_takes_the_customers_message(
    client: TestClient, people
):
    conversation_id, token = start_visitor(client, "en")
    agent = bearer(client, people.agent)
    with client.websocket_connect(_url(conversation_id, token)) as ws:
        ws.send_json({"type": "message", "text": "hello, anyone?"})
        mine = _next(ws, "message")
        assert (mine["seq"], mine["author"], mine["text"]) == (1, "customer", "hello, anyone?")
        answered = say(client, conversation_id, "Hi, this is Agent A.", agent)
        assert answered.status_code == 201
        frames = [_next(ws, "message") for _ in range(2)]  # "joined", then the answer
        assert [f["author"] for f in frames] == ["system", "agent"]
        assert frames[1]["text"] == "Hi, this is Agent A."
        assert [f["seq"] for f in frames] == [2, 3]


def test_a_reconnecting_client_resumes_after_its_last_sequence_number(client: TestClient):
    conversation_id, token = start_visitor(client, "en")
    for text in ("one", "two", "three"):
        say(client, conversation_id, text, token)
    with client.websocket_connect(_url(conversation_id, token, after=2)) as ws:
        frame = _next(ws, "message")
        assert (frame["seq"], frame["text"]) == (3, "three")
        ws.send_json({"type": "message", "text": "four"})
        assert _next(ws, "message")["seq"] == 4


def test_a_page_of_another_site_is_refused(client: TestClient):
    conversation_id, token = start_visitor(client)
    with (
        client.websocket_connect(
            _url(conversation_id, token), headers={"Origin": "https://evil.example"}
        ) as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        ws.receive_json()
    assert closed.value.code == 4403


def test_an_embedding_site_allowed_by_the_settings_may_connect(client: TestClient, settings):
    settings.widget_origins = "https://shop.example"
    conversation_id, token = start_visitor(client)
    say(client, conversation_id, "hi", token)
    with client.websocket_connect(
        _url(conversation_id, token), headers={"Origin": "https://shop.example"}
    ) as ws:
        assert _next(ws, "message")["seq"] == 1


def test_unknown_and_someone_elses_conversations_are_refused(client: TestClient):
    conversation_id, _token = start_visitor(client)
    _other, other_token = start_visitor(client)
    for url in (_url(conversation_id, other_token), _url(999999, other_token)):
        with client.websocket_connect(url) as ws, pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4404


def test_bad_frames_and_oversized_messages_get_an_error_and_the_connection_stays(
    client: TestClient,
):
    conversation_id, token = start_visitor(client, "zh")
    with client.websocket_connect(_url(conversation_id, token)) as ws:
        ws.send_text("not json")
        error = _next(ws, "error")
        assert error["code"] == "malformed"
        ws.send_json({"type": "dance"})
        assert _next(ws, "error")["code"] == "malformed"
        ws.send_json({"type": "message", "text": "长" * 4001})
        too_long = _next(ws, "error")
        assert too_long["code"] == "too_long"
        assert "4000" in too_long["message"]
        assert "消息太长" in too_long["message"]  # the customer's language
        ws.send_json({"type": "message", "text": "还在"})
        assert _next(ws, "message")["text"] == "还在"


def test_a_flood_is_refused_and_other_conversations_go_on(client: TestClient, settings):
    settings.rate_limit_chat_per_minute = 5
    conversation_id, token = start_visitor(client, "en")
    calm_id, calm_token = start_visitor(client, "en")
    with client.websocket_connect(_url(conversation_id, token)) as ws:
        for i in range(5):
            ws.send_json({"type": "message", "text": f"spam {i}"})
            assert _next(ws, "message")["text"] == f"spam {i}"
        ws.send_json({"type": "message", "text": "spam 5"})
        error = _next(ws, "error")
        assert error["code"] == "rate_limited"
        assert "too quickly" in error["message"]
        assert say(client, calm_id, "a calm question", calm_token).status_code == 201


def test_typing_and_read_receipts_reach_the_other_side(client: TestClient, people):
    conversation_id, token = start_visitor(client, "en")
    say(client, conversation_id, "hello", token)
    agent = bearer(client, people.agent)
    agent_url = f"/api/v1/conversations/{conversation_id}/ws?after=1"
    with (
        client.websocket_connect(_url(conversation_id, token, after=1)) as customer,
        client.websocket_connect(agent_url, headers=agent) as console,
    ):
        console.send_json({"type": "typing"})
        typing = _next(customer, "typing")
        assert typing["author"] == "agent"
        console.send_json({"type": "read", "seq": 1})
        receipt = _next(customer, "read")
        assert (receipt["author"], receipt["seq"]) == ("agent", 1)


def test_agents_see_who_else_is_viewing(client: TestClient, people):
    conversation_id, _token = start_visitor(client, "en")
    first = bearer(client, people.agent)
    second = bearer(client, people.supervisor)
    url = f"/api/v1/conversations/{conversation_id}/ws"
    with client.websocket_connect(url, headers=first) as a:
        with client.websocket_connect(url, headers=second) as b:
            assert _next(a, "viewers")["names"] == ["Sup S"]
            assert _next(b, "viewers")["names"] == ["Agent A"]
        assert _next(a, "viewers")["names"] == []


def test_server_sent_events_carry_the_same_messages(client: TestClient):
    conversation_id, token = start_visitor(client, "en")
    say(client, conversation_id, "first", token)
    say(client, conversation_id, "second", token)

    def later() -> None:
        time.sleep(0.5)
        say(client, conversation_id, "pushed", token)

    pusher = threading.Thread(target=later)
    pusher.start()
    response = client.get(
        f"/api/v1/conversations/{conversation_id}/events?wait=2",
        headers={**token, "Last-Event-ID": "1"},
    )
    pusher.join()
    assert response.headers["content-type"].startswith("text/event-stream")
    ids = [line[4:] for line in response.text.splitlines() if line.startswith("id: ")]
    assert ids == ["2", "3"]
    assert '"text": "pushed"' in response.text
    assert client.get(f"/api/v1/conversations/{conversation_id}/events?wait=0").status_code == 404


def test_the_agents_inbox_hears_of_new_messages_with_unread_counts(client: TestClient, people):
    conversation_id, token = start_visitor(client, "en")
    agent = bearer(client, people.agent)
    with client.websocket_connect("/api/v1/conversations/inbox/ws", headers=agent) as inbox:
        say(client, conversation_id, "anyone there?", token)
        frame = _next(inbox, "inbox")
        assert frame["conversation_id"] == conversation_id
        assert frame["unread"] == 1
    with (
        client.websocket_connect("/api/v1/conversations/inbox/ws", headers=token) as refused,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        refused.receive_json()
    assert closed.value.code == 4403


def test_a_waiting_customer_sees_their_place_move_up_live(client: TestClient, people):
    first, first_token = start_visitor(client, "en")
    second, second_token = start_visitor(client, "en")
    for conversation_id, token in ((first, first_token), (second, second_token)):
        client.post(f"/api/v1/conversations/{conversation_id}/handover", json={}, headers=token)
    with client.websocket_connect(_url(second, second_token, after=99)) as ws:
        assert _next(ws, "queue")["position"] == 2
        agent = bearer(client, people.agent)
        client.post(f"/api/v1/conversations/{first}/assign", json={}, headers=agent)
        moved = _next(ws, "queue")
        assert moved["position"] == 1
        assert moved["eta_minutes"] >= 1


def test_server_sent_events_tell_a_waiting_customer_their_place_as_it_moves(
    client: TestClient, people
):
    first, first_token = start_visitor(client, "en")
    second, second_token = start_visitor(client, "en")
    for conversation_id, token in ((first, first_token), (second, second_token)):
        client.post(f"/api/v1/conversations/{conversation_id}/handover", json={}, headers=token)

    def later() -> None:
        time.sleep(0.7)
        agent = bearer(client, people.agent)
        client.post(f"/api/v1/conversations/{first}/assign", json={}, headers=agent)

    mover = threading.Thread(target=later)
    mover.start()
    response = client.get(
        f"/api/v1/conversations/{second}/events?wait=2&after=99", headers=second_token
    )
    mover.join()
    blocks = [b for b in response.text.split("\n\n") if b.startswith("event: queue")]
    assert blocks, response.text
    frames = [json.loads(b.split("data: ", 1)[1]) for b in blocks]
    assert frames[-1]["state"] == "queued"
    assert frames[-1]["position"] == 1
    assert frames[-1]["eta_minutes"] >= 1
