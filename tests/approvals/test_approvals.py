"""Maker-checker: a second member of staff approves, once, and the approval is carried out,
audited and written on the case's timeline."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.cases.conftest import make_case
from walletdesk.approvals import service as approvals
from walletdesk.approvals.models import Approval
from walletdesk.audit.models import AuditEntry
from walletdesk.cases import service as cases
from walletdesk.cases.display import Display
from walletdesk.cases.models import Case
from walletdesk.db import session_scope
from walletdesk.errors import Conflict, Forbidden, ValidationFailed
from walletdesk.i18n import Translator
from walletdesk.identity.models import User

CARRIED_OUT: list[dict[str, Any]] = []


def _carry_out(db, approval: Approval, approver: User) -> dict[str, Any]:
    CARRIED_OUT.append({"payload": approval.payload, "by": approver.id})
    return {"done": True}


approvals.register_kind(
    approvals.ApprovalKind(
        kind="test_unfreeze",
        label="Unfreeze the account",
        request_permission="account.unfreeze.request",
        approve_permission="account.unfreeze.approve",
        execute=_carry_out,
    )
)


@pytest.fixture(autouse=True)
def _clear():
    CARRIED_OUT.clear()


def _request(app, people, case_id: int | None = None) -> int:
    with session_scope(app.state.sessionmaker) as db:
        approval = approvals.request_approval(
            db,
            kind="test_unfreeze",
            staff=db.get(User, people.agent.id),
            customer_id=people.customer.id,
            case_id=case_id,
            payload={"freeze_id": 7},
            reason="Customer proved who they are on the phone",
        )
        return approval.id


def test_a_supervisor_approves_what_an_agent_asked_and_it_is_carried_out_once(app, people):
    case_id = make_case(app, people.customer)
    approval_id = _request(app, people, case_id)
    with session_scope(app.state.sessionmaker) as db:
        approvals.decide(
            db, approval_id=approval_id, staff=db.get(User, people.supervisor.id), approve=True
        )
    assert [{"payload": {"freeze_id": 7}, "by": people.supervisor.id}] == CARRIED_OUT
    with session_scope(app.state.sessionmaker) as db, pytest.raises(Conflict):
        approvals.decide(
            db, approval_id=approval_id, staff=db.get(User, people.admin.id), approve=True
        )
    assert len(CARRIED_OUT) == 1
    with session_scope(app.state.sessionmaker) as db:
        actions = {e.action for e in db.scalars(select(AuditEntry))}
        assert {"approval.request", "approval.approved"} <= actions
        events = cases.timeline(db, case=db.get(Case, case_id))
        shown = Display(Translator("zh"), tz="Asia/Shanghai", staff=True)
        lines = [shown.event(e) for e in events if e.type == "action"]
        assert lines[0].startswith("Agent A 发起审批：解冻账户")
        assert lines[1] == "Sup S 已批准：解冻账户"


def test_nobody_approves_their_own_request(app, people):
    with session_scope(app.state.sessionmaker) as db:
        approval = approvals.request_approval(
            db,
            kind="test_unfreeze",
            staff=db.get(User, people.supervisor.id),
            customer_id=people.customer.id,
            payload={},
            reason="Checked",
        )
        with pytest.raises(Forbidden):
            approvals.decide(
                db, approval_id=approval.id, staff=db.get(User, people.supervisor.id), approve=True
            )
    assert CARRIED_OUT == []


def test_an_agent_cannot_approve_and_a_rejection_needs_a_reason(app, people):
    approval_id = _request(app, people)
    with session_scope(app.state.sessionmaker) as db, pytest.raises(Forbidden):
        approvals.decide(
            db, approval_id=approval_id, staff=db.get(User, people.agent.id), approve=True
        )
    with session_scope(app.state.sessionmaker) as db:
        with pytest.raises(ValidationFailed) as raised:
            approvals.decide(
                db, approval_id=approval_id, staff=db.get(User, people.supervisor.id), approve=False
            )
        assert raised.value.field == "note"
    with session_scope(app.state.sessionmaker) as db:
        rejected = approvals.decide(
            db,
            approval_id=approval_id,
            staff=db.get(User, people.supervisor.id),
            approve=False,
            note="Identity not proven",
        )
        assert rejected.status == "rejected"
    assert CARRIED_OUT == []


def test_a_request_needs_a_reason_and_the_permission(app, people):
    with session_scope(app.state.sessionmaker) as db:
        with pytest.raises(ValidationFailed):
            approvals.request_approval(
                db,
                kind="test_unfreeze",
                staff=db.get(User, people.agent.id),
                customer_id=people.customer.id,
                payload={},
                reason="  ",
            )
        with pytest.raises(Forbidden):
            approvals.request_approval(
                db,
                kind="test_unfreeze",
                staff=db.get(User, people.other_customer.id),
                customer_id=people.customer.id,
                payload={},
                reason="x",
            )
