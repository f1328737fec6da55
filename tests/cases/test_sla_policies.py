"""SLA clocks on business hours: started when a case opens, met by staff's answer, paused while
the case waits on the customer and due later by the paused business time, across a weekend and
mainland China's National Day with its adjusted working Saturday.

The cases change through the real service functions; the moment each change happens is set by
replacing the timeline's clock (cases.events.utcnow)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.cases.sla_support import Clock, by_metric, case_opened_at, cst, local, open_case
from walletdesk.cases import service
from walletdesk.cases.sla import tracking
from walletdesk.cases.sla.policies import PoliciesInvalid, load_policy, parse_duration
from walletdesk.db import session_scope
from walletdesk.identity.models import User


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def test_a_new_case_starts_its_first_response_and_resolution_clocks(app, people, clock):
    settings = app.state.settings
    clock.at(cst(2026, 12, 2, 10, 0))  # a Wednesday
    with session_scope(app.state.sessionmaker) as db:
        case = open_case(db, people.customer, settings)
        case_id = case.id
    with session_scope(app.state.sessionmaker) as db:
        clocks = by_metric(db, case_id)
        assert set(clocks) == {"first_response", "resolution"}
        first, resolution = clocks["first_response"][0], clocks["resolution"][0]
        assert local(first.started_at) == cst(2026, 12, 2, 10, 0)
        assert local(first.due_at) == cst(2026, 12, 2, 14, 0)  # 4 business hours
        # 45 business hours of 9-hour days: 8h on Wednesday, then Thursday to next Wednesday.
        assert local(resolution.due_at) == cst(2026, 12, 9, 10, 0)
        assert first.met_at is None and first.paused_at is None


def test_the_first_answer_of_staff_meets_the_first_response(app, people, clock):
    settings = app.state.settings
    case_id = case_opened_at(app, people.customer, clock, cst(2026, 12, 2, 10, 0))
    clock.at(cst(2026, 12, 2, 11, 30))
    with session_scope(app.state.sessionmaker) as db:
        case = db.get(service.Case, case_id)
        service.add_internal_note(
            db, case=case, author=db.get(User, people.agent.id), body="先查流水", settings=settings
        )
        assert by_metric(db, case_id)["first_response"][0].met_at is None  # a note is no answer
        service.post_reply(
            db, case=case, author=db.get(User, people.agent.id), body="正在核实", settings=settings
        )
    with session_scope(app.state.sessionmaker) as db:
        clocks = by_metric(db, case_id)
        assert local(clocks["first_response"][0].met_at) == cst(2026, 12, 2, 11, 30)
        assert clocks["resolution"][0].met_at is None


def test_waiting_on_the_customer_pauses_and_their_answer_resumes_across_a_weekend(
    app, people, clock
):
    settings = app.state.settings
    # Friday 16:00; the team works 09:00-18:00 Mon-Fri.
    case_id = case_opened_at(app, people.customer, clock, cst(2026, 12, 4, 16, 0))
    with session_scope(app.state.sessionmaker) as db:
        clocks = by_metric(db, case_id)
        assert local(clocks["first_response"][0].due_at) == cst(2026, 12, 7, 11, 0)  # Monday
        assert local(clocks["resolution"][0].due_at) == cst(2026, 12, 11, 16, 0)

    clock.at(cst(2026, 12, 4, 17, 0))
    with session_scope(app.state.sessionmaker) as db:
        case, agent = db.get(service.Case, case_id), db.get(User, people.agent.id)
        service.post_reply(db, case=case, author=agent, body="请提供截图", settings=settings)
        service.change_status(db, case=case, actor=agent, status="pending_customer")
    with session_scope(app.state.sessionmaker) as db:
        resolution = by_metric(db, case_id)["resolution"][0]
        assert local(resolution.paused_at) == cst(2026, 12, 4, 17, 0)

    clock.at(cst(2026, 12, 7, 10, 0))  # the customer answers on Monday at 10:00
    with session_scope(app.state.sessionmaker) as db:
        case, customer = db.get(service.Case, case_id), db.get(User, people.customer.id)
        service.post_reply(db, case=case, author=customer, body="截图在此", settings=settings)
        assert case.status == "open"
    with session_scope(app.state.sessionmaker) as db:
        clocks = by_metric(db, case_id)
        resolution = clocks["resolution"][0]
        # Paused Friday 17:00 to Monday 10:00: 1h on Friday and 1h on Monday were business time.
        assert resolution.paused_at is None and resolution.paused_seconds == 2 * 3600
        assert local(resolution.due_at) == cst(2026, 12, 11, 18, 0)
        (next_response,) = clocks["next_response"]
        assert local(next_response.due_at) == cst(2026, 12, 7, 18, 0)  # 8 business hours

    clock.at(cst(2026, 12, 8, 9, 30))
    with session_scope(app.state.sessionmaker) as db:
        case, agent = db.get(service.Case, case_id), db.get(User, people.agent.id)
        service.change_status(db, case=case, actor=agent, status="resolved")
    with session_scope(app.state.sessionmaker) as db:
        assert all(c.met_at for cs in by_metric(db, case_id).values() for c in cs)


def test_national_day_and_its_adjusted_working_saturday(app, people, clock):
    """Wednesday 30 September 2026, 17:00: 1 to 7 October are closed, Saturday 10 October is
    worked in their place and Sunday 11 October is not."""
    case_id = case_opened_at(app, people.customer, clock, cst(2026, 9, 30, 17, 0))
    with session_scope(app.state.sessionmaker) as db:
        clocks = by_metric(db, case_id)
        # 1h on 30 September, then 3h from the morning of Thursday 8 October.
        assert local(clocks["first_response"][0].due_at) == cst(2026, 10, 8, 12, 0)
        # 45h: 1 + 9 (Thu 8) + 9 (Fri 9) + 9 (Sat 10, worked) + 9 (Mon 12) + 8 (Tue 13).
        assert local(clocks["resolution"][0].due_at) == cst(2026, 10, 13, 17, 0)


def test_a_resolved_case_reopened_runs_its_resolution_clock_again(app, people, clock):
    settings = app.state.settings
    case_id = case_opened_at(app, people.customer, clock, cst(2026, 12, 2, 10, 0))
    clock.at(cst(2026, 12, 2, 11, 0))
    with session_scope(app.state.sessionmaker) as db:
        case, agent = db.get(service.Case, case_id), db.get(User, people.agent.id)
        service.change_status(db, case=case, actor=agent, status="resolved")
    clock.at(cst(2026, 12, 2, 15, 0))
    with session_scope(app.state.sessionmaker) as db:
        case = db.get(service.Case, case_id)
        customer = db.get(User, people.customer.id)
        service.post_reply(db, case=case, author=customer, body="还是没到账", settings=settings)
    with session_scope(app.state.sessionmaker) as db:
        resolution = by_metric(db, case_id)["resolution"][0]
        assert resolution.met_at is None and resolution.paused_seconds == 4 * 3600
        assert local(resolution.due_at) == cst(2026, 12, 9, 14, 0)


def test_targets_by_type_priority_and_channel(tmp_path: Path):
    policy = load_policy()
    assert policy.targets(type="inquiry", priority="normal", channel="portal") == {
        "first_response": timedelta(hours=4),
        "next_response": timedelta(hours=8),
        "resolution": timedelta(hours=45),
    }
    urgent = policy.targets(type="inquiry", priority="urgent", channel="portal")
    assert urgent["first_response"] == timedelta(minutes=30)
    appeal = policy.targets(type="transaction_appeal", priority="normal", channel="portal")
    assert appeal["first_response"] == timedelta(hours=2)
    assert appeal["next_response"] == timedelta(hours=8)  # from the entry matching every case

    override = tmp_path / "sla.yaml"
    override.write_text(
        "calendar: {holidays: none, tz: Europe/London}\ntargets:\n  - first_response: 1h\n"
    )
    mine = load_policy(override)
    assert mine.calendar.zone.key == "Europe/London"
    assert mine.targets(type="x", priority="normal", channel="api") == {
        "first_response": timedelta(hours=1)
    }
    override.write_text("targets:\n  - priority: high\n    first_response: 1h\n")
    with pytest.raises(PoliciesInvalid, match="matches every case"):
        load_policy(override)
    with pytest.raises(PoliciesInvalid, match="not like"):
        parse_duration("3 days")
    assert parse_duration("2h30m") == timedelta(hours=2, minutes=30)


def test_the_clock_counts_a_year_the_holiday_library_does_not_know(app, people, clock):
    """Late December the next year's holidays are not published yet: the clock still runs."""
    case_id = case_opened_at(app, people.customer, clock, cst(2026, 12, 31, 17, 0))
    with session_scope(app.state.sessionmaker) as db:
        due = local(by_metric(db, case_id)["first_response"][0].due_at)
        assert due is not None and due.year == 2027


