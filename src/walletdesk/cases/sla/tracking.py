"""SLA clocks kept in step with their case: started when it opens, met by staff's answers and
by resolving it, paused while it waits on the customer and resumed (due later by the paused
business time) when it does not any more, retargeted when its priority changes.

`follow` is called by cases.events.record for every timeline event, in the same transaction;
the other functions take the moment explicitly, so tests can walk a clock through a weekend.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from walletdesk.cases.models import Case
from walletdesk.cases.sla.clock import add_business_time, business_time_between
from walletdesk.cases.sla.models import SlaClock
from walletdesk.cases.sla.policies import Policy, load_policy
from walletdesk.cases.types import DEFAULT_TYPE, get_type
from walletdesk.config import service_settings
from walletdesk.identity.models import User

WAITING = "pending_customer"  # the inquiry's state of waiting on the customer: clocks pause


def policy_of(db: Session) -> Policy:
    return load_policy(service_settings(db).sla_policies_path)


def case_type(case: Case) -> str:
    """The case's type; "inquiry" for cases from before types existed."""
    return case.type or DEFAULT_TYPE


def follow(
    db: Session, *, case: Case, actor: User | None, type: str, data: dict[str, object], at: datetime
) -> None:
    """The clocks' side of one timeline event of `case`."""
    if type == "open":
        start(db, case=case, at=at)
    elif type == "reply" and actor is not None:
        if actor.is_staff:
            answered(db, case=case, at=at)
        else:
            customer_wrote(db, case=case, at=at)
    elif type == "status":
        status_changed(db, case=case, old=str(data.get("from")), new=str(data.get("to")), at=at)
    elif type == "priority":
        retarget(db, case=case)
    else:
        return
    refresh_due(db, case=case)


def refresh_due(db: Session, *, case: Case) -> None:
    """The case's `sla_due_at` after its clocks changed: the earliest running one's due time."""
    db.flush()
    case.sla_due_at = db.scalar(
        select(func.min(SlaClock.due_at)).where(
            SlaClock.case_id == case.id, SlaClock.met_at.is_(None), SlaClock.paused_at.is_(None)
        )
    )


def start(db: Session, *, case: Case, at: datetime) -> list[SlaClock]:
    """The first-response and resolution clocks of a new case."""
    policy = policy_of(db)
    targets = _targets(policy, case)
    return [
        _new_clock(db, policy, case=case, metric=metric, target=targets[metric], at=at)
        for metric in ("first_response", "resolution")
        if metric in targets
    ]


def answered(db: Session, *, case: Case, at: datetime) -> None:
    """Staff answered the customer: the open response clocks are met."""
    for clock in open_clocks(db, case_id=case.id):
        if clock.metric != "resolution":
            clock.met_at = at


def customer_wrote(db: Session, *, case: Case, at: datetime) -> SlaClock | None:
    """The customer wrote again: once staff have answered, a next-response clock runs until
    they answer again (none while a response clock is already running)."""
    clocks = open_clocks(db, case_id=case.id)
    if any(c.metric != "resolution" for c in clocks) or case.status in _final(case):
        return None
    policy = policy_of(db)
    target = _targets(policy, case).get("next_response")
    if target is None:
        return None
    return _new_clock(db, policy, case=case, metric="next_response", target=target, at=at)


def status_changed(db: Session, *, case: Case, old: str, new: str, at: datetime) -> None:
    """Leaving "waiting on the customer" resumes the clocks and entering it pauses them; a
    state where the case no longer waits on us (resolved, closed, a complaint answered) meets
    them all. A case taken up again runs its resolution clock again, the time it spent out of
    work counted as paused."""
    policy = policy_of(db)
    running = get_type(case_type(case)).active
    if old == WAITING:
        for clock in open_clocks(db, case_id=case.id):
            resume(policy, clock, at=at)
    if old not in running and new in running:
        _reopen_resolution(db, policy, case_id=case.id, at=at)
    if new == WAITING:
        for clock in open_clocks(db, case_id=case.id):
            if clock.paused_at is None:
                clock.paused_at = at
    elif new not in running:
        for clock in open_clocks(db, case_id=case.id):
            if clock.paused_at is not None:
                resume(policy, clock, at=at)
            clock.met_at = at


def retarget(db: Session, *, case: Case) -> None:
    """The case's priority changed (by staff, or raised by a breach): its running clocks take
    the targets of the new priority, still counted from when each started. A clock already
    breached keeps the target it missed; the sweep breaches at once one that the new target
    puts in the past."""
    policy = policy_of(db)
    targets = _targets(policy, case)
    for clock in open_clocks(db, case_id=case.id):
        target = targets.get(clock.metric)
        if target is None or clock.breached_at is not None:
            continue
        clock.target_seconds = int(target.total_seconds())
        _set_due(policy, clock)


def resume(policy: Policy, clock: SlaClock, *, at: datetime) -> None:
    """Restart a paused clock: its due time moves on by the business time it was paused."""
    if clock.paused_at is None:
        return
    paused = business_time_between(clock.paused_at, at, policy.calendar)
    clock.paused_seconds += max(0, int(paused.total_seconds()))
    clock.paused_at = None
    _set_due(policy, clock)


def _set_due(policy: Policy, clock: SlaClock) -> None:
    clock.due_at = due_of(policy, clock)
    clock.warning_at = due_of(policy, clock, share=policy.warn_at)


def due_of(policy: Policy, clock: SlaClock, share: float = 1.0) -> datetime:
    """Start plus (a share of) the target and the paused business time, in business hours."""
    amount = timedelta(seconds=int(clock.target_seconds * share) + clock.paused_seconds)
    return add_business_time(clock.started_at, amount, policy.calendar).due_at.astimezone(UTC)


def open_clocks(db: Session, *, case_id: int) -> list[SlaClock]:
    # Clocks added in this transaction are found too: the session flushes before the query.
    query = select(SlaClock).where(SlaClock.case_id == case_id, SlaClock.met_at.is_(None))
    return list(db.scalars(query.order_by(SlaClock.id)))


def clocks_of(db: Session, *, case_id: int) -> list[SlaClock]:
    query = select(SlaClock).where(SlaClock.case_id == case_id).order_by(SlaClock.id)
    return list(db.scalars(query))


def _final(case: Case) -> frozenset[str]:
    return get_type(case_type(case)).final


def _targets(policy: Policy, case: Case) -> dict[str, timedelta]:
    return policy.targets(type=case_type(case), priority=case.priority, channel=case.channel)


def _new_clock(
    db: Session, policy: Policy, *, case: Case, metric: str, target: timedelta, at: datetime
) -> SlaClock:
    clock = SlaClock(
        case_id=case.id,
        metric=metric,
        target_seconds=int(target.total_seconds()),
        started_at=at,
        paused_seconds=0,
    )
    _set_due(policy, clock)
    db.add(clock)
    return clock


def _reopen_resolution(db: Session, policy: Policy, *, case_id: int, at: datetime) -> None:
    last = db.scalar(
        select(SlaClock)
        .where(SlaClock.case_id == case_id, SlaClock.metric == "resolution")
        .order_by(SlaClock.id.desc())
        .limit(1)
    )
    if last is None or last.met_at is None:
        return
    last.paused_at, last.met_at = last.met_at, None
    resume(policy, last, at=at)
