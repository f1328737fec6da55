"""`walletdesk deadline`: operators (and tests) ask the clock directly, and get one JSON object
`{"due_at", "explain"}`. Registered by walletdesk.cli.

A received time without a UTC offset is read as wall-clock time in --tz, else in the rule's
zone (--rule) or the configured time zone (--business-hours); the explanation says so. A bad
argument exits 2 with a message naming it; a calendar without data for the year exits 1.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime

import typer

from walletdesk.cases.sla.calendars import (
    CalendarDataMissing,
    CalendarInvalid,
    holiday_classifier,
    make_calendar,
    parse_days,
    parse_opening_hours,
)
from walletdesk.cases.sla.clock import MAX_DAYS, Deadline, Pause, add_business_hours
from walletdesk.cases.sla.rules import RulesInvalid, UnknownRule, load_rule_book, rule_deadline
from walletdesk.config import Settings


def deadline(
    received: str = typer.Option(..., "--received", help="When the case arrived (ISO-8601)."),
    rule: str | None = typer.Option(
        None, "--rule", help="A legal rule: cn-complaint, psd2-complaint, disp-complaint, ..."
    ),
    extension: str | None = typer.Option(
        None, "--extension", help="With --rule: one of its extensions (e.g. complex)."
    ),
    business_hours: float | None = typer.Option(
        None, "--business-hours", help="Instead of --rule: add N business hours."
    ),
    calendar: str | None = typer.Option(
        None, "--calendar", help="Holidays: cn, none, a country (gb-eng, us), xecb. Default none."
    ),
    tz: str | None = typer.Option(None, "--tz", help="Time zone, e.g. Asia/Shanghai."),
    open_hours: str | None = typer.Option(
        None, "--open", help="Opening hours HH:MM-HH:MM (default 09:00-18:00)."
    ),
    days: str | None = typer.Option(
        None, "--days", help="Opening days: mon-fri (default), every day, mon,wed,fri."
    ),
    pause: list[str] = typer.Option(
        [], "--pause", help="START/END (ISO-8601) while the clock is stopped; repeatable."
    ),
) -> None:
    """When an answer is due: under a legal rule, or after N business hours."""
    if (rule is None) == (business_hours is None):
        raise typer.BadParameter("give exactly one of them", param_hint="--rule / --business-hours")
    settings = Settings()
    try:
        if rule is not None:
            for name, value in (("--calendar", calendar), ("--open", open_hours), ("--days", days)):
                if value is not None:
                    raise typer.BadParameter("applies to --business-hours only", param_hint=name)
            found = _by_rule(rule, extension, received, tz, pause, settings)
        else:
            if extension is not None:
                raise typer.BadParameter("applies to --rule only", param_hint="--extension")
            assert business_hours is not None
            found = _by_hours(
                business_hours, received, calendar, tz or settings.timezone, open_hours, days, pause
            )
    except CalendarDataMissing as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(found.as_json(), ensure_ascii=False))


def _by_rule(
    key: str,
    extension: str | None,
    received: str,
    tz: str | None,
    pauses: Sequence[str],
    settings: Settings,
) -> Deadline:
    try:
        book = load_rule_book(settings.deadline_rules_path)
    except RulesInvalid as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc
    try:
        chosen = book.rule(key)
    except UnknownRule as exc:
        raise typer.BadParameter(str(exc), param_hint="--rule") from exc
    zone = _zone_name(tz or chosen.tz)
    moment, note = _moment(received, zone, "--received")
    try:
        found = rule_deadline(
            chosen, moment, extension=extension, tz=zone, pauses=_pauses(pauses, zone)
        )
    except UnknownRule as exc:
        raise typer.BadParameter(str(exc), param_hint="--extension") from exc
    return _noted(found, note)


def _by_hours(
    hours: float,
    received: str,
    calendar: str | None,
    tz: str,
    open_hours: str | None,
    days: str | None,
    pauses: Sequence[str],
) -> Deadline:
    if not math.isfinite(hours) or hours < 0:
        raise typer.BadParameter(
            "must be a number of hours, 0 or more", param_hint="--business-hours"
        )
    zone = _zone_name(tz)
    spec, hours_text, days_text = calendar or "none", open_hours or "09:00-18:00", days or "mon-fri"
    checks = (
        ("--calendar", holiday_classifier, spec),
        ("--open", parse_opening_hours, hours_text),
        ("--days", parse_days, days_text),
    )
    for hint, check, value in checks:
        try:
            check(value)
        except CalendarInvalid as exc:
            raise typer.BadParameter(str(exc), param_hint=hint) from exc
    chosen = make_calendar(calendar=spec, tz=zone, hours=hours_text, days=days_text)
    moment, note = _moment(received, zone, "--received")
    try:
        found = add_business_hours(moment, hours, chosen, _pauses(pauses, zone))
    except (CalendarInvalid, OverflowError) as exc:
        raise typer.BadParameter(
            f"{hours:g} business hours are not reached within {MAX_DAYS} days of this calendar",
            param_hint="--business-hours",
        ) from exc
    return _noted(found, note)


def _zone_name(name: str) -> str:
    try:
        make_calendar(calendar="none", tz=name)
    except CalendarInvalid as exc:
        raise typer.BadParameter(str(exc), param_hint="--tz") from exc
    return name


def _moment(value: str, zone: str, hint: str) -> tuple[datetime, str]:
    """An aware datetime; one written without an offset is wall-clock time in `zone`."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not an ISO-8601 time", param_hint=hint) from exc
    if moment.tzinfo is not None:
        return moment, ""
    aware = moment.replace(tzinfo=make_calendar(calendar="none", tz=zone).zone)
    return aware, f"{hint} {value} has no UTC offset: read as local time in {zone}"


def _pauses(values: Sequence[str], zone: str) -> list[Pause]:
    found = []
    for value in values:
        start, sep, end = value.partition("/")
        if not sep:
            raise typer.BadParameter(f"{value!r} is not START/END", param_hint="--pause")
        a, _ = _moment(start, zone, "--pause")
        b, _ = _moment(end, zone, "--pause")
        if b < a:
            raise typer.BadParameter(f"{value!r} ends before it starts", param_hint="--pause")
        found.append(Pause(a, b))
    return found


def _noted(found: Deadline, note: str) -> Deadline:
    return Deadline(found.due_at, (note, *found.explain)) if note else found