def test_a_complaint_follows_its_own_targets_and_states(app, people, clock):
    """Targets by type; a complaint's clocks stop once the final response is sent (a state
    where the case no longer waits on us) and run again if it is taken up again."""
    settings = app.state.settings
    clock.at(cst(2026, 12, 2, 10, 0))
    with session_scope(app.state.sessionmaker) as db:
        case = open_case(db, people.customer, settings)
        case.type, case.status = "complaint", "received"
        for old in tracking.clocks_of(db, case_id=case.id):
            db.delete(old)
        db.flush()
        tracking.start(db, case=case, at=clock.now)
        db.flush()
        first = by_metric(db, case.id)["first_response"][0]
        assert local(first.due_at) == cst(2026, 12, 2, 12, 0)  # 2 business hours
        tracking.status_changed(
            db, case=case, old="investigating", new="responded", at=cst(2026, 12, 2, 11, 0)
        )
        assert tracking.open_clocks(db, case_id=case.id) == []
        tracking.status_changed(
            db, case=case, old="responded", new="investigating", at=cst(2026, 12, 2, 13, 0)
        )
        (resolution,) = tracking.open_clocks(db, case_id=case.id)
        assert resolution.metric == "resolution" and resolution.paused_seconds == 2 * 3600


def test_a_priority_change_retargets_the_running_clocks_but_not_the_met_ones(app, people, clock):
    settings = app.state.settings
    # A Wednesday; normal: 4h to answer, 45h to resolve.
    case_id = case_opened_at(app, people.customer, clock, cst(2026, 12, 2, 10, 0))
    clock.at(cst(2026, 12, 2, 10, 20))
    with session_scope(app.state.sessionmaker) as db:
        case, agent = db.get(service.Case, case_id), db.get(User, people.agent.id)
        service.set_priority(db, case=case, actor=agent, priority="urgent")
    with session_scope(app.state.sessionmaker) as db:
        clocks = by_metric(db, case_id)
        first, resolution = clocks["first_response"][0], clocks["resolution"][0]
        assert local(first.due_at) == cst(2026, 12, 2, 10, 30)  # urgent: 30m from the opening
        assert local(resolution.due_at) == cst(2026, 12, 3, 10, 0)  # 9h: 8h today, 1h Thursday
        case = db.get(service.Case, case_id)
        assert local(case.sla_due_at) == cst(2026, 12, 2, 10, 30)  # the inbox sorts by it
    clock.at(cst(2026, 12, 2, 10, 25))
    with session_scope(app.state.sessionmaker) as db:
        case, agent = db.get(service.Case, case_id), db.get(User, people.agent.id)
        service.post_reply(db, case=case, author=agent, body="正在核实", settings=settings)
        service.set_priority(db, case=case, actor=agent, priority="low")
    with session_scope(app.state.sessionmaker) as db:
        clocks = by_metric(db, case_id)
        first, resolution = clocks["first_response"][0], clocks["resolution"][0]
        assert local(first.met_at) == cst(2026, 12, 2, 10, 25)
        assert local(first.due_at) == cst(2026, 12, 2, 10, 30)  # met on time: left as it was
        # low: 90h = 10 business days, from Wednesday 10:00 to the Wednesday after next.
        assert local(resolution.due_at) == cst(2026, 12, 16, 10, 0)
