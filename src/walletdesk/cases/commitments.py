"""The deadline a complaint or an appeal commits us to: the rule of the jurisdiction of the
customer's region, moved by a holding reply within the rule's extensions; when it is due in the
rule's local time, how much time is left, and where the customer may escalate.

The customer's region is read from their phone's country code (identity keeps no country);
a number that tells none gets the rules file's default jurisdiction (configurable there).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from walletdesk.cases import types
from walletdesk.cases.models import Case, CaseCommitment
from walletdesk.cases.sla import (
    CalendarDataMissing,
    DeadlineRule,
    Jurisdiction,
    RuleBook,
    UnknownRule,
    load_rule_book,
    region_of_phone,
    rule_deadline,
)
from walletdesk.cases.sla.rules import text
from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, ValidationFailed
from walletdesk.i18n import N_, Translator
from walletdesk.identity.models import User

log = logging.getLogger("walletdesk.cases")

# Reminders to staff: when this share of the time given is left (and once more when overdue).
REMIND_AT_LEFT = 0.25


def rule_book(settings: Settings) -> RuleBook:
    return load_rule_book(settings.deadline_rules_path)


def jurisdiction_of(book: RuleBook, customer: User) -> Jurisdiction:
    return book.jurisdiction_for_region(region_of_phone(customer.phone))


def commit(
    db: Session, *, case: Case, customer: User, received_at: datetime, settings: Settings
) -> CaseCommitment:
    """The deadline of a case whose type has a legal clock, counted from `received_at`."""
    kind = types.deadline_kind(case.type)
    if kind is None:
        raise Conflict("This kind of case has no legal deadline.", code="no_deadline")
    book = rule_book(settings)
    jurisdiction = jurisdiction_of(book, customer)
    rule = book.rule_for(region=region_of_phone(customer.phone), kind=kind)
    found = db.get(CaseCommitment, case.id)
    if found is not None:
        return found
    commitment = CaseCommitment(
        case_id=case.id,
        rule=rule.key,
        jurisdiction=jurisdiction.key,
        lang=customer.lang or "zh",
        received_at=received_at,
        due_at=deadline(rule, received_at),
    )
    db.add(commitment)
    db.flush()
    return commitment


def deadline(
    rule: DeadlineRule, received_at: datetime, *, extension: str | None = None
) -> datetime:
    """When the answer is due. A calendar that does not know the holidays of a year yet (the
    State Council publishes China's late in the year before) counts plain weekdays there: an
    unknown holiday counts as a working day, so the answer is due early rather than late."""
    try:
        return rule_deadline(rule, received_at, extension=extension).due_at
    except CalendarDataMissing as exc:
        log.warning("deadline of rule %s counted without its holidays: %s", rule.key, exc)
        plain = replace(rule, calendar="none")
        return rule_deadline(plain, received_at, extension=extension).due_at


def get_commitment(db: Session, *, case_id: int) -> CaseCommitment | None:
    return db.get(CaseCommitment, case_id)


def rule_of(commitment: CaseCommitment, settings: Settings) -> DeadlineRule:
    return rule_book(settings).rule(commitment.rule)


def extend(
    db: Session, *, commitment: CaseCommitment, extension: str, settings: Settings
) -> CaseCommitment:
    """Move the deadline to what `extension` of the rule allows; never earlier, and only
    while the final response is still to come."""
    if commitment.responded_at is not None:
        raise Conflict("The final response has already been sent.", code="already_responded")
    rule = rule_of(commitment, settings)
    try:
        rule.extension(extension)
    except UnknownRule:
        raise ValidationFailed(
            "Choose one of the extensions this deadline allows.", field="extension"
        ) from None
    due = deadline(rule, commitment.received_at, extension=extension)
    if due <= commitment.due_at:
        raise Conflict(
            "This extension does not give more time than the deadline already has.",
            field="extension",
            code="no_more_time",
        )
    commitment.extension = extension
    commitment.due_at = due
    commitment.reminded_at = None  # the new date gets its own reminder
    db.flush()
    return commitment


def due_text(commitment: CaseCommitment, settings: Settings) -> str:
    """The due time as the rule counts it, in its own time zone: 2026-12-21 23:59 CST."""
    zone = ZoneInfo(rule_of(commitment, settings).tz)
    return commitment.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def escalation_text(commitment: CaseCommitment, settings: Settings, lang: str) -> str:
    """The regulator and consumer bodies of the case's jurisdiction, with their contact
    details, in `lang` (from the rules file: both languages are kept there)."""
    jurisdiction = rule_book(settings).jurisdictions[commitment.jurisdiction]
    parts = []
    for body in jurisdiction.escalation:
        details = [text(body.contact, lang), body.phone, body.url, body.address]
        shown = "; ".join(dict.fromkeys(d for d in details if d))
        parts.append(f"{text(body.name, lang)} ({shown})" if shown else text(body.name, lang))
    return " / ".join(parts)


def needs_reminder(commitment: CaseCommitment, now: datetime) -> bool:
    """Staff are reminded once per due date, when a quarter of the time given is left."""
    if commitment.responded_at is not None or commitment.reminded_at is not None:
        return False
    given = commitment.due_at - commitment.received_at
    return commitment.due_at - now <= given * REMIND_AT_LEFT


@dataclass(frozen=True)
class Clock:
    """What the pages show of a commitment, in the reader's language."""

    due: str  # the due time in the rule's zone
    left: str  # "3 days 4 hours left", "overdue by 2 hours", "answered on time"
    state: str  # ok | soon | overdue | answered | late
    rule: str  # the rule's title
    source: str
    extension: str  # the extension's condition, or ""
    extensions: list[tuple[str, str]]  # (key, condition) the holding reply may choose


def clock_of(
    commitment: CaseCommitment, *, settings: Settings, _: Translator, now: datetime | None = None
) -> Clock:
    rule = rule_of(commitment, settings)
    now = now or utcnow()
    lang = _.lang
    extension = rule.extensions.get(commitment.extension or "")
    if commitment.responded_at is not None:
        late = commitment.responded_at > commitment.due_at
        state = "late" if late else "answered"
        left = _(N_("Answered after the deadline") if late else N_("Answered on time"))
    else:
        remaining = commitment.due_at - now
        given = commitment.due_at - commitment.received_at
        state = "overdue" if remaining < timedelta(0) else "ok"
        if state == "ok" and remaining <= given * REMIND_AT_LEFT:
            state = "soon"
        words = duration_words(abs(remaining), _)
        left = (
            _("Overdue by {time}", time=words)
            if state == "overdue"
            else _("{time} left", time=words)
        )
    return Clock(
        due=due_text(commitment, settings),
        left=left,
        state=state,
        rule=text(rule.title, lang),
        source=rule.source,
        extension=text(extension.when, lang) if extension else "",
        extensions=[(key, text(e.when, lang)) for key, e in rule.extensions.items()],
    )


def duration_words(span: timedelta, _: Translator) -> str:
    """Days and hours (or hours and minutes under a day), in the reader's language."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("{days} d {hours} h", days=days, hours=hours)
    return _("{hours} h {minutes} min", hours=hours, minutes=mins)
