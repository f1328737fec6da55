"""SLA policies from configuration (policies.yaml): the team's business calendar, when a
warning comes, and the first-response, next-response and resolution targets of a case by its
type, priority and channel.

Read once per file version; no database. An operator's file (WALLETDESK_SLA_POLICIES_PATH)
replaces the shipped entries it names.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from walletdesk.cases.sla.calendars import (
    BusinessCalendar,
    CalendarDataMissing,
    CalendarInvalid,
    Classifier,
    Kind,
    make_calendar,
)

log = logging.getLogger("walletdesk.cases.sla")

DEFAULT_PATH = Path(__file__).with_name("policies.yaml")
METRICS = ("first_response", "next_response", "resolution")
MATCH_KEYS = ("type", "priority", "channel")
_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")


class PoliciesInvalid(ValueError):
    """The SLA policies file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class TargetRule:
    """One entry of `targets`: what it matches and the targets it sets."""

    match: tuple[tuple[str, str], ...]
    targets: tuple[tuple[str, timedelta], ...]

    def matches(self, facts: dict[str, str]) -> bool:
        return all(facts.get(key) == value for key, value in self.match)


@dataclass(frozen=True)
class Policy:
    calendar: BusinessCalendar
    warn_at: float  # share of the target after which a warning is raised
    rules: tuple[TargetRule, ...]

    def targets(self, *, type: str, priority: str, channel: str) -> dict[str, timedelta]:
        """Each metric's target for a case: the most specific matching entry wins, a later
        one a tie; a metric it does not name falls back to the less specific entries."""
        facts = {"type": type, "priority": priority, "channel": channel}
        ranked = sorted(
            (len(rule.match), index, rule)
            for index, rule in enumerate(self.rules)
            if rule.matches(facts)
        )
        found: dict[str, timedelta] = {}
        for _, _, rule in ranked:
            found.update(dict(rule.targets))
        return {metric: found[metric] for metric in METRICS if metric in found}


def parse_duration(text: object) -> timedelta:
    """`4h`, `30m`, `2h30m` to a timedelta (business time)."""
    match = _DURATION.match(str(text))
    if not match or not any(match.groups()):
        raise PoliciesInvalid(f"duration {text!r} is not like 4h, 30m or 2h30m")
    hours, minutes = (int(g or 0) for g in match.groups())
    amount = timedelta(hours=hours, minutes=minutes)
    if amount <= timedelta(0):
        raise PoliciesInvalid(f"duration {text!r} must be more than nothing")
    return amount


_lock = threading.Lock()
_cache: dict[tuple[str, float], Policy] = {}


def load_policy(override: Path | None = None) -> Policy:
    """The shipped policies with `override`'s entries on top; read again when it changes."""
    stamp = override.stat().st_mtime if override and override.exists() else 0.0
    key = (str(override or ""), stamp)
    with _lock:
        if key not in _cache:
            raw = _read(DEFAULT_PATH)
            if override is not None:
                top = _read(override)
                calendar = {**raw.get("calendar", {}), **top.get("calendar", {})}
                raw = {**raw, **top, "calendar": calendar}
            _cache.clear()
            _cache[key] = _parse(raw, override or DEFAULT_PATH)
        return _cache[key]


def _read(path: Path) -> dict[str, Any]:
    try:
        found = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PoliciesInvalid(f"{path}: {exc}") from exc
    if not isinstance(found, dict):
        raise PoliciesInvalid(f"{path}: expected a mapping at the top")
    return found


def _parse(raw: dict[str, Any], path: Path) -> Policy:
    try:
        spec = raw.get("calendar") or {}
        calendar = make_calendar(
            calendar=str(spec.get("holidays", "none")),
            tz=str(spec.get("tz", "UTC")),
            weekly={str(k): str(v) for k, v in (spec.get("weekly") or {}).items()} or None,
        )
        warn_at = float(raw.get("warn_at", 0.8))
        if not 0 < warn_at < 1:
            raise PoliciesInvalid("warn_at must be between 0 and 1")
        rules = tuple(_rule(entry) for entry in raw.get("targets") or ())
    except (CalendarInvalid, PoliciesInvalid, TypeError, ValueError) as exc:
        raise PoliciesInvalid(f"{path}: {exc}") from exc
    if not any(not rule.match for rule in rules):
        raise PoliciesInvalid(f"{path}: targets need one entry that matches every case")
    return Policy(calendar=tolerant(calendar), warn_at=warn_at, rules=rules)


def _rule(entry: object) -> TargetRule:
    if not isinstance(entry, dict):
        raise PoliciesInvalid(f"a targets entry must be a mapping, not {entry!r}")
    unknown = set(entry) - set(MATCH_KEYS) - set(METRICS)
    if unknown:
        raise PoliciesInvalid(f"unknown keys in a targets entry: {', '.join(sorted(unknown))}")
    match = tuple((key, str(entry[key])) for key in MATCH_KEYS if key in entry)
    targets = tuple((m, parse_duration(entry[m])) for m in METRICS if m in entry)
    return TargetRule(match=match, targets=targets)


def tolerant(calendar: BusinessCalendar) -> BusinessCalendar:
    """The calendar, counting a year its holiday library does not know yet as weekly hours
    only. A legal deadline refuses to guess (CalendarDataMissing); a response target must
    still run late in December, before the State Council publishes the next year."""
    inner: Classifier = calendar.classify
    warned: set[int] = set()

    def classify(on: date) -> tuple[Kind, str]:
        try:
            return inner(on)
        except CalendarDataMissing as exc:
            if on.year not in warned:
                warned.add(on.year)
                log.warning("SLA clock counts %s on weekly hours only: %s", on.year, exc)
            return "regular", ""

    return replace(calendar, classify=classify)
