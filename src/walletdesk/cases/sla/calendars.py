"""Business calendars: a team's weekly opening hours in its time zone, with public holidays
and mainland China's adjusted working days taken from maintained libraries, never a list here.

A calendar is named by a spec: `none` (weekly hours only), `cn` (chinese-calendar: statutory
holidays, in-lieu days and the weekend days made working days by the State Council), a
country of the `holidays` package (`gb`, `gb-sct`, `us`, `de`, ...), or one of its financial
calendars (`xecb`: TARGET2 closing days, `xfed`: Federal Reserve holidays); several joined
with `+` close on the holidays of any of them (`gb-eng+gb-sct+gb-wls+gb-nir`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
_FINANCIAL = {"xecb": "XECB", "xfed": "XFED", "xnys": "XNYS", "xlon": "XLON", "xshg": "XSHG"}

Kind = Literal["regular", "holiday", "adjusted"]


class CalendarInvalid(ValueError):
    """A calendar spec, time zone or opening hours cannot be used; the message says which."""


class CalendarDataMissing(LookupError):
    """The holiday library has no data for a year the arithmetic reached: answering anyway
    would silently treat that year's holidays as working days."""


@dataclass(frozen=True)
class Day:
    """What one local date is for a calendar: open or not, its hours, and why."""

    date: date
    window: tuple[int, int] | None  # minutes after local midnight; close may be 1440 (24:00)
    reason: str

    @property
    def is_open(self) -> bool:
        return self.window is not None


