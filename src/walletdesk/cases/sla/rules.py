"""The deadlines the law sets, per jurisdiction: read from rules.yaml (or an override file,
merged entry by entry), with the escalation bodies a final response names, and the region →
jurisdiction map. No database here.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from walletdesk.cases.sla.calendars import (
    BusinessCalendar,
    CalendarInvalid,
    holiday_classifier,
    make_calendar,
    zone_of,
)
from walletdesk.cases.sla.clock import (
    Deadline,
    Pause,
    add_business_days,
    add_calendar_days,
    require_aware,
)

DEFAULT_PATH = Path(__file__).with_name("rules.yaml")
COUNTS = ("calendar_days", "business_days", "weeks")
Text = Mapping[str, str]  # language ("en", "zh") → words


class RulesInvalid(ValueError):
    """The rules file cannot be used; the message names the file and the entry."""


class UnknownRule(LookupError):
    """No deadline rule (or extension) of that name; the message lists the known ones."""


def text(words: Text, lang: str) -> str:
    """The words in `lang`, else in English: every entry has both, overrides may not."""
    return words.get(lang) or words.get("en") or next(iter(words.values()), "")


@dataclass(frozen=True)
class Period:
    count: str  # one of COUNTS
    n: int
    roll: bool = False  # calendar days: a last day that is not a business day moves on

    def describe(self) -> str:
        unit = {"calendar_days": "calendar days", "business_days": "business days"}
        words = f"{self.n} {unit.get(self.count, 'weeks')}"
        return words + (", moved to the next business day" if self.roll else "")


@dataclass(frozen=True)
class Extension:
    key: str
    period: Period
    when: Text


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    jurisdiction: str
    title: Text
    source: str
    tz: str
    calendar: str
    period: Period
    extensions: Mapping[str, Extension]

    def business_calendar(self, tz: str | None = None) -> BusinessCalendar:
        # Legal deadlines count whole days: opening hours do not matter, only which days are
        # business days (weekdays less the calendar's holidays, plus adjusted working days).
        return make_calendar(calendar=self.calendar, tz=tz or self.tz, hours="00:00-24:00")

    def extension(self, key: str) -> Extension:
        if key not in self.extensions:
            known = ", ".join(self.extensions) or "none"
            raise UnknownRule(f"rule {self.key} has no extension {key!r} (it has: {known})")
        return self.extensions[key]


@dataclass(frozen=True)
class Escalation:
    name: Text
    contact: Text
    phone: str = ""
    url: str = ""
    address: str = ""


@dataclass(frozen=True)
class Jurisdiction:
    key: str
    name: Text
    rules: Mapping[str, str]  # case kind (complaint, appeal, ...) → rule key
    escalation: tuple[Escalation, ...]


@dataclass(frozen=True)
class RuleBook:
    rules: Mapping[str, DeadlineRule]
    jurisdictions: Mapping[str, Jurisdiction]
    regions: Mapping[str, str]
    default_jurisdiction: str

    def rule(self, key: str) -> DeadlineRule:
        if key not in self.rules:
            raise UnknownRule(f"unknown rule {key!r} (known: {', '.join(self.rules)})")
        return self.rules[key]

    def jurisdiction_for_region(self, region: str | None) -> Jurisdiction:
        """The jurisdiction of a customer's region (ISO 3166 alpha-2); the default otherwise."""
        key = self.regions.get((region or "").upper(), self.default_jurisdiction)
        return self.jurisdictions[key]

    def rule_for(self, *, region: str | None, kind: str = "complaint") -> DeadlineRule:
        jurisdiction = self.jurisdiction_for_region(region)
        key = jurisdiction.rules.get(kind) or jurisdiction.rules["complaint"]
        return self.rule(key)


def rule_deadline(
    rule: DeadlineRule,
    received: datetime,
    *,
    extension: str | None = None,
    tz: str | None = None,
    pauses: Sequence[Pause] = (),
) -> Deadline:
    """When the answer to a case received at `received` is due under `rule` (or under one
    of its extensions), with the steps in words."""
    require_aware(received, "received")
    period, notes = rule.period, [f"rule {rule.key}: {text(rule.title, 'en')} ({rule.source})"]
    if extension:
        chosen = rule.extension(extension)
        period = chosen.period
        notes.append(f"extension {chosen.key}: {text(chosen.when, 'en')}")
    notes.append(f"period: {period.describe()}")
    calendar = rule.business_calendar(tz)
    if period.count == "business_days":
        found = add_business_days(received, period.n, calendar, pauses)
    else:
        days = period.n * 7 if period.count == "weeks" else period.n
        roll = calendar if period.roll else None
        found = add_calendar_days(received, days, calendar.zone, roll, pauses)
    return Deadline(found.due_at, (*notes, *found.explain))


