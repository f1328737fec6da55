"""SLA warnings and breaches: the sweep raises each once, on the case timeline and in the audit
log; a breach raises the priority one step; a clock paused on the customer never fires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.cases.sla_support import Clock, by_metric, case_opened_at, cst, open_case
from tests.conftest import sign_in
from walletdesk.audit.models import AuditEntry
from walletdesk.cases import service
from walletdesk.cases.jobs import sla_sweep
from walletdesk.cases.models import CaseEvent
from walletdesk.cases.sla.models import SlaClock
from walletdesk.cases.sla.samples import place_demo_clocks
from walletdesk.db import session_scope
from walletdesk.identity.models import User
from walletdesk.jobs import JobRun, registered_jobs


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def sweep_at(app, moment) -> object:
    with session_scope(app.state.sessionmaker) as db:
        run = JobRun(db=db, settings=app.state.settings, now=moment, factory=app.state.sessionmaker)
        return sla_sweep(run)


def lines_of(db, case_id: int) -> list[str]:
    found = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.type == "action")
    )
    return [str(event.data["text"]).split(":")[0] for event in found]


def test_a_warning_then_a_breach_each_once(app, people, client, clock):
    settings = app.state.settings
    clock.at(cst(2026, 12, 2, 10, 0))  # first response due 14:00, warning at 80%: 13:12
    with session_scope(app.state.sessionmaker) as db:
        case = open_case(db, people.customer, settings)
        case_id, before = case.id, case.priority
    assert before == "normal"

    assert sweep_at(app, cst(2026, 12, 2, 13, 0)) == {"warnings": 0, "breaches": 0}
    assert sweep_at(app, cst(2026, 12, 2, 13, 15)) == {"warnings": 1, "breaches": 0}
    assert sweep_at(app, cst(2026, 12, 2, 13, 30)) == {"warnings": 0, "breaches": 0}
    assert sweep_at(app, cst(2026, 12, 2, 14, 1)) == {"warnings": 0, "breaches": 1}
    assert sweep_at(app, cst(2026, 12, 2, 14, 30)) == {"warnings": 0, "breaches": 0}

    with session_scope(app.state.sessionmaker) as db:
        case = db.get(service.Case, case_id)
        assert case.priority == "high"
        assert lines_of(db, case_id) == ["SLA warning", "SLA breached"]
        first = by_metric(db, case_id)["first_response"][0]
        assert first.warned_at is not None and first.breached_at is not None
        assert first.met_at is None  # still unanswered: it shows as overdue
        actions = [
            e.action
            for e in db.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_id == str(case_id))
                .order_by(AuditEntry.id)
            )
        ]
        assert actions.count("case.sla_warning") == 1
        assert actions.count("case.sla_breach") == 1

    sign_in(client, people.supervisor)
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "SLA breached: the first response was due at 2026-12-02 14:00" in page
    assert "Supervisors are notified" in page
    page = client.get(f"/console/cases/{case_id}?lang=zh").text
    assert "已超出服务时限：首次响应本应在 2026-12-02 14:00 前完成" in page


def test_a_clock_paused_on_the_customer_never_fires(app, people, clock):
    case_id = case_opened_at(app, people.customer, clock, cst(2026, 12, 2, 10, 0))
    clock.at(cst(2026, 12, 2, 10, 30))
    with session_scope(app.state.sessionmaker) as db:
        case, agent = db.get(service.Case, case_id), db.get(User, people.agent.id)
        service.change_status(db, case=case, actor=agent, status="pending_customer")
    assert sweep_at(app, cst(2026, 12, 20, 10, 0)) == {"warnings": 0, "breaches": 0}
    with session_scope(app.state.sessionmaker) as db:
        assert lines_of(db, case_id) == []
        assert db.get(service.Case, case_id).priority == "normal"


def test_the_sweep_is_a_registered_job(app):
    names = {job.name for job in registered_jobs(app.state.settings)}
    assert "sla_warnings_and_breaches" in names


def test_the_demo_shows_a_breach_on_its_first_minute(app, people):
    """The demo's unanswered case is placed past its target, once: the first sweep raises it."""
    settings = app.state.settings
    now = datetime.now(UTC)
    for _ in range(2):
        with session_scope(app.state.sessionmaker) as db:
            service.seed_demo_cases(db, settings=settings)
            place_demo_clocks(db, customer_id=people.customer.id, now=now)
    found = sweep_at(app, now + timedelta(seconds=1))
    assert isinstance(found, dict) and found["breaches"] >= 1
    with session_scope(app.state.sessionmaker) as db:
        # The overdue case reads as opened ten days ago, on its page and in its timeline.
        late = db.scalars(select(SlaClock).where(SlaClock.breached_at.is_not(None))).first()
        assert late is not None
        breached = db.get(service.Case, late.case_id)
        assert breached is not None
        assert breached.created_at.replace(tzinfo=UTC) < now - timedelta(days=9)
        opening = db.scalars(
            select(CaseEvent).where(CaseEvent.case_id == breached.id, CaseEvent.type == "open")
        ).one()
        assert abs(opening.at.replace(tzinfo=UTC) - breached.created_at.replace(tzinfo=UTC)) < (
            timedelta(seconds=1)
        )
    with session_scope(app.state.sessionmaker) as db:
        place_demo_clocks(db, customer_id=people.customer.id, now=now + timedelta(hours=1))
    assert sweep_at(app, now + timedelta(seconds=2)) == {"warnings": 0, "breaches": 0}
