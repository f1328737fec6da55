"""Actions on the customer panel of a case: each needs its permission (checked by the service,
not only by the page), writes an audit entry and a line on the case's timeline. Fee refunds
and compensation wait for a second member of staff on the approvals page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.cases.conftest import make_case
from tests.conftest import PASSWORD, bearer, csrf_of, sign_in
from tests.identity.support import last_code, texts_to
from tests.wallet.test_adjustments import paid_withdrawal
from walletdesk.approvals.models import Approval
from walletdesk.audit.models import AuditEntry
from walletdesk.cases import service as cases
from walletdesk.cases.display import Display
from walletdesk.cases.models import Case
from walletdesk.db import session_scope, utcnow
from walletdesk.errors import Forbidden
from walletdesk.i18n import Translator
from walletdesk.identity import account, staff_actions
from walletdesk.identity.models import LoginGuard, SecurityEvent, User
from walletdesk.references import case_number
from walletdesk.risk import service as risk
from walletdesk.wallet import service as wallet

NEW = "quiet harbour morning"


def _post(client, path: str, **data):
    return client.post(
        path + "?lang=en", data={"csrf_token": csrf_of(client), **data}, follow_redirects=False
    )


def _timeline(app, case_id: int) -> list[str]:
    shown = Display(Translator("en"), tz="Asia/Shanghai", staff=True)
    with session_scope(app.state.sessionmaker) as db:
        events = cases.timeline(db, case=db.get(Case, case_id))
        return [shown.event(e) for e in events if e.type == "action"]


def _audit(app, action: str) -> list[AuditEntry]:
    with session_scope(app.state.sessionmaker) as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _lock_both_ways(app, customer) -> None:
    with session_scope(app.state.sessionmaker) as db:
        user = db.get(User, customer.id)
        account.lock_account(db, user=user, reason="Phone stolen", ip="", device="")
        until = utcnow() + timedelta(minutes=15)
        user.locked_until = until  # the pause after wrong passwords, as sign-in records it
        db.add(
            LoginGuard(login=user.login, failures=5, last_failure_at=utcnow(), delayed_until=until)
        )


def _balance(app, customer) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return wallet.balances(db, user_id=customer.id)["CNY"].total_minor


def test_an_agent_unlocks_the_account_and_the_customer_is_told(app, client, people):
    case_id = make_case(app, people.customer)
    _lock_both_ways(app, people.customer)
    refused = client.post(
        "/api/v1/auth/token", json={"login": people.customer.login, "password": PASSWORD}
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "too_many_attempts")

    sign_in(client, people.agent)
    no_reason = _post(client, f"/console/cases/{case_id}/unlock")
    assert no_reason.status_code == 422 and "Say why, for the audit log." in no_reason.text
    done = _post(
        client, f"/console/cases/{case_id}/unlock", reason="Identity checked by video call"
    )
    assert done.status_code == 303
    assert "Unlock the account" not in client.get(f"/console/cases/{case_id}?lang=en").text
    again = _post(client, f"/console/cases/{case_id}/unlock", reason="again")
    assert again.status_code == 409 and "This account is not locked." in again.text

    client.cookies.clear()
    headers = bearer(client, people.customer)  # signs in again
    alerts = client.get(
        "/api/v1/me/security/alerts", headers=headers | {"Accept-Language": "en"}
    ).json()
    assert any(a["kind"] == "unlocked_by_staff" for a in alerts)
    assert any("客服已于" in body for body in texts_to(app, people.customer.phone))
    with session_scope(app.state.sessionmaker) as db:
        kinds = db.scalars(
            select(SecurityEvent.kind).where(SecurityEvent.user_id == people.customer.id)
        ).all()
        assert "unlocked_by_staff" in kinds
    (entry,) = _audit(app, "account.unlock")
    assert entry.actor_id == people.agent.id
    assert entry.details["lifted"] == ["wrong_password", "self_lock"]
    assert entry.details["self_lock_reason"] == "Phone stolen"
    assert _timeline(app, case_id) == [
        "Agent A lifted the lock after wrong passwords (Identity checked by video call)",
        "Agent A lifted the customer's own lock (Identity checked by video call)",
    ]


def test_only_staff_may_unlock_even_calling_the_service(app, client, people):
    case_id = make_case(app, people.customer)
    _lock_both_ways(app, people.customer)
    with session_scope(app.state.sessionmaker) as db, pytest.raises(Forbidden):
        staff_actions.unlock_account(
            db,
            settings=app.state.settings,
            staff=db.get(User, people.other_customer.id),
            customer_id=people.customer.id,
            reason="let me in",
        )
    sign_in(client, people.other_customer)
    assert _post(client, f"/console/cases/{case_id}/unlock", reason="x").status_code == 403
    assert _audit(app, "account.unlock") == []
    with session_scope(app.state.sessionmaker) as db:
        assert db.get(User, people.customer.id).self_locked_at is not None


def test_a_reset_code_goes_to_the_registered_phone_only(app, client, people):
    case_id = make_case(app, people.customer)
    registered, typed = people.customer.phone, people.other_customer.phone
    sign_in(client, people.agent)
    # A phone number in the form is ignored: the code goes to the account's own phone.
    done = _post(client, f"/console/cases/{case_id}/password-reset-code", phone=typed)
    assert done.status_code == 303
    assert texts_to(app, typed) == []
    code = last_code(app, registered)
    with session_scope(app.state.sessionmaker) as db:
        account.reset_password(
            db, settings=app.state.settings, phone=registered, code=code, password=NEW, ip=""
        )
    client.cookies.clear()
    assert bearer(client, people.customer, password=NEW)
    lines = _timeline(app, case_id)
    assert lines == [
        "Agent A sent a password reset code to the customer's registered phone +86138****8000"
    ]
    (entry,) = _audit(app, "password_reset.send")
    assert code not in str(entry.details) and code not in " ".join(lines)
    # Too soon for another code: said on the page, nothing sent.
    sign_in(client, people.agent)
    too_soon = _post(client, f"/console/cases/{case_id}/password-reset-code")
    assert too_soon.status_code == 429 and "before asking for another code" in too_soon.text
    sign_in(client, people.customer, password=NEW)
    assert _post(client, f"/console/cases/{case_id}/password-reset-code").status_code == 403
    assert len(_audit(app, "password_reset.send")) == 1


def test_a_fee_refund_is_asked_on_the_case_and_approved_on_the_queue(app, client, people):
    case_id = make_case(app, people.customer)
    withdrawal = paid_withdrawal(app, people.customer)  # cost a 5.00 CNY fee
    before = _balance(app, people.customer)
    sign_in(client, people.agent)
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Refund a fee" in page and "up to 5.00 CNY" in page
    too_much = _post(
        client,
        f"/console/cases/{case_id}/fee-refund",
        transaction=withdrawal,
        amount="5.01",
        reason="Wrong tier",
    )
    assert too_much.status_code == 422
    assert "A fee refund cannot be more than the fee left to refund: 5.00 CNY." in too_much.text
    asked = _post(
        client,
        f"/console/cases/{case_id}/fee-refund",
        transaction=withdrawal,
        amount="2.50",
        reason="Wrong tier",
    )
    assert asked.status_code == 303
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Waiting for approval" in page and "2.50 CNY" in page
    # The agent follows the request in the queue but has no way to decide it.
    mine = client.get("/console/approvals?lang=en")
    assert mine.status_code == 200 and "Refund a fee" in mine.text
    assert "Your request: another member of staff decides." in mine.text
    assert "/approve" not in mine.text and "/reject" not in mine.text

    sign_in(client, people.supervisor)
    queue = client.get("/console/approvals?lang=en").text
    assert 'href="/console/approvals"' in queue  # in the navigation
    assert "/approve" in queue and "/reject" in queue
    assert "Refund a fee" in queue and withdrawal in queue and "Wrong tier" in queue
    assert "Agent A" in queue
    assert f'href="/console/cases/{case_id}">{case_number(case_id)}</a>' in queue
    with session_scope(app.state.sessionmaker) as db:
        approval_id = db.scalar(select(Approval.id))
    assert _post(client, f"/console/approvals/{approval_id}/approve").status_code == 303
    assert _balance(app, people.customer) == before + 250
    queue = client.get("/console/approvals?lang=en").text
    assert "Nothing waits for approval." in queue
    decided = queue[queue.index('id="decided"') :]  # the decision stays in sight
    assert "Refund a fee" in decided and "Approved" in decided and "Sup S" in decided
    assert "/approve" not in decided
    lines = _timeline(app, case_id)
    assert lines[0] == "Agent A asked for approval: Refund a fee (Wrong tier)"
    assert lines[1].startswith("Sup S credited 2.50 CNY to the customer's wallet: Refund a fee (R")
    assert lines[2] == "Sup S approved: Refund a fee"
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "up to 2.50 CNY" in page  # what is left of the fee


def test_the_queue_shows_why_a_decision_was_refused(app, client, people):
    case_id = make_case(app, people.customer)
    paid_withdrawal(app, people.customer)
    sign_in(client, people.supervisor)
    asked = _post(
        client,
        f"/console/cases/{case_id}/compensation",
        amount="20",
        currency="CNY",
        reason="Two-day outage",
    )
    assert asked.status_code == 303
    with session_scope(app.state.sessionmaker) as db:
        approval_id = db.scalar(select(Approval.id))
    own = _post(client, f"/console/approvals/{approval_id}/approve")
    assert own.status_code == 403
    assert "A second member of staff must approve what you asked for." in own.text
    sign_in(client, people.admin)
    no_note = _post(client, f"/console/approvals/{approval_id}/reject")
    assert no_note.status_code == 422 and "Say why you reject it." in no_note.text
    before = _balance(app, people.customer)
    assert _post(client, f"/console/approvals/{approval_id}/approve").status_code == 303
    twice = _post(client, f"/console/approvals/{approval_id}/approve")
    assert twice.status_code == 409 and "This request has already been decided." in twice.text
    assert _balance(app, people.customer) == before + 2000
    with session_scope(app.state.sessionmaker) as db:
        assert db.get(Approval, approval_id).decided_by_id == people.admin.id
    assert "Admin Z approved: Pay compensation" in _timeline(app, case_id)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("100,50", "Use a dot for decimals in the amount: 100.50, not 100,50."),
        ("1,0,0", "A comma in the amount may only separate thousands, e.g. 1,000.50."),
        ("1E+100", "Enter the amount as a number, e.g. 100.50."),
    ],
)
def test_compensation_refuses_an_amount_it_could_misread(app, client, people, amount, message):
    """Issue 8: "100,50" asked for 10,050.00 CNY of compensation."""
    case_id = make_case(app, people.customer)
    paid_withdrawal(app, people.customer)  # a wallet: the panel offers compensation
    sign_in(client, people.supervisor)
    asked = _post(
        client,
        f"/console/cases/{case_id}/compensation",
        amount=amount,
        currency="CNY",
        reason="Two-day outage",
    )
    assert asked.status_code == 422 and message in asked.text
    with session_scope(app.state.sessionmaker) as db:
        assert db.scalar(select(Approval.id)) is None


def test_a_customer_cannot_ask_for_money(app, client, people):
    case_id = make_case(app, people.customer)
    withdrawal = paid_withdrawal(app, people.customer)
    sign_in(client, people.customer)
    for path, data in (
        ("fee-refund", {"transaction": withdrawal, "amount": "1", "reason": "x"}),
        ("compensation", {"amount": "1", "currency": "CNY", "reason": "x"}),
    ):
        assert _post(client, f"/console/cases/{case_id}/{path}", **data).status_code == 403
    with session_scope(app.state.sessionmaker) as db:
        assert db.scalar(select(Approval.id)) is None


def _freeze(app, staff, customer, case_id: int | None) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return risk.freeze_account(
            db,
            user_id=customer.id,
            reason="Reported a stolen phone",
            staff=db.get(User, staff.id),
            case_id=case_id,
        ).id


def test_an_unfreeze_is_asked_on_the_case_and_lifted_by_a_second_person(app, client, people):
    case_id = make_case(app, people.customer)
    freeze_id = _freeze(app, people.agent, people.customer, case_id)
    others = _freeze(app, people.agent, people.other_customer, None)
    sign_in(client, people.agent)
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Frozen" in page and "Reported a stolen phone" in page and "Ask to unfreeze" in page
    no_reason = _post(client, f"/console/cases/{case_id}/unfreeze", freeze_id=str(freeze_id))
    assert no_reason.status_code == 422
    not_this_customers = _post(
        client, f"/console/cases/{case_id}/unfreeze", freeze_id=str(others), reason="x"
    )
    assert not_this_customers.status_code == 404
    asked = _post(
        client,
        f"/console/cases/{case_id}/unfreeze",
        freeze_id=str(freeze_id),
        reason="The phone was found; the customer confirmed by video",
    )
    assert asked.status_code == 303
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Unfreezing waits for approval" in page and "Ask to unfreeze" not in page
    with session_scope(app.state.sessionmaker) as db:
        approval = db.scalar(select(Approval))
        assert (approval.kind, approval.payload, approval.case_id) == (
            "unfreeze",
            {"freeze_id": freeze_id},
            case_id,
        )
        assert risk.is_frozen(db, user_id=people.customer.id)

    sign_in(client, people.supervisor)
    queue = client.get("/console/approvals?lang=en").text
    assert "Unfreeze the account" in queue and "customer confirmed by video" in queue
    assert _post(client, f"/console/approvals/{approval.id}/approve").status_code == 303
    with session_scope(app.state.sessionmaker) as db:
        assert not risk.is_frozen(db, user_id=people.customer.id)
        assert risk.is_frozen(db, user_id=people.other_customer.id)
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Lifted" in page and "by Sup S" in page
    lines = _timeline(app, case_id)
    assert (
        "Agent A asked for approval: Unfreeze the account "
        "(The phone was found; the customer confirmed by video)"
    ) in lines
    assert "Sup S approved: Unfreeze the account" in lines
