"""The case types: one definition of each type's path, who may move a case along it, and which
legal clock it follows; existing cases are inquiries."""

from __future__ import annotations

import pytest

from tests.cases.conftest import make_case
from walletdesk.cases import types
from walletdesk.cases.models import Case
from walletdesk.errors import Conflict, Forbidden, ValidationFailed
from walletdesk.i18n import catalog


def test_each_type_has_the_path_the_issue_names():
    paths = {key: t.states for key, t in types.CASE_TYPES.items()}
    assert paths["account_recovery"] == (
        "received",
        "verifying",
        "under_review",
        "decided",
        "closed",
    )
    assert paths["feedback"] == ("received", "answered", "closed")
    assert paths["complaint"][:3] == ("received", "acknowledged", "investigating")
    assert paths["inquiry"] == ("new", "open", "pending_customer", "resolved", "closed")
    for case_type in types.CASE_TYPES.values():
        for step in case_type.transitions:
            assert {step.source, step.target} <= set(case_type.states), step
            assert step.by <= set(types.ACTORS), step
            assert step.source not in case_type.final, step
        assert case_type.active <= set(case_type.states)


def test_only_the_customer_accepts_or_escalates_a_final_response():
    complaint = types.get_type("complaint")
    assert complaint.targets("responded", "customer") == ["accepted", "escalated"]
    assert "accepted" not in complaint.targets("responded", "agent")
    with pytest.raises(Forbidden):
        complaint.check("responded", "escalated", "agent")
    complaint.check("responded", "escalated", "customer")


def test_a_supervisor_may_do_what_an_agent_may_and_decides_a_contested_appeal():
    appeal = types.get_type("transaction_appeal")
    appeal.check("under_review", "decided", "supervisor")
    with pytest.raises(Forbidden):
        appeal.check("contested", "decided", "agent")
    appeal.check("contested", "decided", "supervisor")


def test_a_closed_case_and_a_skipped_step_are_refused():
    feedback = types.get_type("feedback")
    with pytest.raises(Conflict) as closed:
        feedback.check("closed", "answered", "agent")
    assert closed.value.code == "case_closed"
    with pytest.raises(Conflict):
        types.get_type("complaint").check("received", "accepted", "customer")
    with pytest.raises(ValidationFailed):
        feedback.check("received", "investigating", "agent")
    with pytest.raises(ValidationFailed):
        types.get_type("refund_request")


def test_complaints_and_appeals_follow_the_jurisdictions_rules_others_only_the_sla():
    assert types.deadline_kind("complaint") == "complaint"
    assert types.deadline_kind("transaction_appeal") == "appeal"
    assert types.deadline_kind(None) is None
    assert types.deadline_kind("feedback") is None


def test_every_label_reads_in_chinese():
    zh = catalog("zh")
    for case_type in types.CASE_TYPES.values():
        words = [case_type.label, case_type.summary, *case_type.labels.values()]
        words += case_type.customer_labels.values()
        assert all(w in zh for w in words), case_type.key


def test_a_case_opened_today_is_an_inquiry(app, people, db):
    case_id = make_case(app, people.customer)
    case = db.get(Case, case_id)
    assert case is not None and case.type == "inquiry"
