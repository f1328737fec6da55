"""The demo's SLA clocks at different points: of the demo customer's cases still waiting on
staff, the oldest is past its target and the next past its warning, so the sweep raises a
breach and a warning on the demo's first minute; the others keep the clocks they started with.
A case placed back in time has its whole timeline moved with its clocks, so that it reads as
opened when its clocks started.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.cases.models import Case, CaseAttachment, CaseEvent, CaseMessage
from walletdesk.cases.sla.models import SlaClock
from walletdesk.cases.sla.policies import Policy
from walletdesk.cases.sla.tracking import due_of, policy_of, refresh_due

LONG_AGO = timedelta(days=10)  # long enough for any target to have passed


def place_demo_clocks(db: Session, *, customer_id: int, now: datetime) -> None:
    """Once: a demo whose clocks were placed already (one started LONG_AGO) is left as it is."""
    rows = db.scalars(
        select(SlaClock)
        .join(Case, Case.id == SlaClock.case_id)
        .where(Case.customer_id == customer_id)
        .order_by(SlaClock.case_id, SlaClock.id)
    ).all()
    if any(clock.started_at <= now - LONG_AGO / 2 for clock in rows):
        return
    running: dict[int, list[SlaClock]] = {}
    for clock in rows:
        if clock.met_at is None and clock.paused_at is None:
            running.setdefault(clock.case_id, []).append(clock)
    policy = policy_of(db)
    opened = {clock.id: clock.started_at for clock in rows}  # _just_warned tries other starts
    for index, clocks in enumerate(list(running.values())[:2]):
        started = now - LONG_AGO if index == 0 else _just_warned(policy, clocks[0], now)
        case = db.get(Case, clocks[0].case_id)
        if case is None:
            continue
        mine = [(clock, opened[clock.id]) for clock in rows if clock.case_id == case.id]
        _move_back(db, policy, case, mine, started)
        refresh_due(db, case=case)


def _move_back(
    db: Session,
    policy: Policy,
    case: Case,
    clocks: list[tuple[SlaClock, datetime]],
    started: datetime,
) -> None:
    """The case's timeline, messages and clocks moved back so that it opened at `started`
    (`clocks`: each with the time it started before any of this)."""
    shift = case.created_at - started
    case.created_at -= shift
    case.updated_at -= shift
    for event in db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)):
        event.at -= shift
    for message in db.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)):
        message.created_at -= shift
    for file in db.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id)):
        file.created_at -= shift
    for clock, began in clocks:
        if clock.met_at is not None:
            clock.met_at -= shift
        if clock.paused_at is not None:
            clock.paused_at -= shift
        _restart(policy, clock, began - shift)


def _restart(policy: Policy, clock: SlaClock, started: datetime) -> None:
    clock.started_at = started
    clock.due_at = due_of(policy, clock)
    clock.warning_at = due_of(policy, clock, share=policy.warn_at)


def _just_warned(policy: Policy, clock: SlaClock, now: datetime) -> datetime:
    """The latest start at which the clock's warning is due by `now` (its target not yet)."""
    early, late = now - LONG_AGO, now
    for _ in range(24):  # to within a minute of ten days
        middle = early + (late - early) / 2
        _restart(policy, clock, middle)
        early, late = (middle, late) if clock.warning_at <= now else (early, middle)
    return early
