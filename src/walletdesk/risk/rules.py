"""The risk rules: read from rules.yaml (or an override file, merged rule by rule, read again
when it changes), and the checks themselves as plain functions of the figures the service
gathers. No database here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from walletdesk.i18n import N_

DEFAULT_PATH = Path(__file__).with_name("rules.yaml")
ACTIONS = ("alert", "review", "freeze")
# What a verdict does when several rules match: the strongest action wins.
STRENGTH = {"pass": 0, "alert": 1, "review": 2, "freeze": 3}

# Why, in plain words, for the customer (alerts, SMS, the case, the wallet page): no figures,
# so that a freeze's stored reason can be translated whenever it is shown.
REASONS = {
    "new_device_login": N_(
        "Your account was signed in to from a new device or place shortly before."
    ),
    "large_withdrawal": N_("Large withdrawals are checked by our staff before they are paid."),
    "unusual_amount": N_("The amount is much larger than the payments you usually make."),
    "velocity": N_("Many payments left your account in a short time."),
    "new_account_large_withdrawal": N_("A large withdrawal from a newly opened account."),
}
# Freezes made by the system for what no rule decides: money the customer owes, an account its
# owner reported stolen.
SYSTEM_REASONS = {
    "reported_stolen": N_(
        "You reported your account stolen, so money cannot leave it until we have checked "
        "that it is yours."
    ),
    "chargeback_owed": N_(
        "A deposit was taken back by the payer's bank after the money had been used; the "
        "amount owed has to be settled first."
    ),
}
# What staff read in lists of hits and freezes.
LABELS = {
    "new_device_login": N_("Sign-in from a new device or place"),
    "large_withdrawal": N_("Large withdrawal"),
    "unusual_amount": N_("Unusual amount"),
    "velocity": N_("Many payments in a short time"),
    "new_account_large_withdrawal": N_("Large withdrawal from a new account"),
    "staff": N_("Frozen by staff"),
    "chargeback_owed": N_("Money owed after a chargeback"),
    "reported_stolen": N_("Reported stolen by the customer"),
}
ACTION_LABELS = {
    "alert": N_("Alert"),
    "review": N_("Hold for review"),
    "freeze": N_("Freeze the account"),
}


class RulesInvalid(ValueError):
    """The rules file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Rule:
    key: str
    enabled: bool
    action: str
    params: Mapping[str, Any]

    def number(self, name: str, default: Decimal | None = None) -> Decimal:
        value = self.params.get(name)
        if value is None:
            if default is None:
                raise RulesInvalid(f"rule {self.key}: {name} is not set")
            return default
        return Decimal(str(value))


@dataclass(frozen=True)
class Match:
    """One rule that matched, with the action it is set to take and what it compared."""

    rule: str
    action: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    matches: tuple[Match, ...] = ()

    @property
    def action(self) -> str:
        """ "pass", or the strongest action of the rules that matched."""
        return max((m.action for m in self.matches), key=STRENGTH.__getitem__, default="pass")

    @property
    def deciding(self) -> Match | None:
        """The match whose action the verdict takes (the first of the strongest)."""
        strongest = [m for m in self.matches if m.action == self.action]
        return strongest[0] if strongest else None


# --- loading -------------------------------------------------------------------------------


log = logging.getLogger("walletdesk.risk")
# Override file → (its size and modification time when read, the rules read from it).
_loaded: dict[Path | None, tuple[tuple[int, int] | None, dict[str, Rule]]] = {}
_loading = threading.Lock()


def load_rules(path: Path | None = None) -> dict[str, Rule]:
    """The bundled rules, overridden rule by rule by `path` when given. An edited override
    takes effect on the next check, without a restart; an edit with a mistake is logged and
    the rules in force stay (the first read of a file with a mistake raises RulesInvalid)."""
    stamp = _stamp(path)
    known = _loaded.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    with _loading:
        try:
            rules = _merged(path)
        except RulesInvalid as exc:
            if known is None:
                raise
            log.error("risk rules unchanged, the edited file is refused: %s", exc)
            rules = known[1]
        _loaded[path] = (stamp, rules)
    return rules


