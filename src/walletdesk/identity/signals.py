"""What identity tells the domains above it: typed events published inside the transaction
that made the change (staff acting on an account, a customer signing in or reporting theft).

Fields are plain values; `case_id` is the case staff acted from, passed through untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

from walletdesk.events import Event


@dataclass(frozen=True)
class SignedIn(Event):
    """Someone (a customer or staff) is signing in; published before the sign-in joins the
    security event log, so a subscriber comparing with earlier sign-ins does not see it."""

    user_id: int
    device_id: int
    new_device: bool  # a device not seen before on an account that already had one
    ip: str = ""


@dataclass(frozen=True)
class AccountReportedStolen(Event):
    """The customer locked their account and said it was stolen."""

    user_id: int
    reason: str  # the customer's own words, possibly empty
    ip: str = ""


@dataclass(frozen=True)
class PersonalDataRevealed(Event):
    staff_id: int
    customer_id: int
    fields: tuple[str, ...]
    case_id: int | None = None
    ip: str = ""


@dataclass(frozen=True)
class AccountUnlocked(Event):
    """Staff lifted the customer's locks; `lifted` holds "wrong_password" and/or "self_lock"."""

    staff_id: int
    customer_id: int
    lifted: tuple[str, ...]
    reason: str
    case_id: int | None = None
    ip: str = ""


@dataclass(frozen=True)
class PasswordResetCodeSent(Event):
    staff_id: int
    customer_id: int
    phone_masked: str
    case_id: int | None = None
    ip: str = ""
