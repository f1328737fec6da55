"""What staff see of a customer's personal data (masked unless revealed, and each reveal
audited) and what they do to the account: lift a lock, send a password reset code.

Every function checks its permission itself (identity.permissions), writes an audit entry and
publishes what it did (identity.signals; cases put it on the timeline of the case staff act
from). Functions flush, never commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Row, case, select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.events import publish
from walletdesk.i18n import N_
from walletdesk.identity import account, attempts, events, service, signals, sms
from walletdesk.identity.kyc_models import KycSubmission
from walletdesk.identity.logins import mask_phone
from walletdesk.identity.models import User
from walletdesk.identity.passwords import hash_password
from walletdesk.identity.permissions import require_permission
from walletdesk.identity.present import local_time, mask_id_number, sms_text

# The personal data a customer panel masks, in the order shown, with their labels.
REVEALABLE = {
    "real_name": N_("Real name"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "id_number": N_("ID number"),
}


@dataclass(frozen=True)
class Profile:
    """A customer's personal data as one member of staff may see it now."""

    customer_id: int
    display_name: str
    kyc_level: str
    id_type: str  # "id_card", "passport" or "" when no ID was submitted
    kyc_status: str  # of the submission the name and ID number come from
    values: dict[str, str]  # field → value, masked unless in `revealed`
    revealed: frozenset[str] = field(default_factory=frozenset)

    @property
    def masked(self) -> list[str]:
        """The fields that have a value and are still masked (what "show in full" would show)."""
        return [name for name, value in self.values.items() if value and name not in self.revealed]


def profile_of(db: Session, *, customer: User, reveal: Collection[str] = ()) -> Profile:
    """The customer's profile, with the fields in `reveal` in full. Revealing is the caller's
    business to allow and record (see `reveal_personal_data`)."""
    submission = _identity_submission(db, user_id=customer.id)
    full = {
        "real_name": submission.real_name if submission else "",
        "phone": customer.phone or "",
        "email": customer.email or "",
        "id_number": submission.id_number if submission else "",
    }
    shown = frozenset(name for name in reveal if name in REVEALABLE)
    return Profile(
        customer_id=customer.id,
        display_name=customer.display_name,
        kyc_level=customer.kyc_level,
        id_type=submission.id_type if submission else "",
        kyc_status=submission.status if submission else "",
        values={
            name: value if name in shown else _mask(name, value) for name, value in full.items()
        },
        revealed=shown,
    )


def reveal_personal_data(
    db: Session,
    *,
    staff: User,
    customer_id: int,
    fields: Collection[str],
    case_id: int | None = None,
    ip: str = "",
) -> frozenset[str]:
    """Allow `staff` to see `fields` of the customer in full this once: audited, and on the
    case's timeline. Returns the fields to show."""
    require_permission(staff, "customer.reveal")
    chosen = frozenset(fields)
    if not chosen or not chosen <= set(REVEALABLE):
        raise ValidationFailed("Choose what to show in full.", field="fields")
    customer = _customer(db, customer_id)
    ordered = [name for name in REVEALABLE if name in chosen]
    audit.record(
        db,
        actor_id=staff.id,
        action="customer.reveal",
        subject_type="user",
        subject_id=customer.id,
        details={"fields": ordered, "case_id": case_id},
        ip=ip,
    )
    revealed = signals.PersonalDataRevealed(
        staff_id=staff.id, customer_id=customer.id, fields=tuple(ordered), case_id=case_id, ip=ip
    )
    publish(db, revealed)
    return chosen


def unlock_account(
    db: Session,
    *,
    settings: Settings,
    staff: User,
    customer_id: int,
    reason: str,
    case_id: int | None = None,
    ip: str = "",
) -> list[str]:
    """Lift the lock after wrong passwords and the customer's own lock, whichever are on.
    The customer is told by an alert and an SMS (a thief asking support is not unseen).
    Returns what was lifted: "wrong_password", "self_lock"."""
    require_permission(staff, "account.unlock")
    reason = _reason(reason)
    customer = _customer(db, customer_id, for_update=True)
    now = utcnow()
    lifted = []
    if customer.locked_until is not None and customer.locked_until > now:
        lifted.append("wrong_password")
    if customer.self_locked_at is not None:
        lifted.append("self_lock")
    if not lifted:
        raise Conflict("This account is not locked.")
    details: dict[str, object] = {"lifted": lifted}
    if customer.self_locked_at is not None:
        details["self_locked_at"] = customer.self_locked_at.isoformat()
        details["self_lock_reason"] = customer.self_lock_reason
    attempts.forgive(db, login=customer.login)
    customer.locked_until = None
    customer.failed_logins = 0
    customer.self_locked_at = None
    customer.self_lock_reason = ""
    customer.self_lock_stolen = False
    events.record_event(db, user_id=customer.id, kind="unlocked_by_staff", details=details)
    events.raise_alert(db, user_id=customer.id, kind="unlocked_by_staff", time=now.isoformat())
    _text(db, settings=settings, customer=customer, kind="unlocked_by_staff", now=now)
    audit.record(
        db,
        actor_id=staff.id,
        action="account.unlock",
        subject_type="user",
        subject_id=customer.id,
        details={**details, "reason": reason, "case_id": case_id},
        ip=ip,
    )
    unlocked = signals.AccountUnlocked(
        staff_id=staff.id,
        customer_id=customer.id,
        lifted=tuple(lifted),
        reason=reason,
        case_id=case_id,
        ip=ip,
    )
    publish(db, unlocked)
    db.flush()
    return lifted


