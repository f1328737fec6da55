"""Transaction appeals: about the customer's own transaction only, decided with a reason, the
money put right through the wallet's approvals (a second person approves, the ledger balances),
the customer told the outcome, and one contest decided by a supervisor; service, API, pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.cases.test_complaints import lines_of, state
from tests.conftest import bearer, csrf_of, sign_in
from tests.images import png_bytes
from tests.wallet.test_adjustments import paid_withdrawal
from walletdesk.approvals import service as approvals
from walletdesk.approvals.models import Approval
from walletdesk.cases import appeals
from walletdesk.cases.attachments import Upload
from walletdesk.cases.models import Case, CaseAttachment
from walletdesk.db import session_scope
from walletdesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from walletdesk.identity.models import User
from walletdesk.wallet import service as wallet
from walletdesk.wallet.ledger import verify_ledger

WHAT = "The bank says the money never arrived."


def appeal(app, customer, public_id: str, files=()) -> int:
    with session_scope(app.state.sessionmaker) as db:
        case = appeals.file_appeal(
            db,
            customer=db.get(User, customer.id),
            transaction=public_id,
            description=WHAT,
            files=files,
            settings=app.state.settings,
        )
        return case.id


def decide(app, case_id: int, staff, **kwargs):
    with session_scope(app.state.sessionmaker) as db:
        return appeals.decide(
            db,
            case=db.get(Case, case_id),
            staff=db.get(User, staff.id),
            settings=app.state.settings,
            **{"reason": "The payout bounced back to us.", **kwargs},
        )


def contest(app, case_id: int, customer, reason: str = "I still have not got it.") -> None:
    with session_scope(app.state.sessionmaker) as db:
        appeals.contest(
            db,
            case=db.get(Case, case_id),
            customer=db.get(User, customer.id),
            reason=reason,
            settings=app.state.settings,
        )


def balance(app, customer) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return wallet.balances(db, user_id=customer.id)["CNY"].total_minor


def test_an_appeal_names_the_customers_own_transaction_with_evidence(app, people):
    public_id = paid_withdrawal(app, people.customer)
    shot = Upload("bank.png", png_bytes())
    case_id = appeal(app, people.customer, public_id, files=[shot])
    case, commitment = state(app, case_id)
    assert (case.type, case.status) == ("transaction_appeal", "received")
    assert case.details["transaction_id"] == public_id and case.amount_minor == 100_000
    assert commitment.rule == "cn-complaint" and commitment.acknowledged_at is not None
    assert case.number in lines_of(app, case_id)[0]
    with session_scope(app.state.sessionmaker) as db:
        assert db.scalar(select(CaseAttachment.file_name).where(CaseAttachment.case_id == case_id))
    with pytest.raises(Conflict):  # one open appeal per transaction
        appeal(app, people.customer, public_id)
    with pytest.raises(NotFound):  # another customer's transaction is not found
        appeal(app, people.other_customer, public_id)
    with pytest.raises(ValidationFailed):  # an executable is not evidence
        paid = paid_withdrawal(app, people.other_customer)
        appeal(app, people.other_customer, paid, files=[Upload("x.png", b"MZ\x90\x00" * 50)])


def test_an_upheld_appeal_is_refunded_once_a_second_person_approves(app, people):
    public_id = paid_withdrawal(app, people.customer)
    case_id = appeal(app, people.customer, public_id)
    before = balance(app, people.customer)
    decision = decide(
        app, case_id, people.agent, outcome="upheld", remedy="refund", amount_minor=30_000
    )
    case, commitment = state(app, case_id)
    assert case.status == "decided" and commitment.responded_at is not None
    told = lines_of(app, case_id)
    assert any("Our decision on your appeal: Upheld. Why: The payout bounced" in t for t in told)
    assert any("300.00 CNY" in t for t in told)
    assert balance(app, people.customer) == before  # nothing moves before the approval
    with session_scope(app.state.sessionmaker) as db:
        approval = db.get(Approval, decision["approval_id"])
        assert approval.case_id == case_id and approval.status == "pending"
        with pytest.raises(Forbidden):  # not by the one who asked
            approvals.decide(
                db, approval_id=approval.id, staff=db.get(User, people.agent.id), approve=True
            )
    with session_scope(app.state.sessionmaker) as db:
        approvals.decide(
            db,
            approval_id=decision["approval_id"],
            staff=db.get(User, people.supervisor.id),
            approve=True,
        )
    assert balance(app, people.customer) == before + 30_000
    with session_scope(app.state.sessionmaker) as db:
        assert verify_ledger(db).ok
    assert any("We credited 300.00 CNY to your wallet" in t for t in lines_of(app, case_id))


def test_the_amount_cannot_exceed_the_transaction_and_a_rejection_moves_no_money(app, people):
    public_id = paid_withdrawal(app, people.customer)
    case_id = appeal(app, people.customer, public_id)
    with pytest.raises(ValidationFailed):
        decide(app, case_id, people.agent, outcome="upheld", remedy="refund", amount_minor=100_001)
    with pytest.raises(ValidationFailed):
        decide(app, case_id, people.agent, outcome="rejected", remedy="refund")
    with pytest.raises(ValidationFailed):
        decide(app, case_id, people.agent, outcome="upheld", reason=" ")
    decide(app, case_id, people.agent, outcome="rejected")
    with session_scope(app.state.sessionmaker) as db:
        assert db.scalar(select(Approval.id)) is None


def test_the_customer_contests_once_and_a_supervisor_decides_again(app, people):
    public_id = paid_withdrawal(app, people.customer)
    case_id = appeal(app, people.customer, public_id)
    decide(app, case_id, people.agent, outcome="rejected")
    contest(app, case_id, people.customer)
    assert state(app, case_id)[0].status == "contested"
    with pytest.raises(Forbidden):  # an agent does not decide a contested appeal
        decide(app, case_id, people.agent, outcome="upheld", remedy="fee_refund")
    decide(app, case_id, people.supervisor, outcome="upheld", remedy="fee_refund")
    case, _ = state(app, case_id)
    assert case.status == "decided" and len(case.details["decisions"]) == 2
    assert not any("contest this decision once" in t for t in lines_of(app, case_id)[-2:])
    with pytest.raises(Conflict):
        contest(app, case_id, people.customer, "Again")


def test_pages_an_appeal_is_filed_decided_approved_and_contested(app, client, people):
    public_id = paid_withdrawal(app, people.customer)
    sign_in(client, people.customer)
    form = client.get(f"/portal/appeals/new?transaction={public_id}&lang=en").text
    assert f'value="{public_id}" selected' in form
    sent = client.post(
        "/portal/appeals/new",
        data={"csrf_token": csrf_of(client), "transaction": public_id, "description": WHAT},
        files=[("attachments", ("bank.png", png_bytes(), "image/png"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303
    case_id = int(sent.headers["location"].rsplit("/", 1)[1])
    assert "Written answer due" in client.get(f"/portal/cases/{case_id}?lang=en").text

    sign_in(client, people.agent)
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Send the decision" in page and "Start the review" in page
    decided = client.post(
        f"/console/cases/{case_id}/appeal-decision",
        data={
            "csrf_token": csrf_of(client),
            "outcome": "upheld",
            "remedy": "refund",
            "amount": "12.34",
            "reason": "<i>Bounced</i> payout",
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303
    with session_scope(app.state.sessionmaker) as db:
        approval_id = db.scalar(select(Approval.id).where(Approval.case_id == case_id))
    before = balance(app, people.customer)
    sign_in(client, people.supervisor)
    approved = client.post(
        f"/console/approvals/{approval_id}/approve",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert approved.status_code == 303 and balance(app, people.customer) == before + 1234

    sign_in(client, people.customer)
    page = client.get(f"/portal/cases/{case_id}?lang=en").text
    assert "&lt;i&gt;Bounced&lt;/i&gt; payout" in page and "<i>Bounced" not in page
    assert "Contest the decision" in page
    contested = client.post(
        f"/portal/cases/{case_id}/contest",
        data={"csrf_token": csrf_of(client), "reason": "Only part of it came back."},
        follow_redirects=False,
    )
    assert contested.status_code == 303
    assert "Contest the decision" not in client.get(f"/portal/cases/{case_id}").text


def test_api_appeals_only_the_customers_own_transaction(app, client, people):
    public_id = paid_withdrawal(app, people.customer)
    other = bearer(client, people.other_customer)
    body = {"transaction": public_id, "description": WHAT}
    assert client.post("/api/v1/appeals", json=body, headers=other).status_code == 404
    mine = bearer(client, people.customer)
    made = client.post("/api/v1/appeals", json=body, headers=mine)
    assert made.status_code == 201 and made.json()["type"] == "transaction_appeal"
    case_id = made.json()["id"]
    agent = bearer(client, people.agent)
    decided = client.post(
        f"/api/v1/cases/{case_id}/appeal-decision",
        json={"outcome": "rejected", "reason": "The bank confirmed the payout."},
        headers=agent,
    )
    assert decided.status_code == 200 and decided.json()["status"] == "decided"
    contested = client.post(
        f"/api/v1/cases/{case_id}/contest", json={"reason": "No."}, headers=mine
    )
    assert contested.json()["status"] == "contested"
    again = client.post(
        f"/api/v1/cases/{case_id}/appeal-decision",
        json={"outcome": "upheld", "reason": "On a second look", "remedy": "fee_refund"},
        headers=agent,
    )
    assert again.status_code == 403  # a supervisor decides a contested appeal
