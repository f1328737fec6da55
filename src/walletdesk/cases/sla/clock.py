"""The clock: business time and business days added to a moment, business time counted between
two moments, with pauses (the clock stopped while waiting on the customer).

Every datetime in and out is timezone-aware. Sums are done on UTC instants and days are taken
in the calendar's zone, so a 23- or 25-hour day at a daylight-saving change counts the hours
that really pass. Each answer carries its explanation, one step per line, in English.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from walletdesk.cases.sla.calendars import WEEKDAYS, BusinessCalendar, CalendarInvalid, Day

# Arithmetic that finds no open time within this many days has a calendar that never opens.
MAX_DAYS = 3660


@dataclass(frozen=True)
class Pause:
    """An interval during which the clock is stopped (waiting on the customer)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, "pause start")
        require_aware(self.end, "pause end")
        if self.end < self.start:
            raise ValueError("a pause must end after it starts")


@dataclass(frozen=True)
class Deadline:
    """When something is due, and how that was worked out."""

    due_at: datetime
    explain: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {"due_at": iso(self.due_at), "explain": list(self.explain)}


def require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} {moment.isoformat()} has no UTC offset")


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds" if not moment.microsecond else "auto")


def span(amount: timedelta) -> str:
    """7h30m, 45m, 2h; seconds are dropped from the words, never from the arithmetic."""
    minutes = int(abs(amount).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    sign = "-" if amount < timedelta(0) else ""
    if hours and rest:
        return f"{sign}{hours}h{rest:02d}m"
    return f"{sign}{hours}h" if hours else f"{sign}{rest}m"


def add_business_hours(
    start: datetime, hours: float, calendar: BusinessCalendar, pauses: Sequence[Pause] = ()
) -> Deadline:
    return add_business_time(start, timedelta(hours=hours), calendar, pauses)


def add_business_time(
    start: datetime, amount: timedelta, calendar: BusinessCalendar, pauses: Sequence[Pause] = ()
) -> Deadline:
    """The moment `amount` of open, unpaused time has passed after `start`. Ending exactly at a
    closing time gives that closing time, not the next opening."""
    require_aware(start, "start")
    if amount < timedelta(0):
        raise ValueError("business time to add must not be negative")
    local = start.astimezone(calendar.zone)
    notes = [
        f"received {iso(local)} ({WEEKDAYS[local.weekday()]})",
        f"counting {span(amount)} of business time: {calendar.describe()}",
    ]
    if not amount:
        return Deadline(local, (*notes, f"nothing to add: due at {iso(local)}"))
    remaining, closed = amount, _Runs()
    for day in _days_from(calendar, local.date()):
        if not day.is_open:
            closed.add(day.date, day.reason)
            continue
        segments = _running(calendar, day, start, pauses)
        if not segments and _running(calendar, day, start, ()):
            # A long wait on the customer reads as one line, like a holiday.
            closed.add(day.date, "open, but the clock was paused all day")
            continue
        notes += closed.flush()
        for seg_start, seg_end in segments:
            if seg_end - seg_start >= remaining:
                due = (seg_start + remaining).astimezone(calendar.zone)
                notes.append(f"{day.date} {day.reason}: {span(remaining)} counted, due {iso(due)}")
                return Deadline(due, tuple(notes))
            remaining -= seg_end - seg_start
        counted = sum((b - a for a, b in segments), timedelta(0))
        why = _why_short(calendar, day, start, pauses, counted)
        notes.append(
            f"{day.date} {day.reason}: {span(counted)} counted{why}, {span(remaining)} left"
        )
    raise AssertionError("unreachable: _days_from raises first")


def business_time_between(
    start: datetime, end: datetime, calendar: BusinessCalendar, pauses: Sequence[Pause] = ()
) -> timedelta:
    """Open, unpaused time from start to end; negative when end comes first (time overdue)."""
    require_aware(start, "start")
    require_aware(end, "end")
    if end < start:
        return -business_time_between(end, start, calendar, pauses)
    total, last = timedelta(0), end.astimezone(calendar.zone).date()
    for day in _days_from(calendar, start.astimezone(calendar.zone).date()):
        if day.date > last:
            return total
        if not day.is_open:
            continue
        for seg_start, seg_end in _running(calendar, day, start, pauses):
            if seg_start < end:
                total += min(seg_end, end) - seg_start
    return total


def add_business_days(
    start: datetime, days: int, calendar: BusinessCalendar, pauses: Sequence[Pause] = ()
) -> Deadline:
    """The end (23:59:59 local) of the `days`-th business day after the day of `start`, as
    rules written "within N business days of receipt" count. A business day whose whole
    opening hours fall in a pause is not counted; a partly paused one is."""
    require_aware(start, "start")
    if days < 0:
        raise ValueError("business days to add must not be negative")
    local = start.astimezone(calendar.zone)
    notes = [
        f"received {iso(local)} ({WEEKDAYS[local.weekday()]}); the day of receipt is not counted",
        f"counting {days} business days: {calendar.describe()}",
    ]
    if not days:
        due = end_of_day(local.date(), calendar.zone)
        return Deadline(due, (*notes, f"due at the end of the day of receipt, {iso(due)}"))
    runs, count = _Runs(), 0
    for day in _days_from(calendar, local.date() + timedelta(days=1)):
        if day.is_open and not _running(calendar, day, start, pauses):
            runs.add(day.date, "not counted: the clock was paused all day")
        elif day.is_open:
            count += 1
            runs.add(day.date, _counted_label(day), count)
            if count == days:
                due = end_of_day(day.date, calendar.zone)
                return Deadline(
                    due, (*notes, *runs.flush(), f"due at the end of day {days}: {iso(due)}")
                )
        else:
            runs.add(day.date, day.reason)
    raise AssertionError("unreachable: _days_from raises first")


def add_calendar_days(
    start: datetime,
    days: int,
    zone: ZoneInfo,
    roll: BusinessCalendar | None = None,
    pauses: Sequence[Pause] = (),
) -> Deadline:
    """The end of the `days`-th day after the day of `start` (the day of receipt not counted),
    moved on to the next business day of `roll` when it is not one. Whole days inside a pause
    are added back; the clock counts the days it ran."""
    require_aware(start, "start")
    if days < 0:
        raise ValueError("days to add must not be negative")
    local = start.astimezone(zone)
    notes = [
        f"received {iso(local)} ({WEEKDAYS[local.weekday()]}); the day of receipt is not counted",
        f"counting {days} calendar days in {zone.key}",
    ]
    last = local.date() + timedelta(days=days)
    paused = _whole_paused_days(local.date() + timedelta(days=1), last, zone, pauses)
    while paused:
        notes.append(f"{paused} whole day(s) paused before {last}: added back")
        nxt = last + timedelta(days=paused)
        paused = _whole_paused_days(last + timedelta(days=1), nxt, zone, pauses)
        last = nxt
    notes.append(f"day {days} is {last} ({WEEKDAYS[last.weekday()]})")
    if roll is not None:
        rolled, closed = last, _Runs()
        while not roll.is_business_day(rolled):
            closed.add(rolled, roll.day(rolled).reason)
            rolled += timedelta(days=1)
            if rolled - last > timedelta(days=MAX_DAYS):
                raise CalendarInvalid("the calendar has no business day to move the deadline to")
        if rolled != last:
            notes += closed.flush()
            notes.append(f"not a business day ({roll.spec}): the deadline moves to {rolled}")
        last = rolled
    due = end_of_day(last, zone)
    return Deadline(due, (*notes, f"due at the end of {last}: {iso(due)}"))


def end_of_day(on: date, zone: ZoneInfo) -> datetime:
    """The last second of a local date (one second before the next midnight, in real time)."""
    midnight = datetime.combine(on + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return (midnight.astimezone(UTC) - timedelta(seconds=1)).astimezone(zone)


def _days_from(calendar: BusinessCalendar, first: date) -> Iterator[Day]:
    for offset in range(MAX_DAYS):
        yield calendar.day(first + timedelta(days=offset))
    raise CalendarInvalid(f"not reached within {MAX_DAYS} days of the calendar")


def _running(
    calendar: BusinessCalendar, day: Day, start: datetime, pauses: Sequence[Pause]
) -> list[tuple[datetime, datetime]]:
    """The UTC intervals of a day's opening hours after `start` with the clock running."""
    assert day.window is not None
    opens = calendar.local_time(day.date, day.window[0]).astimezone(UTC)
    closes = calendar.local_time(day.date, day.window[1]).astimezone(UTC)
    pieces = [(max(opens, start.astimezone(UTC)), closes)]
    for pause in pauses:
        p_start, p_end = pause.start.astimezone(UTC), pause.end.astimezone(UTC)
        cut: list[tuple[datetime, datetime]] = []
        for a, b in pieces:
            cut += [(a, min(b, p_start)), (max(a, p_end), b)]
        pieces = cut
    return [(a, b) for a, b in pieces if a < b]


def _why_short(
    calendar: BusinessCalendar, day: Day, start: datetime, pauses: Sequence[Pause], got: timedelta
) -> str:
    assert day.window is not None
    full = calendar.local_time(day.date, day.window[1]) - calendar.local_time(
        day.date, day.window[0]
    )
    if got >= full:
        return ""
    closes = calendar.local_time(day.date, day.window[1])
    if start >= closes:
        return " (received after closing)"
    unpaused = _running(calendar, day, start, ())
    if sum((b - a for a, b in unpaused), timedelta(0)) > got:
        return " (clock paused part of the day)" if got else " (clock paused all day)"
    return " (from receipt)"


def _counted_label(day: Day) -> str:
    if day.reason.startswith("adjusted"):
        return f"business day, {day.reason}"
    return "business day"


def _whole_paused_days(first: date, last: date, zone: ZoneInfo, pauses: Sequence[Pause]) -> int:
    """How many dates in first..last lie wholly inside one of the pauses."""
    count, on = 0, first
    while on <= last:
        begins = datetime.combine(on, datetime.min.time(), tzinfo=zone)
        ends = datetime.combine(on + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        if any(p.start <= begins and p.end >= ends for p in pauses):
            count += 1
        on += timedelta(days=1)
    return count


class _Runs:
    """Consecutive days with the same description, told as one line ("a to b: closed ...")."""

    def __init__(self) -> None:
        self.items: list[tuple[date, date, str, int | None, int | None]] = []

    def add(self, on: date, label: str, number: int | None = None) -> None:
        if self.items:
            first, last, text, n1, _ = self.items[-1]
            if text == label and last + timedelta(days=1) == on:
                self.items[-1] = (first, on, text, n1, number)
                return
        self.items.append((on, on, label, number, number))

    def flush(self) -> list[str]:
        lines = []
        for first, last, text, n1, n2 in self.items:
            when = str(first) if first == last else f"{first} to {last}"
            if n1 is None:
                lines.append(f"{when}: {text}")
            else:
                numbers = f"day {n1}" if n1 == n2 else f"days {n1}-{n2}"
                text = text if n1 == n2 else text.replace("business day", "business days", 1)
                lines.append(f"{when}: {text}, counted as {numbers}")
        self.items = []
        return lines