def send_password_reset_code(
    db: Session,
    *,
    settings: Settings,
    staff: User,
    customer_id: int,
    case_id: int | None = None,
    ip: str = "",
) -> str:
    """Text a password reset code to the customer's registered phone (never to a number
    staff type in), the customer's own reset path. Returns the phone, masked."""
    require_permission(staff, "password_reset.send")
    customer = _customer(db, customer_id)
    if not customer.phone:
        raise ValidationFailed("This customer has no registered phone.")
    # No address: the per-address throttle guards anonymous callers, and a support office
    # shares one address; the per-phone throttle still holds, and the audit keeps staff's.
    account.request_reset_code(
        db, settings=settings, phone=customer.phone, ip="", lang=customer.lang
    )
    masked = mask_phone(customer.phone)
    events.record_event(db, user_id=customer.id, kind="reset_code_sent_by_staff")
    audit.record(
        db,
        actor_id=staff.id,
        action="password_reset.send",
        subject_type="user",
        subject_id=customer.id,
        details={"to": masked, "case_id": case_id},
        ip=ip,
    )
    sent = signals.PasswordResetCodeSent(
        staff_id=staff.id, customer_id=customer.id, phone_masked=masked, case_id=case_id, ip=ip
    )
    publish(db, sent)
    return masked


def secure_stolen_account(
    db: Session,
    *,
    settings: Settings,
    staff: User,
    customer_id: int,
    reason: str,
    case_id: int | None = None,
    ip: str = "",
) -> None:
    """After a theft the password may be known to the thief: it is replaced by one nobody
    knows and every session ends; the customer chooses a new one with a code texted to the
    registered phone (Forgot password). Told by an alert and an SMS; audited."""
    require_permission(staff, "account.secure")
    reason = _reason(reason)
    customer = _customer(db, customer_id, for_update=True)
    now = utcnow()
    customer.password_hash = hash_password(secrets.token_urlsafe(32), settings=settings)
    attempts.forgive(db, login=customer.login)
    service.revoke_sessions(db, user_id=customer.id)
    events.record_event(db, user_id=customer.id, kind="secured_by_staff")
    events.raise_alert(db, user_id=customer.id, kind="password_reset", time=now.isoformat())
    _text(db, settings=settings, customer=customer, kind="secured_by_staff", now=now)
    audit.record(
        db,
        actor_id=staff.id,
        action="account.secure",
        subject_type="user",
        subject_id=customer.id,
        details={"reason": reason, "case_id": case_id},
        ip=ip,
    )
    db.flush()


def _customer(db: Session, customer_id: int, *, for_update: bool = False) -> User:
    query = select(User).where(User.id == customer_id, User.role == "customer")
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    customer = db.scalar(query)
    if customer is None:
        raise NotFound("This customer does not exist.")
    return customer


def _identity_submission(db: Session, *, user_id: int) -> Row[str, str, str, str] | None:
    """Where the real name and ID number come from: the newest approved submission, else the
    newest one at all (its status is shown beside it). Columns only: no documents loaded."""
    approved_first = case((KycSubmission.status == "approved", 0), else_=1)
    sub = KycSubmission
    return db.execute(
        select(sub.real_name, sub.id_number, sub.id_type, sub.status)
        .where(KycSubmission.user_id == user_id)
        .order_by(approved_first, KycSubmission.id.desc())
        .limit(1)
    ).first()


def _mask(name: str, value: str) -> str:
    if not value:
        return ""
    if name == "phone":
        return mask_phone(value)
    if name == "id_number":
        return mask_id_number(value)
    if name == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return value[:1] + "*" * max(len(value) - 1, 1)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why, for the audit log.", field="reason")
    return reason[:200]


def _text(db: Session, *, settings: Settings, customer: User, kind: str, now: datetime) -> None:
    if customer.phone:
        body = sms_text(customer.lang, kind, brand=settings.brand, time=local_time(now, settings))
        sms.send_sms(db, settings=settings, to=customer.phone, body=body, kind=kind)
