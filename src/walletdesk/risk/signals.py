"""What risk control tells the domains above it: a payment flagged and held, a freeze made or
lifted, a held payment decided. Published in the caller's transaction; plain values only.

A subscriber that opens a review case for a flagged payment or a freeze without one links it
back with `risk.service.link_review_case`; risk keeps that id as its reference to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from walletdesk.events import Event


@dataclass(frozen=True)
class PaymentFlagged(Event):
    """Rules held a payment for review ("review") or froze the account over it ("freeze"):
    it needs a review case. `hit_ids` are the rule hits to link to that case."""

    user_id: int
    action: str
    transaction: str
    tx_kind: str
    amount_minor: int
    currency: str
    occurred_at: datetime
    rules: tuple[str, ...]
    hit_ids: tuple[int, ...]


@dataclass(frozen=True)
class PaymentHeld(Event):
    """The flagged payment waits for staff with its funds held, or (`stopped`) failed as the
    account is frozen. `reason` is a message id."""

    user_id: int
    transaction: str
    reason: str
    stopped: bool
    case_id: int | None = None


@dataclass(frozen=True)
class AccountFrozen(Event):
    """A freeze was made: by staff (`staff_id`; `reason` their words) or by a rule (`reason` a
    message id). Without `case_id` it still needs a review case."""

    freeze_id: int
    user_id: int
    reason: str
    rule: str
    staff_id: int | None = None
    case_id: int | None = None
    ip: str = ""


@dataclass(frozen=True)
class FreezeLifted(Event):
    """One freeze was lifted: through an approval (`staff_id` approved what `requested_by_id`
    asked) or by the system once its cause was settled (`staff_id` None). `case_id`: the
    freeze's own case; `asked_on_case_id`: the case the lifting was asked from, when another
    (a recovery case), whose customer was promised to be told there."""

    freeze_id: int
    user_id: int
    rule: str
    staff_id: int | None = None
    requested_by_id: int | None = None
    case_id: int | None = None
    asked_on_case_id: int | None = None


@dataclass(frozen=True)
class HeldPaymentDecided(Event):
    """Staff released or rejected a payment risk control held."""

    transaction: str
    staff_id: int
    approved: bool
    note: str = ""
    case_id: int | None = None
    ip: str = ""
