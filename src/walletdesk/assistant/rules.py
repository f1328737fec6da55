"""The assistant's rules (rules.yaml): the words that hand a conversation over to a person
whatever else is said (distress), what counts as small talk, and which details a problem
article's case category needs. The rest of the handover decision is learned (handover.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from walletdesk.helpcenter.textnorm import clean

RULES_PATH = Path(__file__).with_name("rules.yaml")

# Handover reasons that are urgent: the conversation goes before others in the queue.
PRIORITY: dict[str, str] = {"distress": "urgent", "account_stolen": "high", "fraud": "high"}


@dataclass(frozen=True)
class HandoverRule:
    reason: str
    always: tuple[re.Pattern[str], ...]

    def matches(self, text: str) -> bool:
        return any(p.search(text) for p in self.always)


@dataclass(frozen=True)
class Rules:
    handover: tuple[HandoverRule, ...]
    smalltalk: dict[str, tuple[re.Pattern[str], ...]]
    details: dict[str, str]  # article slug -> case category
    categories: dict[str, tuple[str, ...]]  # case category -> details asked, in order


def _patterns(spec: Any) -> tuple[re.Pattern[str], ...]:
    """A list of patterns, or {zh: [...], en: [...]}: every language's, in order."""
    if not spec:
        return ()
    items = [p for values in spec.values() for p in values] if isinstance(spec, dict) else spec
    return tuple(re.compile(str(p)) for p in items)


@cache
def load_rules(path: Path = RULES_PATH) -> Rules:
    data = yaml.safe_load(path.read_text("utf-8"))
    handover = tuple(
        HandoverRule(reason=reason, always=_patterns(spec.get("always")))
        for reason, spec in data["handover"].items()
    )
    return Rules(
        handover=handover,
        smalltalk={kind: _patterns(p) for kind, p in data["smalltalk"].items()},
        details={str(k): str(v) for k, v in data["details"].items()},
        categories={str(k): tuple(v) for k, v in data["categories"].items()},
    )


def normalised(text: str) -> str:
    """What the rules match on: the help center's normalisation (NFKC, lower case, Simplified),
    whitespace runs as one space."""
    return re.sub(r"\s+", " ", clean(text)).strip()


def always_reason(text: str) -> str | None:
    """The first handover rule whose patterns `text` (normalised) matches, or None."""
    for rule in load_rules().handover:
        if rule.matches(text):
            return rule.reason
    return None


def smalltalk_kind(text: str) -> str | None:
    """greeting, thanks, bye or bot when the whole (normalised) message is small talk."""
    for kind, patterns in load_rules().smalltalk.items():
        if any(p.search(text) for p in patterns):
            return kind
    return None
