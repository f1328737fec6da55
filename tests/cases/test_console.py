"""Agents working a case: replies the customer sees, notes the customer never sees, the status
lifecycle, priority and assignee, the timeline and the audit log."""

from __future__ import annotations

from sqlalchemy import select

from tests.cases.conftest import csrf_header, make_case
from tests.conftest import bearer, csrf_of, sign_in
from walletdesk.audit.models import AuditEntry
from walletdesk.audit.service import verify_chain


def _post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_of(client), **data}, follow_redirects=False)


def _status(client, case_id: int, headers) -> str:
    return client.get(f"/api/v1/cases/{case_id}", headers=headers).json()["status"]


def test_an_agent_reply_reaches_the_customer(app, client, people):
    case_id = make_case(app, people.customer)
    sign_in(client, people.agent)
    page = client.get(f"/console/cases/{case_id}?lang=en")
    assert "张三" in page.text and "+86138****8000" in page.text
    assert "500.00 CNY" in page.text and "DP20240601143012" in page.text
    assert "13800138000" not in page.text  # the full phone number never shows
    sent = _post(client, f"/console/cases/{case_id}/reply", body="我们已查到这笔充值，正在核实。")
    assert sent.status_code == 303

    sign_in(client, people.customer)
    portal = client.get(f"/portal/cases/{case_id}?lang=en")
    assert "我们已查到这笔充值，正在核实。" in portal.text
    assert "In progress" in portal.text  # the first staff reply takes the case into work
    messages = client.get(f"/api/v1/cases/{case_id}/messages").json()
    assert [(m["body"], m["from_staff"]) for m in messages] == [
        ("我们已查到这笔充值，正在核实。", True)
    ]


def test_an_internal_note_never_reaches_the_customer(app, client, people):
    case_id = make_case(app, people.customer)
    note = "Customer sounds like a scam victim, check device history"
    sign_in(client, people.agent)
    assert _post(client, f"/console/cases/{case_id}/note", note=note).status_code == 303
    headers = csrf_header(client)
    api_note = client.post(
        f"/api/v1/cases/{case_id}/messages",
        json={"body": "Second internal remark", "internal": True},
        headers=headers,
    )
    assert api_note.status_code == 201 and api_note.json()["internal"] is True
    assert note in client.get(f"/console/cases/{case_id}").text
    staff_view = client.get(f"/api/v1/cases/{case_id}/messages").json()
    assert [m["internal"] for m in staff_view] == [True, True]

    sign_in(client, people.customer)
    portal = client.get(f"/portal/cases/{case_id}").text
    assert note not in portal and "Second internal remark" not in portal
    assert client.get(f"/api/v1/cases/{case_id}/messages").json() == []
    assert note not in client.get(f"/api/v1/cases/{case_id}").text
    assert "Second internal remark" not in client.get("/api/v1/cases").text
    # The customer cannot write notes either.
    refused = client.post(
        f"/api/v1/cases/{case_id}/messages",
        json={"body": "let me see the notes", "internal": True},
        headers=csrf_header(client),
    )
    assert refused.status_code == 403


def test_the_status_follows_the_case_lifecycle(app, client, people):
    case_id = make_case(app, people.customer)
    agent = bearer(client, people.agent)
    patch = f"/api/v1/cases/{case_id}"
    assert client.patch(patch, json={"status": "pending_customer"}, headers=agent).json()[
        "status"
    ] == ("pending_customer")
    back = client.patch(patch, json={"status": "new"}, headers=agent)
    assert back.status_code == 409 and back.json()["error"]["code"] == "bad_transition"
    assert client.patch(patch, json={"status": "done"}, headers=agent).status_code == 422

    customer = bearer(client, people.customer)
    reply = {"body": "我已补充了银行流水。"}
    client.post(f"/api/v1/cases/{case_id}/messages", json=reply, headers=customer)
    assert _status(client, case_id, agent) == "open"  # the customer's reply reopens it

    client.patch(patch, json={"status": "resolved"}, headers=agent)
    client.post(f"/api/v1/cases/{case_id}/messages", json=reply, headers=customer)
    assert _status(client, case_id, agent) == "open"

    client.patch(patch, json={"status": "closed"}, headers=agent)
    late = client.post(f"/api/v1/cases/{case_id}/messages", json=reply, headers=customer)
    assert late.status_code == 409 and late.json()["error"]["code"] == "case_closed"
    reopen = client.patch(patch, json={"status": "open"}, headers=agent)
    assert reopen.status_code == 409
    assert client.patch(patch, json={"priority": "high"}, headers=agent).status_code == 409