# (kind, name): "holiday" closes the day, "adjusted" opens a weekend day as a working day.
Classifier = Callable[[date], tuple[Kind, str]]


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly hours (Monday first; None: closed that weekday) in a zone, and the holidays."""

    zone: ZoneInfo
    weekly: tuple[tuple[int, int] | None, ...]
    classify: Classifier
    spec: str

    def day(self, on: date) -> Day:
        kind, name = self.classify(on)
        if kind == "holiday":
            return Day(on, None, f"closed: {name}")
        if kind == "adjusted":
            # A weekend day worked in exchange for a holiday keeps a normal weekday's hours.
            return Day(on, self.workday_window, f"adjusted working day ({name})")
        window = self.weekly[on.weekday()]
        return Day(on, window, WEEKDAYS[on.weekday()] if window else "closed: weekend")

    @property
    def workday_window(self) -> tuple[int, int]:
        return next(w for w in self.weekly if w is not None)

    def is_business_day(self, on: date) -> bool:
        return self.day(on).is_open

    def local_time(self, on: date, minutes: int) -> datetime:
        """The aware instant of a wall-clock time on a date (1440 = the next midnight)."""
        extra, minutes = divmod(minutes, 1440)
        at = time(minutes // 60, minutes % 60)
        return datetime.combine(on + timedelta(days=extra), at, tzinfo=self.zone)

    def describe(self) -> str:
        groups: dict[tuple[int, int], list[str]] = {}
        for index, window in enumerate(self.weekly):
            if window is not None:
                groups.setdefault(window, []).append(_DAY_KEYS[index])
        hours = "; ".join(
            f"{format_window(w)} {'every day' if len(d) == 7 else ','.join(d)}"
            for w, d in groups.items()
        )
        return f"open {hours} in {self.zone.key}, holidays: {self.spec}"


def format_window(window: tuple[int, int]) -> str:
    (oh, om), (ch, cm) = divmod(window[0], 60), divmod(window[1], 60)
    return f"{oh:02d}:{om:02d}-{ch:02d}:{cm:02d}"


def parse_opening_hours(text: str) -> tuple[int, int]:
    """`HH:MM-HH:MM` to minutes after midnight; the close may be 24:00 and must follow the
    opening (hours that run past midnight are not supported)."""
    match = _HOURS.match(text or "")
    if not match:
        raise CalendarInvalid(f"opening hours {text!r} are not HH:MM-HH:MM")
    oh, om, ch, cm = (int(g) for g in match.groups())
    start, end = oh * 60 + om, ch * 60 + cm
    if oh > 23 or om > 59 or cm > 59 or end > 1440 or end <= start:
        raise CalendarInvalid(f"opening hours {text!r} must open before they close, within a day")
    return start, end


def parse_days(text: str) -> tuple[bool, ...]:
    """`mon-fri`, `mon-sat`, `every day`, or a comma list (`mon,wed,fri`)."""
    value = (text or "").strip().lower()
    if value in ("every day", "everyday", "daily", "all", "mon-sun"):
        return (True,) * 7
    if "-" in value and "," not in value:
        first, _, last = value.partition("-")
        if first in _DAY_KEYS and last in _DAY_KEYS:
            i, j = _DAY_KEYS.index(first), _DAY_KEYS.index(last)
            if i <= j:
                return tuple(i <= k <= j for k in range(7))
    picked = {part.strip() for part in value.split(",")}
    if picked and picked <= set(_DAY_KEYS):
        return tuple(key in picked for key in _DAY_KEYS)
    raise CalendarInvalid(f"opening days {text!r} are not like mon-fri, every day or mon,wed")


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarInvalid(f"unknown time zone {name!r}") from exc


def make_calendar(
    *,
    calendar: str,
    tz: str,
    hours: str = "09:00-18:00",
    days: str = "mon-fri",
    weekly: Mapping[str, str] | None = None,
) -> BusinessCalendar:
    """A calendar from its parts as an operator writes them (CLI, configuration). `weekly`
    gives different hours to different days ({"mon-fri": "09:00-18:00", "sat": "10:00-16:00"})
    and replaces `hours` and `days`."""
    if weekly is None:
        weekly = {days: hours}
    windows: list[tuple[int, int] | None] = [None] * 7
    for which, text in weekly.items():
        window = parse_opening_hours(text)
        for index, on in enumerate(parse_days(which)):
            if on:
                windows[index] = window
    if not any(windows):
        raise CalendarInvalid("the calendar is open on no day of the week")
    zone, classify = zone_of(tz), holiday_classifier(calendar)
    return BusinessCalendar(zone, tuple(windows), classify, calendar.lower())


def holiday_classifier(spec: str) -> Classifier:
    """The holidays of a spec; a union when several are joined with `+`."""
    parts = [part.strip().lower() for part in (spec or "").split("+")]
    if not all(parts):
        raise CalendarInvalid(f"holiday calendar {spec!r} is empty")
    classifiers = [_one_classifier(part) for part in parts]
    if len(classifiers) == 1:
        return classifiers[0]

    def union(on: date) -> tuple[Kind, str]:
        found = [c(on) for c in classifiers]
        closing = [name for kind, name in found if kind == "holiday"]
        if closing:
            return "holiday", closing[0]
        adjusted = [name for kind, name in found if kind == "adjusted"]
        return ("adjusted", adjusted[0]) if adjusted else ("regular", "")

    return union


def _one_classifier(part: str) -> Classifier:
    if part == "none":
        return lambda on: ("regular", "")
    if part == "cn":
        return _china_mainland
    if part in _FINANCIAL:
        return _library_classifier(_FINANCIAL[part], None, financial=True)
    country, _, subdiv = part.partition("-")
    return _library_classifier(country.upper(), subdiv.upper() or None, financial=False)


def _china_mainland(on: date) -> tuple[Kind, str]:
    import chinese_calendar

    try:
        closed, name = chinese_calendar.get_holiday_detail(on)
    except NotImplementedError as exc:
        first, last = china_years()
        raise CalendarDataMissing(
            f"the mainland China calendar (chinese-calendar {chinese_calendar.__version__}) "
            f"knows {first}-{last}, not {on.year}: the State Council publishes each year's "
            "holidays and adjusted working days late in the year before; upgrade "
            "chinese-calendar once it has them"
        ) from exc
    if closed and name:
        return "holiday", _CN_NAMES.get(name, name)
    if not closed and on.weekday() >= 5:
        return "adjusted", _CN_NAMES.get(name or "", name or "holiday swap")
    return "regular", ""


# chinese-calendar's English names, with the Chinese that a Chinese reader expects beside them.
_CN_NAMES = {
    "New Year's Day": "New Year's Day 元旦",
    "Spring Festival": "Spring Festival 春节",
    "Tomb-sweeping Day": "Tomb-sweeping Day 清明节",
    "Labour Day": "Labour Day 劳动节",
    "Dragon Boat Festival": "Dragon Boat Festival 端午节",
    "National Day": "National Day 国庆节",
    "Mid-autumn Festival": "Mid-autumn Festival 中秋节",
}


@cache
def china_years() -> tuple[int, int]:
    """The first and last year chinese-calendar has the State Council's schedule for."""
    import chinese_calendar

    years = {d.year for d in chinese_calendar.holidays} | {
        d.year for d in chinese_calendar.workdays if d.weekday() >= 5
    }
    return min(years), max(years)


def _library_classifier(code: str, subdiv: str | None, *, financial: bool) -> Classifier:
    table = _holidays_table(code, subdiv, financial)

    def classify(on: date) -> tuple[Kind, str]:
        name = table.get(on)
        return ("holiday", str(name)) if name else ("regular", "")

    return classify


@cache
def _holidays_table(code: str, subdiv: str | None, financial: bool) -> Any:
    import holidays

    try:
        if financial:
            return holidays.financial_holidays(code)
        return holidays.country_holidays(code, subdiv=subdiv)
    except NotImplementedError as exc:
        where = f"{code}-{subdiv}" if subdiv else code
        raise CalendarInvalid(f"unknown holiday calendar {where.lower()!r}: {exc}") from exc