def _stamp(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        found = path.stat()
    except OSError:
        return (-1, -1)  # gone: reading it says why
    return (found.st_size, found.st_mtime_ns)


def _merged(path: Path | None) -> dict[str, Rule]:
    merged = _rules_of(DEFAULT_PATH, _read(DEFAULT_PATH), defaults=None)
    if path is not None:
        merged = _rules_of(path, _read(path), defaults=merged)
    return merged


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RulesInvalid(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules", {}), dict):
        raise RulesInvalid(f"{path}: expected a mapping `rules:` of rule names")
    return dict(data.get("rules") or {})


def _rules_of(
    path: Path, raw: dict[str, Any], *, defaults: dict[str, Rule] | None
) -> dict[str, Rule]:
    rules = dict(defaults or {})
    for key, spec in raw.items():
        if key not in REASONS:
            raise RulesInvalid(f"{path}: unknown rule {key!r}")
        if not isinstance(spec, dict) or set(spec) - {"enabled", "action", "params"}:
            raise RulesInvalid(f"{path}: rule {key} takes enabled, action and params")
        base = rules.get(key) or Rule(key, True, "review", {})
        params = dict(base.params)
        for name, value in (spec.get("params") or {}).items():
            if defaults is not None and name not in base.params:
                raise RulesInvalid(f"{path}: rule {key} has no param {name!r}")
            if value is not None and not isinstance(value, int | float):
                raise RulesInvalid(f"{path}: rule {key}: {name} must be a number or null")
            params[name] = value
        action = spec.get("action", base.action)
        if action not in ACTIONS:
            raise RulesInvalid(f"{path}: rule {key}: action must be one of {', '.join(ACTIONS)}")
        rules[key] = Rule(key, bool(spec.get("enabled", base.enabled)), action, params)
    if defaults is None and set(rules) != set(REASONS):
        raise RulesInvalid(f"{path}: every rule needs its defaults here")
    return rules


# --- the checks ----------------------------------------------------------------------------


def _match(rule: Rule, **details: Any) -> Match:
    shown = {k: str(v) if isinstance(v, Decimal | timedelta) else v for k, v in details.items()}
    return Match(rule.key, rule.action, shown)


def large_withdrawal(rule: Rule, *, amount_cny: Decimal, threshold_cny: Decimal) -> Match | None:
    threshold = rule.number("threshold_cny", threshold_cny)
    if amount_cny >= threshold:
        return _match(rule, amount_cny=amount_cny, threshold_cny=threshold)
    return None


def unusual_amount(rule: Rule, *, amount_cny: Decimal, largest_cny: Decimal) -> Match | None:
    """Far above the customer's own largest recent payment, and not a small sum anyway."""
    multiple, floor = rule.number("multiple"), rule.number("floor_cny")
    if amount_cny >= floor and amount_cny > multiple * largest_cny:
        return _match(
            rule, amount_cny=amount_cny, largest_recent_cny=largest_cny, multiple=multiple
        )
    return None


def velocity(rule: Rule, *, count: int, total_cny: Decimal) -> Match | None:
    """`count` and `total_cny` include the payment being checked."""
    max_count, max_total = rule.number("max_count"), rule.number("max_total_cny")
    if count > max_count or total_cny > max_total:
        return _match(
            rule,
            count=count,
            total_cny=total_cny,
            window_minutes=rule.params.get("window_minutes"),
            max_count=max_count,
            max_total_cny=max_total,
        )
    return None


def new_account_large_withdrawal(
    rule: Rule, *, amount_cny: Decimal, account_age: timedelta, threshold_cny: Decimal
) -> Match | None:
    threshold = rule.number("threshold_cny", threshold_cny)
    young = account_age < timedelta(days=float(rule.number("account_age_days")))
    if young and amount_cny >= threshold:
        return _match(rule, amount_cny=amount_cny, account_age=account_age, threshold_cny=threshold)
    return None


def new_device_login(rule: Rule, *, new_device: bool, new_location: str) -> Match | None:
    """At the sign-in itself; `new_location` is the coarse place when none before came from it."""
    if not (new_device or new_location):
        return None
    # Nothing is paid at a sign-in, so there is nothing to hold: review works as alert here.
    action = "alert" if rule.action == "review" else rule.action
    return Match(rule.key, action, {"new_device": new_device, "new_location": new_location})


def review_window(rule: Rule) -> timedelta:
    """How long after a new-device sign-in withdrawals go to review (zero: never)."""
    return timedelta(hours=float(rule.number("review_withdrawals_hours", Decimal(0))))
