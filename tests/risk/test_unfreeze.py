"""Lifting a freeze takes two members of staff: an agent asks, a supervisor (someone else)
approves; only that freeze is lifted, the customer is told and the case says who did what."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.risk.conftest import alert_kinds, cases_of, freezes, frozen, texts_to
from walletdesk.approvals import service as approvals
from walletdesk.audit.models import AuditEntry
from walletdesk.cases import service as cases
from walletdesk.cases.display import Display
from walletdesk.cases.models import Case
from walletdesk.db import session_scope
from walletdesk.errors import Conflict, Forbidden
from walletdesk.i18n import Translator
from walletdesk.identity.models import User
from walletdesk.risk import service as risk


def _freeze(app, people, reason: str) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return risk.freeze_account(
            db, user_id=people.customer.id, reason=reason, staff=db.get(User, people.agent.id)
        ).id


def _ask(app, people, freeze_id: int, who=None) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return risk.request_unfreeze(
            db,
            freeze_id=freeze_id,
            staff=db.get(User, (who or people.agent).id),
            reason="Customer proved who they are on a video call",
        ).id


def _decide(app, approval_id: int, who, approve: bool = True) -> None:
    with session_scope(app.state.sessionmaker) as db:
        approvals.decide(
            db, approval_id=approval_id, staff=db.get(User, who.id), approve=approve, note="checked"
        )


def test_an_agent_asks_a_supervisor_approves_and_only_that_freeze_is_lifted(app, people):
    first = _freeze(app, people, "Unusual sign-ins")
    second = _freeze(app, people, "Chargeback under review")
    approval_id = _ask(app, people, first)
    assert frozen(app, people.customer)  # asking lifts nothing
    _decide(app, approval_id, people.supervisor)
    by_id = {f.id: f for f in freezes(app, people.customer)}
    assert by_id[first].lifted_at is not None
    assert (by_id[first].lifted_by_id, by_id[first].lift_approval_id) == (
        people.supervisor.id,
        approval_id,
    )
    assert by_id[first].lift_note == "Customer proved who they are on a video call"
    assert by_id[second].active and frozen(app, people.customer)
    assert alert_kinds(app, people.customer)[-1] == "account_freeze_lifted"
    # the second one, by its own approval: now the account is free
    _decide(app, _ask(app, people, second), people.supervisor)
    assert not frozen(app, people.customer)
    assert alert_kinds(app, people.customer)[-1] == "account_unfrozen"
    assert "解除冻结" in texts_to(app, people.customer.phone)[0]


def test_the_case_timeline_and_the_audit_log_say_who_asked_and_who_approved(app, people):
    freeze_id = _freeze(app, people, "Unusual sign-ins")
    (case,) = cases_of(app, people.customer)
    _decide(app, _ask(app, people, freeze_id), people.supervisor)
    with session_scope(app.state.sessionmaker) as db:
        events = cases.timeline(db, case=db.get(Case, case.id))
        shown = Display(Translator("en"), tz="Asia/Shanghai", staff=True)
        lines = [shown.event(e) for e in events]
        assert lines[0] == "System opened the case"
        assert "Agent A froze the account: Unusual sign-ins" in lines
        assert "Sup S approved: Unfreeze the account" in lines
        assert "Sup S lifted the freeze on the account, asked by Agent A" in lines
        actions = set(db.scalars(select(AuditEntry.action)))
        assert {"account.freeze", "approval.request", "approval.approved"} <= actions
        assert "account.unfreeze" in actions


def test_nobody_lifts_a_freeze_alone(app, people):
    freeze_id = _freeze(app, people, "Unusual sign-ins")
    own = _ask(app, people, freeze_id, who=people.supervisor)
    with pytest.raises(Forbidden):  # the same person cannot approve their own request
        _decide(app, own, people.supervisor)
    with pytest.raises(Forbidden):  # an agent may ask but not approve
        _decide(app, own, people.agent)
    assert frozen(app, people.customer)
    with pytest.raises(Conflict):  # one request per freeze at a time
        _ask(app, people, freeze_id)
    _decide(app, own, people.admin)
    assert not frozen(app, people.customer)
    with pytest.raises(Conflict):  # lifted already
        _ask(app, people, freeze_id)


def test_a_customer_cannot_ask_and_a_rejection_keeps_the_freeze(app, people):
    freeze_id = _freeze(app, people, "Unusual sign-ins")
    with pytest.raises(Forbidden):
        _ask(app, people, freeze_id, who=people.customer)
    _decide(app, _ask(app, people, freeze_id), people.supervisor, approve=False)
    assert frozen(app, people.customer)
    assert "account_unfrozen" not in alert_kinds(app, people.customer)
