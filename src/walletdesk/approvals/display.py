"""How approval requests read on staff pages (the queue and a case's panel): the kind's label,
what it would do, and its status, in the reader's language."""

from __future__ import annotations

from walletdesk.approvals.models import Approval
from walletdesk.approvals.service import KINDS
from walletdesk.i18n import N_, Translator

STATUS_LABELS = {
    "pending": N_("Waiting for approval"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}


class ApprovalDisplay:
    def __init__(self, _: Translator) -> None:
        self._ = _

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
