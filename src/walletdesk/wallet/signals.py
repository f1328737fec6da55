"""What the wallet tells the domains above it: adjustments carried out after a second
person approved them. Published in the ledger's transaction; amounts in minor units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from walletdesk.events import Event


@dataclass(frozen=True)
class WalletCredited(Event):
    """A fee refund or compensation was paid into the customer's wallet."""

    approval_id: int
    kind: str  # the approval's kind: "fee_refund" or "compensation"
    staff_id: int  # who approved it
    customer_id: int
    amount_minor: int
    currency: str
    transaction: str  # the public id of the credit in the customer's history
    case_id: int | None = None


@dataclass(frozen=True)
class FeesWaived(Event):
    approval_id: int
    staff_id: int
    customer_id: int
    until: datetime
    case_id: int | None = None


@dataclass(frozen=True)
class DebtWrittenOff(Event):
    """Money owed after a chargeback was written off: the wallet bears the loss."""

    approval_id: int
    staff_id: int
    customer_id: int
    amount_minor: int
    currency: str
    case_id: int | None = None
