"""The demo's SLA clocks at different points: of the demo customer's cases still waiting on
staff, the oldest is past its target and the next past its warning, so the sweep raises a
breach and a warning on the demo's first minute; the others keep the clocks they started with.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.cases.models import Case
from walletdesk.cases.sla.models import SlaClock
from walletdesk.cases.sla.policies import Policy
from walletdesk.cases.sla.tracking import due_of, policy_of, refresh_due

LONG_AGO = timedelta(days=10)  # long enough for any target to have passed


def place_demo_clocks(db: Session, *, customer_id: int, now: datetime) -> None:
    """Once: a demo whose clocks were placed already (a clock started before its case was
    opened) is left as it is."""
    rows = db.execute(
        select(SlaClock, Case.created_at)
        .join(Case, Case.id == SlaClock.case_id)
        .where(Case.customer_id == customer_id)
        .order_by(SlaClock.case_id, SlaClock.id)
    ).all()
    if any(clock.started_at < created - timedelta(minutes=1) for clock, created in rows):
        return
    running: dict[int, list[SlaClock]] = {}
    for clock, _ in rows:
        if clock.met_at is None and clock.paused_at is None:
            running.setdefault(clock.case_id, []).append(clock)
    policy = policy_of(db)
    for index, clocks in enumerate(list(running.values())[:2]):
        started = now - LONG_AGO if index == 0 else _just_warned(policy, clocks[0], now)
        for clock in clocks:
            _restart(policy, clock, started)
        case = db.get(Case, clocks[0].case_id)
        if case is not None:
            refresh_due(db, case=case)


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
