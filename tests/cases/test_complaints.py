"""Complaints: acknowledged in writing with the deadline the customer's jurisdiction sets, a
holding reply within the rule's extensions, the final response with the escalation rights in
the customer's language, and the customer accepting or escalating; by service, API and pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.cases.conftest import make_case
from tests.conftest import PASSWORD, bearer, csrf_of, sign_in
from walletdesk.audit.models import AuditEntry
from walletdesk.cases import commitments, complaints
from walletdesk.cases import service as cases
from walletdesk.cases.complaint_jobs import remind_committed_deadlines
from walletdesk.cases.display import Display
from walletdesk.cases.models import Case, CaseCommitment, CaseMessage
from walletdesk.cases.sla import load_rule_book, rule_deadline
from walletdesk.db import session_scope, utcnow
from walletdesk.errors import Conflict, Forbidden, ValidationFailed
from walletdesk.i18n import Translator
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.jobs import JobRun

WHAT = "My withdrawal was refused twice with no reason given."


def file(app, customer, **extra) -> int:
    with session_scope(app.state.sessionmaker) as db:
        case = complaints.file_complaint(
            db,
            customer=db.get(User, customer.id),
            subject="Withdrawal refused",
            description=WHAT,
            remedies=extra.pop("remedies", ["apology", "service_change"]),
            settings=app.state.settings,
            **extra,
        )
        return case.id


def lines_of(app, case_id: int, lang: str = "en") -> list[str]:
    shown = Display(Translator(lang), tz="Asia/Shanghai", staff=False)
    with session_scope(app.state.sessionmaker) as db:
        found = db.scalars(
            select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id)
        )
        return [shown.body(m) for m in found]


def timeline(app, case_id: int) -> list[str]:
    shown = Display(Translator("en"), tz="Asia/Shanghai", staff=True)
    with session_scope(app.state.sessionmaker) as db:
        return [shown.event(e) for e in cases.timeline(db, case=db.get(Case, case_id))]


def state(app, case_id: int) -> tuple[Case, CaseCommitment]:
    with session_scope(app.state.sessionmaker) as db:
        case, commitment = db.get(Case, case_id), db.get(CaseCommitment, case_id)
        assert case is not None and commitment is not None
        db.expunge_all()
        return case, commitment


def act(app, func, case_id: int, user, **kwargs):
    with session_scope(app.state.sessionmaker) as db:
        return func(
            db,
            case=db.get(Case, case_id),
            **{kwargs.pop("as_", "staff"): db.get(User, user.id)},
            **kwargs,
        )


def test_a_complaint_is_acknowledged_in_writing_with_the_deadline_of_its_jurisdiction(app, people):
    case_id = file(app, people.customer)
    case, commitment = state(app, case_id)
    assert (case.type, case.status, case.category) == ("complaint", "acknowledged", "complaint")
    assert case.details["remedies"] == ["apology", "service_change"]
    # A +86 phone: mainland China's rule, 15 calendar days from receipt.
    assert (commitment.jurisdiction, commitment.rule) == ("cn", "cn-complaint")
    rule = load_rule_book().rule("cn-complaint")
    assert commitment.due_at == rule_deadline(rule, commitment.received_at).due_at
    assert commitment.acknowledged_at is not None
    due = commitments.due_text(commitment, app.state.settings)
    (ack,) = lines_of(app, case_id, "zh")
    assert case.number in ack and due in ack and "金融消费投诉" in ack
    assert "System changed the status from Received to Acknowledged" in timeline(app, case_id)


def test_the_jurisdiction_follows_the_phone_and_an_unknown_one_gets_the_default(app, people):
    with session_scope(app.state.sessionmaker) as db:
        briton = identity.create_user(
            db, role="customer", phone="+447700900123", password=PASSWORD, display_name="B"
        )
        briton.lang = "en"
    case_id = file(app, briton)
    _, commitment = state(app, case_id)
    assert (commitment.jurisdiction, commitment.rule, commitment.lang) == (
        "uk",
        "disp-complaint",
        "en",
    )
    assert commitment.due_at - commitment.received_at > timedelta(weeks=7)


def test_a_holding_reply_gives_the_reason_and_the_new_date_within_the_rules_limits(app, people):
    case_id = file(app, people.customer)
    _, before = state(app, case_id)
    act(
        app,
        complaints.send_holding_reply,
        case_id,
        people.agent,
        extension="complex",
        reason="We are waiting for the bank's records.",
        settings=app.state.settings,
    )
    case, after = state(app, case_id)
    assert case.status == "investigating" and after.extension == "complex"
    assert after.due_at - before.due_at >= timedelta(days=14)
    due = commitments.due_text(after, app.state.settings)
    holding = lines_of(app, case_id)[-1]
    assert "We are waiting for the bank's records." in holding and due in holding
    with pytest.raises(Conflict):  # the same extension gives no more time
        act(
            app,
            complaints.send_holding_reply,
            case_id,
            people.agent,
            extension="complex",
            reason="Again",
            settings=app.state.settings,
        )
    with pytest.raises(ValidationFailed):  # not one of the cn rule's extensions
        act(
            app,
            complaints.send_holding_reply,
            case_id,
            people.agent,
            extension="exceptional",
            reason="Why",
            settings=app.state.settings,
        )
    with session_scope(app.state.sessionmaker) as db:
        audited = db.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == case_id))
        assert "case.action" in list(audited)


def test_the_final_response_states_the_escalation_rights_and_the_customer_accepts(app, people):
    case_id = file(app, people.customer)
    act(
        app,
        complaints.send_final_response,
        case_id,
        people.agent,
        body="We found the cause and fixed it.",
        settings=app.state.settings,
    )
    case, commitment = state(app, case_id)
    assert case.status == "responded" and commitment.responded_at is not None
    rights = lines_of(app, case_id, "zh")[-1]
    assert "国家金融监督管理总局" in rights and "12378" in rights and "12363" in rights
    with pytest.raises(Forbidden):  # only the customer accepts
        act(app, complaints.accept_response, case_id, people.agent, as_="customer")
    act(app, complaints.accept_response, case_id, people.customer, as_="customer")
    assert state(app, case_id)[0].status == "accepted"
    with pytest.raises(Conflict):
        act(
            app,
            complaints.escalate,
            case_id,
            people.customer,
            as_="customer",
            note="",
            settings=app.state.settings,
        )


def test_the_customer_may_escalate_and_is_given_the_bodies_again(app, people):
    case_id = file(app, people.customer)
    act(
        app,
        complaints.send_final_response,
        case_id,
        people.agent,
        body="We cannot refund this fee.",
        settings=app.state.settings,
    )
    act(
        app,
        complaints.escalate,
        case_id,
        people.customer,
        as_="customer",
        note="I disagree.",
        settings=app.state.settings,
    )
    case, _ = state(app, case_id)
    assert case.status == "escalated"
    last = lines_of(app, case_id)[-1]
    assert "National Financial Regulatory Administration" in last or "国家金融" in last
    assert case.number in last


def test_an_unresolved_case_becomes_a_complaint_and_its_clock_starts(app, people):
    case_id = make_case(app, people.customer)
    act(
        app,
        complaints.make_complaint,
        case_id,
        people.customer,
        as_="customer",
        remedies=["refund"],
        reason="Nobody answered for a week.",
        settings=app.state.settings,
    )
    case, commitment = state(app, case_id)
    assert (case.type, case.status) == ("complaint", "acknowledged")
    assert commitment.acknowledged_at is not None
    assert "张三 changed the case from Inquiry to Complaint" in timeline(app, case_id)
    with pytest.raises(Conflict):  # once a complaint, not again
        act(
            app,
            complaints.make_complaint,
            case_id,
            people.customer,
            as_="customer",
            remedies=["refund"],
            reason="x",
            settings=app.state.settings,
        )
    with pytest.raises(ValidationFailed):
        other = make_case(app, people.customer, transaction_id="TX2")
        act(
            app,
            complaints.make_complaint,
            other,
            people.customer,
            as_="customer",
            remedies=[],
            reason="x",
            settings=app.state.settings,
        )


def test_an_agent_records_a_complaint_made_by_phone(app, people):
    with session_scope(app.state.sessionmaker) as db:
        agent = db.get(User, people.agent.id)
    case_id = file(app, people.customer, recorded_by=agent)
    case, _ = state(app, case_id)
    assert case.channel == "phone"
    assert "Agent A recorded a complaint the customer made by phone" in timeline(app, case_id)


def test_staff_are_reminded_once_when_the_deadline_draws_near(app, people):
    case_id = file(app, people.customer)
    with session_scope(app.state.sessionmaker) as db:
        commitment = db.get(CaseCommitment, case_id)
        commitment.received_at = utcnow() - timedelta(days=14)  # one day of fifteen left
        commitment.due_at = utcnow() + timedelta(days=1)
    for _ in range(2):
        with session_scope(app.state.sessionmaker) as db:
            run = JobRun(db, app.state.settings, utcnow(), app.state.sessionmaker)
            remind_committed_deadlines(run)
    reminders = [t for t in timeline(app, case_id) if t.startswith("Reminder:")]
    assert len(reminders) == 1


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_of(client), **data}, follow_redirects=False)


def test_pages_a_customer_complains_and_sees_the_deadline_staff_answer(app, client, people):
    sign_in(client, people.customer)
    assert "/portal/complaints/new" in client.get("/portal?lang=en").text
    form = client.get("/portal/complaints/new?lang=zh")
    assert form.status_code == 200 and "您希望我们怎么做？" in form.text
    refused = post(client, "/portal/complaints/new?lang=en", subject="Fees", description=WHAT)
    assert refused.status_code == 422 and "Tell us what you would like us to do." in refused.text
    no_csrf = client.post("/portal/complaints/new", data={"subject": "x"}, follow_redirects=False)
    assert no_csrf.status_code == 403
    sent = client.post(
        "/portal/complaints/new",
        data={
            "csrf_token": csrf_of(client),
            "subject": "<b>Fees</b>",
            "description": WHAT,
            "remedies": ["refund", "apology"],
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    case_id = int(sent.headers["location"].rsplit("/", 1)[1])
    _, commitment = state(app, case_id)
    due = commitments.due_text(commitment, app.state.settings)
    page = client.get(f"/portal/cases/{case_id}?lang=en").text
    assert "Written answer due" in page and due in page and " left" in page
    assert "&lt;b&gt;Fees&lt;/b&gt;" in page and "<b>Fees</b>" not in page
    assert "You asked for:" in page and "A refund" in page

    sign_in(client, people.agent)
    console = client.get(f"/console/cases/{case_id}?lang=en").text
    assert due in console and "Send holding reply" in console and "Final response" in console
    held = post(
        client,
        f"/console/cases/{case_id}/holding-reply?lang=en",
        extension="complex",
        reason="The bank has not answered yet.",
    )
    assert held.status_code == 303
    assert (
        post(client, f"/console/cases/{case_id}/final-response", body="Fixed.").status_code == 303
    )

    sign_in(client, people.customer)
    page = client.get(f"/portal/cases/{case_id}?lang=zh").text
    assert "国家金融监督管理总局" in page and "我接受此答复" in page
    assert post(client, f"/portal/cases/{case_id}/accept").status_code == 303
    assert state(app, case_id)[0].status == "accepted"


def test_pages_a_customer_turns_a_case_into_a_complaint_and_an_agent_records_one(
    app, client, people
):
    case_id = make_case(app, people.customer)
    sign_in(client, people.customer)
    assert "Make it a complaint" in client.get(f"/portal/cases/{case_id}?lang=en").text
    bad = post(client, f"/portal/cases/{case_id}/complaint?lang=en", reason="Too slow")
    assert bad.status_code == 422 and "Tell us what you would like us to do." in bad.text
    made = client.post(
        f"/portal/cases/{case_id}/complaint",
        data={"csrf_token": csrf_of(client), "reason": "Too slow", "remedies": "apology"},
        follow_redirects=False,
    )
    assert made.status_code == 303 and state(app, case_id)[0].type == "complaint"

    sign_in(client, people.agent)
    assert "/console/complaints/new" in client.get("/console?lang=en").text
    unknown = post(
        client,
        "/console/complaints/new?lang=en",
        phone="+8613700000000",
        subject="Fees",
        description=WHAT,
        remedies="refund",
    )
    assert unknown.status_code == 422 and "No customer has this phone number." in unknown.text
    recorded = post(
        client,
        "/console/complaints/new",
        phone="13800138000",
        subject="Fees",
        description=WHAT,
        remedies="refund",
    )
    assert recorded.status_code == 303 and recorded.headers["location"].startswith(
        "/console/cases/"
    )


def test_api_complaint_path_and_the_types_definition(app, client, people):
    listed = client.get("/api/v1/cases/types?lang=zh").json()
    assert [t["key"] for t in listed][:2] == ["inquiry", "complaint"]
    assert listed[1]["label"] == "投诉" and listed[1]["deadline_kind"] == "complaint"
    customer = bearer(client, people.customer)
    made = client.post(
        "/api/v1/complaints",
        json={"subject": "Fees", "description": WHAT, "remedies": ["refund"]},
        headers=customer,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    # Shaped before commit; the acknowledgement leaves right after it.
    assert body["type"] == "complaint" and body["status"] == "received"
    assert body["commitment"]["rule"] == "cn-complaint" and body["commitment"]["seconds_left"] > 0
    case_id = body["id"]
    path = client.get(f"/api/v1/cases/{case_id}/path", headers=customer).json()
    assert path["status"] == "acknowledged" and path["commitment"]["acknowledged_at"]
    agent = bearer(client, people.agent)
    refused = client.post(f"/api/v1/cases/{case_id}/accept", headers=agent)
    assert refused.status_code == 403
    held = client.post(
        f"/api/v1/cases/{case_id}/holding-reply",
        json={"extension": "complex", "reason": "Waiting for the bank."},
        headers=agent,
    )
    assert held.status_code == 200 and held.json()["commitment"]["extension"] == "complex"
    final = client.post(
        f"/api/v1/cases/{case_id}/final-response", json={"body": "Done."}, headers=agent
    )
    assert final.json()["status"] == "responded"
    other = bearer(client, people.other_customer)
    assert client.get(f"/api/v1/cases/{case_id}/path", headers=other).status_code == 404
    escalated = client.post(
        f"/api/v1/cases/{case_id}/escalate", json={"note": "No."}, headers=customer
    )
    assert escalated.json()["status"] == "escalated"


def test_the_demo_seeds_each_path_at_a_different_point_of_its_clock(app, people):
    from walletdesk.cases.demo_paths import seed_demo_paths
    from walletdesk.wallet.samples import seed_demo_wallet

    with session_scope(app.state.sessionmaker) as db:
        seed_demo_wallet(db, customer=db.get(User, people.customer.id))
    for _ in range(2):
        with session_scope(app.state.sessionmaker) as db:
            seed_demo_paths(db, settings=app.state.settings)
    with session_scope(app.state.sessionmaker) as db:
        found = db.scalars(select(Case).where(Case.type != "inquiry").order_by(Case.id)).all()
        shown = [(c.type, c.status) for c in found]
        assert shown == [
            ("complaint", "investigating"),
            ("complaint", "responded"),
            ("transaction_appeal", "received"),
        ]
        clocks = [db.get(CaseCommitment, c.id) for c in found]
        now = utcnow()
        assert clocks[0].due_at - now < timedelta(days=4)  # little time left
        assert clocks[1].responded_at is not None
        assert clocks[2].due_at - now > timedelta(days=10)
        assert all(c.acknowledged_at for c in clocks)
