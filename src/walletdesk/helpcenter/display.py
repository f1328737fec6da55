"""What help-center and admin pages share for display: local times and the English msgids
of stored codes (channel kinds, regions, announcement kinds), translated in templates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

CHANNEL_KIND_LABELS = {
    "phone": "Phone",
    "website": "Website",
    "email": "Email",
    "social": "Social media",
    "app": "App",
}
REGION_LABELS = {"CN": "Mainland China", "INTL": "From abroad"}
ANNOUNCEMENT_KIND_LABELS = {
    "notice": "Notice",
    "policy": "Policy change",
    "maintenance": "Maintenance",
    "security": "Security notice",
}


def local_formatter(timezone: str) -> Callable[..., str]:
    """`when(dt)` for templates: the time in the service's time zone, e.g. 2025-03-01 14:05."""
    zone = ZoneInfo(timezone)

    def when(value: datetime | None, *, date_only: bool = False) -> str:
        if value is None:
            return ""
        local = value.astimezone(zone)
        return local.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M")

    return when


def page_values(timezone: str) -> dict[str, object]:
    """Values every help-center and admin template may use."""
    return {
        "when": local_formatter(timezone),
        "kind_labels": CHANNEL_KIND_LABELS,
        "region_labels": REGION_LABELS,
        "announcement_kinds": ANNOUNCEMENT_KIND_LABELS,
    }
