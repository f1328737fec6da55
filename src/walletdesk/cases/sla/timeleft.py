"""What the inbox shows of a case's SLA: its earliest open clock, and the time left until it
is due ("2h 15m left", "overdue 40m", "paused"), with the colour that goes with it.

Read for one page of cases in one query; the inbox's sort and filters by time left are in
cases.queries (a LEFT JOIN to `next_due`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from walletdesk.cases.models import Case
from walletdesk.cases.sla.models import SlaClock
from walletdesk.i18n import N_

LEFT = N_("{time} left")
OVERDUE = N_("overdue {time}")
PAUSED = N_("paused: waiting for the customer")
DUE_SOON = timedelta(hours=1)


@dataclass(frozen=True)
class NextDue:
    """A case's open clocks: the earliest due time and warning time of those running (None
    when every open clock is paused), and whether any is paused."""

    due_at: datetime | None
    warning_at: datetime | None
    paused: bool


@dataclass(frozen=True)
class TimeLeft:
    state: str  # running | warning | overdue | paused
    amount: timedelta

    @property
    def css(self) -> str:
        return {"overdue": "sla-red", "warning": "sla-amber"}.get(self.state, f"sla-{self.state}")

    def text(self, _: Callable[..., str]) -> str:
        if self.state == "paused":
            return _(PAUSED)
        if self.state == "overdue":
            return _(OVERDUE, time=duration(self.amount, _))
        return _(LEFT, time=duration(self.amount, _))


def breached_count(db: Session, *, now: datetime) -> int:
    """How many cases have a running clock past its due time (their earliest, kept on the
    case)."""
    return db.scalar(select(func.count()).select_from(Case).where(Case.sla_due_at <= now)) or 0


def next_due_of(db: Session, *, case_ids: Collection[int]) -> dict[int, NextDue]:
    """The open clocks of these cases, summed up per case (one query)."""
    if not case_ids:
        return {}
    rows = db.execute(
        select(SlaClock.case_id, SlaClock.due_at, SlaClock.warning_at, SlaClock.paused_at).where(
            SlaClock.case_id.in_(case_ids), SlaClock.met_at.is_(None)
        )
    )
    found: dict[int, NextDue] = {}
    for case_id, due_at, warning_at, paused_at in rows:
        seen = found.get(case_id, NextDue(None, None, False))
        if paused_at is not None:
            found[case_id] = NextDue(seen.due_at, seen.warning_at, True)
        else:
            found[case_id] = NextDue(
                min(due_at, seen.due_at) if seen.due_at else due_at,
                min(warning_at, seen.warning_at) if seen.warning_at else warning_at,
                seen.paused,
            )
    return found


def time_left(found: NextDue | None, now: datetime) -> TimeLeft | None:
    """None for a case without open clocks (resolved, or older than the clocks)."""
    if found is None:
        return None
    if found.due_at is None:
        return TimeLeft("paused", timedelta(0))
    if found.due_at <= now:
        return TimeLeft("overdue", now - found.due_at)
    warned = found.warning_at is not None and found.warning_at <= now
    soon = found.due_at - now <= DUE_SOON
    return TimeLeft("warning" if warned or soon else "running", found.due_at - now)


DAYS_HOURS, DAYS = N_("{d}d {h}h"), N_("{d}d")
HOURS_MINUTES, HOURS, MINUTES = N_("{h}h {m}m"), N_("{h}h"), N_("{m}m")


def duration(amount: timedelta, _: Callable[..., str] | None = None) -> str:
    """2d 3h, 2h 15m, 40m (in the reader's words with `_`); under a minute reads as 0m."""
    say = _ or (lambda text, **params: text.format(**params))
    minutes = int(amount.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return say(DAYS_HOURS, d=days, h=hours) if hours else say(DAYS, d=days)
    if hours:
        return say(HOURS_MINUTES, h=hours, m=minutes) if minutes else say(HOURS, h=hours)
    return say(MINUTES, m=minutes)


METRIC_LABELS = {
    "first_response": N_("First response"),
    "next_response": N_("Next response"),
    "resolution": N_("Resolution"),
}


@dataclass(frozen=True)
class ClockLine:
    """One SLA clock of a case as the agent's case page shows it."""

    metric: str  # a METRIC_LABELS msgid
    due_at: datetime
    met_at: datetime | None
    breached: bool
    left: TimeLeft | None  # None once met


def clocks_of(db: Session, *, case_id: int, now: datetime) -> list[ClockLine]:
    """Every clock of the case, oldest first: the running ones with their time left."""
    rows = db.scalars(select(SlaClock).where(SlaClock.case_id == case_id).order_by(SlaClock.id))
    found = []
    for clock in rows:
        left = None
        if clock.met_at is None:
            paused = clock.paused_at is not None
            left = time_left(
                NextDue(None if paused else clock.due_at, clock.warning_at, paused), now
            )
        found.append(
            ClockLine(
                METRIC_LABELS.get(clock.metric, clock.metric),
                clock.due_at,
                clock.met_at,
                clock.breached_at is not None,
                left,
            )
        )
    return found
