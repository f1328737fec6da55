"""What approvals tell the domains above them: a request for a second person was made, and
it was decided. Published in the transaction of the request or decision; plain values only.
"""

from __future__ import annotations

from dataclasses import dataclass

from walletdesk.events import Event


@dataclass(frozen=True)
class ApprovalRequested(Event):
    approval_id: int
    kind: str
    label: str  # message id naming the kind ("Refund a fee")
    staff_id: int
    customer_id: int
    reason: str
    case_id: int | None = None
    ip: str = ""


@dataclass(frozen=True)
class ApprovalDecided(Event):
    """Published after an approved request was carried out (its own events come first)."""

    approval_id: int
    kind: str
    label: str
    staff_id: int
    customer_id: int
    approved: bool
    note: str
    case_id: int | None = None
    ip: str = ""
