"""What payments tell the domains above them: staff acting on a stuck payout, and a payout
the provider confirmed after it had failed here. Published in the payment's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from walletdesk.events import Event


@dataclass(frozen=True)
class WithdrawalResent(Event):
    staff_id: int
    customer_id: int
    transaction: str  # public id
    case_id: int | None = None
    ip: str = ""


@dataclass(frozen=True)
class WithdrawalCancelled(Event):
    """A stuck payout was failed by staff; the held funds are back in the balance."""

    staff_id: int
    customer_id: int
    transaction: str
    reason: str
    case_id: int | None = None
    ip: str = ""


@dataclass(frozen=True)
class PayoutPaidAfterFailure(Event):
    """The provider confirmed a payout that had failed here: staff must settle it."""

    customer_id: int
    transaction: str
    amount_minor: int
    currency: str
    occurred_at: datetime
    provider: str
    provider_ref: str
    failure_code: str | None
