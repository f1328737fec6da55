"""Who wrote each line of a case: a review opened by risk control and the lines an approved
action writes are the system's, never the customer's, in the reader's language; an approved
refund tells the customer on their case, and a case waiting on staff is not "waiting for you".
A second case about the same transaction is offered the open one first."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.cases.conftest import REQUIRED, make_case, submit_case
from tests.conftest import bearer, sign_in
from tests.wallet.test_adjustments import paid_withdrawal
from walletdesk.approvals import service as approvals
from walletdesk.approvals.models import Approval
from walletdesk.cases import service as cases
from walletdesk.cases.models import Case
from walletdesk.db import session_scope
from walletdesk.identity.models import User
from walletdesk.risk import service as risk
from walletdesk.wallet import adjustments


def _authors(html: str) -> list[str]:
    return re.findall(r'<li class="[^"]*" data-author="(\w+)"', html)


def _freeze(app, people) -> int:
    with session_scope(app.state.sessionmaker) as db:
        freeze = risk.freeze_account(
            db,
            user_id=people.customer.id,
            reason="Reported stolen phone",
            staff=db.get(User, people.agent.id),
        )
        return int(freeze.case_id)


def test_a_review_opened_by_risk_control_is_the_systems_in_the_readers_language(
    app, client, people
):
    case_id = _freeze(app, people)
    headers = {**bearer(client, people.agent), "Accept-Language": "en"}
    sign_in(client, people.customer)
    english = client.get(f"/portal/cases/{case_id}?lang=en").text
    assert _authors(english)[0] == "system"  # not the customer's words
    assert "Automatic message" in english
    assert "<h1>Account frozen for a security review</h1>" in english
    assert "Your account was frozen for a security review." in english
    assert "因安全审核" not in english  # no Chinese on the English page
    chinese = client.get(f"/portal/cases/{case_id}?lang=zh").text
    assert "Account frozen" not in chinese and "系统自动消息" in chinese

    shown = client.get(f"/api/v1/cases/{case_id}?lang=en", headers=headers).json()
    assert shown["opened_by"] == "system"
    assert shown["subject"] == "Account frozen for a security review"
    sign_in(client, people.agent)
    console = client.get(f"/console/cases/{case_id}?lang=en").text
    assert _authors(console)[0] == "system"


def test_an_approved_fee_refund_is_said_on_the_case_which_then_waits_on_staff(app, client, people):
    case_id = make_case(app, people.customer)
    withdrawal = paid_withdrawal(app, people.customer)
    with session_scope(app.state.sessionmaker) as db:
        case, agent = db.get(Case, case_id), db.get(User, people.agent.id)
        cases.change_status(db, case=case, actor=agent, status="pending_customer")
        adjustments.request_fee_refund(
            db,
            staff=agent,
            customer_id=people.customer.id,
            public_id=withdrawal,
            amount_minor=250,
            reason="Wrong tier",
            case_id=case_id,
        )
    headers = bearer(client, people.customer)
    sign_in(client, people.customer)
    page = client.get(f"/portal/cases/{case_id}?lang=en").text
    assert "Waiting for your reply" not in page and "We are waiting for your reply" not in page
    assert "Our staff asked for a second approval: Refund a fee." in page

    with session_scope(app.state.sessionmaker) as db:
        approval_id = db.scalar(select(Approval.id))
        approvals.decide(
            db, approval_id=approval_id, staff=db.get(User, people.supervisor.id), approve=True
        )
    page = client.get(f"/portal/cases/{case_id}?lang=en").text
    assert "We credited 2.50 CNY to your wallet: Refund a fee" in page
    assert _authors(page)[-1] == "system"
    assert "我们已向您的钱包入账 2.50 CNY" in client.get(f"/portal/cases/{case_id}?lang=zh").text
    messages = client.get(f"/api/v1/cases/{case_id}/messages", headers=headers).json()
    assert {m["author_kind"] for m in messages} == {"system"}
    assert all(m["author"] is None for m in messages)


def test_a_second_case_about_the_same_transaction_is_offered_the_open_one(app, client, people):
    first = make_case(app, people.customer)
    headers = bearer(client, people.customer)
    body = {
        "category": "deposit_withdrawal",
        "subject": "Deposit still missing",
        "description": "The bank took 500 yuan yesterday and nothing arrived.",
        "details": dict(REQUIRED["deposit_withdrawal"]),
    }
    again = client.post("/api/v1/cases?lang=en", json=body, headers=headers)
    assert again.status_code == 409, again.text
    error = again.json()["error"]
    assert error["code"] == "duplicate_case" and error["case_id"] == first
    forced = client.post("/api/v1/cases", json={**body, "force": True}, headers=headers)
    assert forced.status_code == 201

    sign_in(client, people.customer)
    page = submit_case(client)
    assert page.status_code == 409
    assert "You already have an open case about this transaction" in page.text
    assert f'href="/portal/cases/{forced.json()["id"]}#reply"' in page.text
    assert 'name="force"' in page.text
    assert submit_case(client, force="1").status_code == 303