def test_a_closed_case_tells_the_customer_to_open_a_new_one(app, client, people):
    case_id = make_case(app, people.customer)
    sign_in(client, people.agent)
    _post(client, f"/console/cases/{case_id}/status", status="closed")
    refused = _post(client, f"/console/cases/{case_id}/status", status="open")
    assert refused.status_code == 409
    sign_in(client, people.customer)
    page = client.get(f"/portal/cases/{case_id}?lang=zh")
    assert "该工单已关闭。如仍需帮助，请提交新的工单。" in page.text
    assert 'action="/portal/cases/' not in page.text
    late = _post(client, f"/portal/cases/{case_id}/reply?lang=en", body="Hello again?")
    assert late.status_code == 409
    assert "This case is closed." in late.text


def test_every_change_is_on_the_timeline_with_who(app, client, people):
    case_id = make_case(app, people.customer)
    sign_in(client, people.agent)
    _post(client, f"/console/cases/{case_id}/assignee", assignee_id=str(people.agent.id))
    _post(client, f"/console/cases/{case_id}/priority", priority="urgent")
    _post(client, f"/console/cases/{case_id}/status", status="pending_customer")
    _post(client, f"/console/cases/{case_id}/note", note="Asked the bank.")
    events = client.get(f"/api/v1/cases/{case_id}/events").json()
    assert [(e["type"], e["actor"]["display_name"]) for e in events] == [
        ("open", "张三"),
        ("assign", "Agent A"),
        ("priority", "Agent A"),
        ("status", "Agent A"),
        ("note", "Agent A"),
    ]
    assert events[3]["data"] == {"from": "new", "to": "pending_customer"}
    assert all(e["at"] for e in events)
    page = client.get(f"/console/cases/{case_id}?lang=zh").text
    assert "Agent A 将状态从“新建”改为“等待客户回复”" in page
    assert "Agent A 将工单指派给 Agent A" in page
    assert "Agent A 将优先级从“普通”改为“紧急”" in page
    assert client.get(f"/console/cases/{case_id}?lang=en").text.count("Agent A") >= 5


def test_priority_and_assignee_are_for_staff(app, client, people):
    case_id = make_case(app, people.customer)
    agent = bearer(client, people.agent)
    patch = f"/api/v1/cases/{case_id}"
    changed = client.patch(
        patch, json={"priority": "high", "assignee_id": people.supervisor.id}, headers=agent
    ).json()
    assert changed["priority"] == "high"
    assert changed["assignee"]["display_name"] == "Sup S"
    to_customer = client.patch(patch, json={"assignee_id": people.other_customer.id}, headers=agent)
    assert to_customer.status_code == 422
    assert to_customer.json()["error"]["field"] == "assignee_id"
    assert client.patch(patch, json={"priority": "asap"}, headers=agent).status_code == 422
    assert client.patch(patch, json={"assignee_id": None}, headers=agent).json()["assignee"] is None

    customer = bearer(client, people.customer)
    assert client.patch(patch, json={"priority": "urgent"}, headers=customer).status_code == 403
    sign_in(client, people.customer)
    assert client.get("/console").status_code == 403
    assert _post(client, f"/console/cases/{case_id}/status", status="closed").status_code == 403
    assert _status(client, case_id, agent) == "new"


def test_staff_changes_are_audited(app, client, people, db):
    case_id = make_case(app, people.customer)
    sign_in(client, people.agent)
    _post(client, f"/console/cases/{case_id}/reply", body="Checking with the bank.")
    _post(client, f"/console/cases/{case_id}/note", note="Bank ticket 4471.")
    _post(client, f"/console/cases/{case_id}/assignee", assignee_id="me")
    _post(client, f"/console/cases/{case_id}/priority", priority="high")
    _post(client, f"/console/cases/{case_id}/status", status="resolved")
    entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.subject_id) for e in entries] == [
        ("case.reply", people.agent.id, str(case_id)),
        ("case.status", people.agent.id, str(case_id)),  # new → open by the first reply
        ("case.note", people.agent.id, str(case_id)),
        ("case.assign", people.agent.id, str(case_id)),
        ("case.priority", people.agent.id, str(case_id)),
        ("case.status", people.agent.id, str(case_id)),
    ]
    assert entries[-1].details == {"number": f"WD-{case_id:06d}", "from": "open", "to": "resolved"}
    assert entries[0].ip == "testclient"
    assert verify_chain(db) is None
