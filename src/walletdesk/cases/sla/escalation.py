"""Warnings and breaches of SLA clocks, raised by a periodic sweep: a warning once the policy's
share of a target has passed, an escalation once it is due and unmet.

Each is a line on the case timeline and an audit entry, raised once per clock (`warned_at`,
`breached_at` are set in the same transaction). A breach also raises the case's priority one
step and tells the supervisors: the line says so, and the console's inbox lists breached cases
first with their number above the list. A paused clock (waiting on the customer) never fires.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.cases import events
from walletdesk.cases.lines import line
from walletdesk.cases.models import Case
from walletdesk.cases.sla.clock import span
from walletdesk.cases.sla.models import SlaClock
from walletdesk.cases.sla.tracking import policy_of
from walletdesk.i18n import N_

BATCH = 500  # clocks per kind and run; the next run takes the rest
PRIORITY_UP = {"low": "normal", "normal": "high", "high": "urgent"}
METRICS = {
    "first_response": N_("first response"),
    "next_response": N_("next response"),
    "resolution": N_("resolution"),
}
WARNED = N_("SLA warning: the {metric} is due at {due}, {left} from now")
BREACHED = N_(
    "SLA breached: the {metric} was due at {due}. Supervisors are notified and the priority "
    "is raised."
)


def sweep(db: Session, *, now: datetime) -> dict[str, int]:
    """Raise the breaches, then the warnings, that are due at `now` and not raised yet."""
    breaches = _running(db, SlaClock.breached_at.is_(None), SlaClock.due_at <= now)
    for clock in breaches:
        breach(db, clock=clock, now=now)
    warnings = _running(
        db, SlaClock.warned_at.is_(None), SlaClock.warning_at <= now, SlaClock.due_at > now
    )
    for clock in warnings:
        warn(db, clock=clock, now=now)
    db.flush()
    return {"warnings": len(warnings), "breaches": len(breaches)}


def _running(db: Session, *conditions: ColumnElement[bool]) -> list[SlaClock]:
    """Open clocks that are not paused and meet `conditions`, the soonest due first."""
    query = (
        select(SlaClock)
        .where(SlaClock.met_at.is_(None), SlaClock.paused_at.is_(None), *conditions)
        .order_by(SlaClock.due_at, SlaClock.id)
        .limit(BATCH)
    )
    return list(db.scalars(query))


def warn(db: Session, *, clock: SlaClock, now: datetime) -> None:
    case = db.get(Case, clock.case_id)
    if case is None or clock.warned_at is not None:  # raised once, whoever asks again
        return
    clock.warned_at = now
    due = _local(db, clock.due_at)
    data = line(WARNED, ("metric",), metric=METRICS[clock.metric], due=due)
    data["params"]["left"] = span(clock.due_at - now)
    events.record(db, case=case, actor=None, type="action", data=data, ip="")
    _audit(db, case=case, clock=clock, action="case.sla_warning")


def breach(db: Session, *, clock: SlaClock, now: datetime) -> None:
    case = db.get(Case, clock.case_id)
    if case is None or clock.breached_at is not None:
        return
    clock.breached_at = now
    clock.warned_at = clock.warned_at or now  # no warning after the breach
    due = _local(db, clock.due_at)
    data = line(BREACHED, ("metric",), metric=METRICS[clock.metric], due=due)
    events.record(db, case=case, actor=None, type="action", data=data, ip="")
    raised = PRIORITY_UP.get(case.priority)
    if raised is not None:
        change = {"from": case.priority, "to": raised, "reason": "sla_breach"}
        case.priority = raised
        events.record(db, case=case, actor=None, type="priority", data=change, ip="")
    _audit(db, case=case, clock=clock, action="case.sla_breach", priority=case.priority)


def _audit(db: Session, *, case: Case, clock: SlaClock, action: str, **extra: str) -> None:
    details = {
        "number": case.number,
        "metric": clock.metric,
        "due_at": clock.due_at.isoformat(),
        **extra,
    }
    audit.record(
        db, actor_id=None, action=action, subject_type="case", subject_id=case.id, details=details
    )


def _local(db: Session, moment: datetime) -> str:
    return moment.astimezone(policy_of(db).calendar.zone).strftime("%Y-%m-%d %H:%M")
