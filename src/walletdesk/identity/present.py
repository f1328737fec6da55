"""How identity's records read to a person: local times, masked numbers, and the texts of
events, alerts and SMS in their language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from walletdesk.config import Settings
from walletdesk.i18n import LANGS, gettext
from walletdesk.identity.messages import (
    ALERT_LABELS,
    EVENT_LABELS,
    KYC_LEVEL_LABELS,
    LOCATION_LABELS,
    SMS_TEXTS,
)
from walletdesk.identity.models import SecurityAlert, SecurityEvent


def local_time(moment: datetime | str | None, settings: Settings) -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M")


def mask_id_number(number: str) -> str:
    """First and last few characters only: 110101********1234."""
    if len(number) <= 6:
        return "*" * len(number)
    keep = 4 if len(number) >= 12 else 2
    return number[: keep + 2] + "*" * (len(number) - 2 * keep - 2) + number[-keep:]


def location_text(lang: str, where: str, ip: str = "") -> str:
    label = gettext(lang, LOCATION_LABELS.get(where, LOCATION_LABELS["unknown"]))
    return f"{label} ({ip})" if ip and where != "unknown" else label


def event_text(lang: str, event: SecurityEvent) -> str:
    return gettext(lang, EVENT_LABELS.get(event.kind, event.kind))


def in_every_language(make: Callable[[str], str]) -> dict[str, str]:
    """A parameter of an alert in each language (`{"zh": …, "en": …}`), so that the alert
    reads in one language whichever the page is in; `in_language` picks one."""
    return {lang: make(lang) for lang in LANGS}


def in_language(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """`params` with each parameter given in every language taken in `lang`."""
    return {
        name: (value.get(lang) or value.get("en", "")) if isinstance(value, dict) else value
        for name, value in params.items()
    }


def alert_text(lang: str, alert: SecurityAlert, settings: Settings) -> str:
    params: dict[str, Any] = in_language(dict(alert.params), lang)
    if "location" in params:
        params["location"] = location_text(lang, params["location"], params.get("ip", ""))
    if "time" in params:
        params["time"] = local_time(params["time"], settings)
    if "level" in params:
        params["level"] = gettext(lang, KYC_LEVEL_LABELS.get(params["level"], params["level"]))
    template = ALERT_LABELS.get(alert.kind, alert.kind)
    names = [part.split("}")[0] for part in template.split("{")[1:]]
    return gettext(lang, template, **{name: params.get(name, "") for name in names})


def sms_text(lang: str, kind: str, **params: Any) -> str:
    return gettext(lang, SMS_TEXTS[kind], **params)