def region_of_phone(phone: str | None) -> str | None:
    """The region (ISO 3166 alpha-2) of an E.164 number: the only place a customer's country
    is recorded today (identity keeps the phone, not a country)."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    # A number outside the assigned ranges still tells its country by its calling code.
    found = phonenumbers.region_code_for_number(
        number
    ) or phonenumbers.region_code_for_country_code(number.country_code or 0)
    return found if found and found != phonenumbers.UNKNOWN_REGION else None


_lock = threading.Lock()
_cache: dict[tuple[str, float], RuleBook] = {}


def load_rule_book(override: Path | None = None) -> RuleBook:
    """The shipped rules with `override`'s entries on top; read again when the file changes."""
    stamp = override.stat().st_mtime if override and override.exists() else 0.0
    key = (str(override or ""), stamp)
    with _lock:
        if key not in _cache:
            raw = _read(DEFAULT_PATH)
            if override is not None:
                raw = _merge(raw, _read(override))
            _cache.clear()
            _cache[key] = _parse(raw, override or DEFAULT_PATH)
        return _cache[key]


def _read(path: Path) -> dict[str, Any]:
    try:
        found = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RulesInvalid(f"{path}: {exc}") from exc
    if not isinstance(found, dict):
        raise RulesInvalid(f"{path}: expected a mapping at the top")
    return found


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for section in ("rules", "jurisdictions", "regions"):
        merged[section] = {**base.get(section, {}), **(top.get(section) or {})}
    if "default_jurisdiction" in top:
        merged["default_jurisdiction"] = top["default_jurisdiction"]
    return merged


def _parse(raw: Mapping[str, Any], path: Path) -> RuleBook:
    try:
        rules = {key: _rule(key, body) for key, body in (raw.get("rules") or {}).items()}
        jurisdictions = {
            key: _jurisdiction(key, body) for key, body in (raw.get("jurisdictions") or {}).items()
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesInvalid(f"{path}: {exc}") from exc
    regions = {str(k).upper(): str(v) for k, v in (raw.get("regions") or {}).items()}
    default = str(raw.get("default_jurisdiction", ""))
    book = RuleBook(rules, jurisdictions, regions, default)
    _check_references(book, path)
    return book


def _rule(key: str, body: Mapping[str, Any]) -> DeadlineRule:
    try:
        zone_of(body["tz"])
        holiday_classifier(body["calendar"])
    except CalendarInvalid as exc:
        raise ValueError(f"rule {key}: {exc}") from exc
    extensions = {
        name: Extension(name, _period(f"{key}.{name}", ext["period"]), dict(ext["when"]))
        for name, ext in (body.get("extensions") or {}).items()
    }
    return DeadlineRule(
        key=key,
        jurisdiction=str(body["jurisdiction"]),
        title=dict(body["title"]),
        source=str(body.get("source", "")),
        tz=str(body["tz"]),
        calendar=str(body["calendar"]),
        period=_period(key, body["period"]),
        extensions=extensions,
    )


def _period(where: str, body: Mapping[str, Any]) -> Period:
    count, n = body.get("count"), body.get("n")
    if count not in COUNTS or not isinstance(n, int) or n < 0:
        raise ValueError(f"rule {where}: period needs count in {COUNTS} and n >= 0")
    return Period(str(count), n, bool(body.get("roll", False)))


def _jurisdiction(key: str, body: Mapping[str, Any]) -> Jurisdiction:
    escalation = tuple(
        Escalation(
            name=dict(item["name"]),
            contact=dict(item.get("contact") or {}),
            phone=str(item.get("phone", "")),
            url=str(item.get("url", "")),
            address=str(item.get("address", "")),
        )
        for item in body.get("escalation") or ()
    )
    return Jurisdiction(key, dict(body["name"]), dict(body["rules"]), escalation)


def _check_references(book: RuleBook, path: Path) -> None:
    if book.default_jurisdiction not in book.jurisdictions:
        raise RulesInvalid(f"{path}: default_jurisdiction {book.default_jurisdiction!r} unknown")
    for region, key in book.regions.items():
        if key not in book.jurisdictions:
            raise RulesInvalid(f"{path}: region {region} maps to unknown jurisdiction {key!r}")
    for jurisdiction in book.jurisdictions.values():
        if "complaint" not in jurisdiction.rules:
            raise RulesInvalid(f"{path}: jurisdiction {jurisdiction.key} has no complaint rule")
        for rule_key in jurisdiction.rules.values():
            if rule_key not in book.rules:
                raise RulesInvalid(f"{path}: {jurisdiction.key} names unknown rule {rule_key!r}")
