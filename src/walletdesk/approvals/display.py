"""How approval requests read on staff pages (the queue and a case's panel): the kind's label,
what it would do, and its status, in the reader's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from walletdesk.approvals.models import Approval
from walletdesk.approvals.service import KINDS
from walletdesk.i18n import N_, Translator
from walletdesk.identity.logins import mask_phone

STATUS_LABELS = {
    "pending": N_("Waiting for approval"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}


class ApprovalDisplay:
    def __init__(self, _: Translator, *, tz: str = "UTC") -> None:
        self._ = _
        self.tz = ZoneInfo(tz)

    def time(self, when: datetime | None) -> str:
        """Local time of the service, as every staff page shows it."""
        return when.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if when else ""

    def phone(self, phone: str | None) -> str:
        return mask_phone(phone)

    def label(self, approval: Approval) -> str:
        kind = KINDS.get(approval.kind)
        return self._(kind.label) if kind else approval.kind

    def details(self, approval: Approval) -> list[tuple[str, str]]:
        """(label, value) rows of what carrying it out would do."""
        kind = KINDS.get(approval.kind)
        described = kind.describe(approval) if kind else {}
        return [(self._(label), str(value)) for label, value in described.items()]

    def status(self, status: str) -> str:
        return self._(STATUS_LABELS.get(status, status))
