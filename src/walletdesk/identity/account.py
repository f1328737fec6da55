"""A customer's own account security: registering by phone, resetting and changing the
password, changing the phone, locking and unlocking the account, and alert preferences.

Answers to "send me a code" never reveal whether a phone is registered: a decoy code is
made (and throttled) the same way when nothing may be sent. Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, ValidationFailed
from walletdesk.events import publish
from walletdesk.identity import attempts, events, otp, service, signals, sms
from walletdesk.identity.logins import mask_phone, normalize_phone
from walletdesk.identity.models import User
from walletdesk.identity.passwords import check_new_password, hash_password, verify_password
from walletdesk.identity.present import local_time, sms_text


def _customer_by_phone(db: Session, phone: str) -> User | None:
    return db.scalar(select(User).where(User.phone == phone, User.role == "customer"))


def _send_code(
    db: Session, *, settings: Settings, phone: str, purpose: str, ip: str, lang: str
) -> None:
    code = otp.new_code(db, settings=settings, phone=phone, purpose=purpose, ip=ip)
    body = sms_text(lang, "code", brand=settings.brand, code=code)
    sms.send_sms(db, settings=settings, to=phone, body=body, kind=f"code_{purpose}")


def _decoy(db: Session, *, settings: Settings, phone: str, purpose: str, ip: str) -> None:
    otp.new_code(db, settings=settings, phone=phone, purpose=purpose, ip=ip)


def request_registration_code(
    db: Session, *, settings: Settings, phone: str, ip: str, lang: str
) -> str:
    """Text a registration code to `phone` (normalised and returned). A registered number
    gets a notice instead, so the answer is the same either way."""
    phone = normalize_phone(phone)
    if db.scalar(select(User.id).where(User.phone == phone)) is None:
        _send_code(db, settings=settings, phone=phone, purpose="register", ip=ip, lang=lang)
        return phone
    _decoy(db, settings=settings, phone=phone, purpose="register", ip=ip)
    body = sms_text(lang, "already_registered", brand=settings.brand)
    sms.send_sms(db, settings=settings, to=phone, body=body, kind="already_registered")
    return phone


def register(
    db: Session,
    *,
    settings: Settings,
    phone: str,
    code: str,
    password: str,
    display_name: str,
    lang: str,
    ip: str,
) -> User:
    """A new customer, once the code texted to their phone checks out."""
    phone = normalize_phone(phone)
    name = display_name.strip()
    if len(name) > 100:
        raise ValidationFailed("Use at most {n} characters.", field="display_name", n=100)
    # Checked before the code so a weak password does not waste the code.
    check_new_password(password, login=phone, name=name)
    otp.use_code(db, settings=settings, phone=phone, purpose="register", code=code)
    user = service.create_user(
        db,
        role="customer",
        phone=phone,
        password=password,
        display_name=name or mask_phone(phone),
        lang=lang,
    )
    events.record_event(db, user_id=user.id, kind="registered", ip=ip)
    return user


def request_reset_code(db: Session, *, settings: Settings, phone: str, ip: str, lang: str) -> str:
    """ "If this number is registered, a code was sent": the same answer either way."""
    phone = normalize_phone(phone)
    user = _customer_by_phone(db, phone)
    if user is None:
        _decoy(db, settings=settings, phone=phone, purpose="reset", ip=ip)
    else:
        _send_code(db, settings=settings, phone=phone, purpose="reset", ip=ip, lang=user.lang)
    return phone


def reset_password(
    db: Session, *, settings: Settings, phone: str, code: str, password: str, ip: str
) -> User:
    """Set a new password with a texted code; every session is signed out."""
    phone = normalize_phone(phone)
    user = _customer_by_phone(db, phone)
    check_new_password(password, login=phone, name=user.display_name if user else "")
    otp.use_code(db, settings=settings, phone=phone, purpose="reset", code=code)
    if user is None:  # only a decoy code existed, and nobody knows it
        raise ValidationFailed("The code is wrong. Check the SMS and try again.", field="code")
    user.password_hash = hash_password(password, settings=settings)
    attempts.forgive(db, login=user.login)  # the delay guards the password, now replaced
    service.revoke_sessions(db, user_id=user.id)
    events.record_event(db, user_id=user.id, kind="password_reset", ip=ip)
    events.raise_alert(db, user_id=user.id, kind="password_reset", time=utcnow().isoformat())
    _notify(db, settings=settings, user=user, kind="password_changed")
    return user


def change_password(
    db: Session,
    *,
    settings: Settings,
    user: User,
    password: str,
    keep_session_id: int,
    ip: str,
    device: str,
) -> None:
    """A new password (after re-authentication); other sessions are signed out."""
    check_new_password(password, login=user.login, name=user.display_name)
    if verify_password(user.password_hash, password, settings=settings):
        raise ValidationFailed("The new password is the same as the current one.", field="password")
    user.password_hash = hash_password(password, settings=settings)
    service.revoke_sessions(db, user_id=user.id, keep_session_id=keep_session_id)
    events.record_event(db, user_id=user.id, kind="password_changed", ip=ip, device=device)
    _notify(db, settings=settings, user=user, kind="password_changed")


def request_phone_code(
    db: Session, *, settings: Settings, user: User, new_phone: str, ip: str
) -> str:
    """Text a code to the new number (after re-authentication); returns it normalised."""
    phone = normalize_phone(new_phone)
    if phone == user.phone:
        raise ValidationFailed("This is already your phone number.", field="phone")
    if db.scalar(select(User.id).where(User.phone == phone)) is not None:
        raise Conflict("This phone number belongs to another account.", field="phone")
    _send_code(db, settings=settings, phone=phone, purpose="phone", ip=ip, lang=user.lang)
    return phone


def change_phone(
    db: Session,
    *,
    settings: Settings,
    user: User,
    new_phone: str,
    code: str,
    ip: str,
    device: str,
) -> None:
    phone = normalize_phone(new_phone)
    otp.use_code(db, settings=settings, phone=phone, purpose="phone", code=code)
    if db.scalar(select(User.id).where(User.phone == phone, User.id != user.id)) is not None:
        raise Conflict("This phone number belongs to another account.", field="phone")
    old = user.phone
    user.phone = phone
    db.flush()
    events.record_event(
        db,
        user_id=user.id,
        kind="phone_changed",
        ip=ip,
        device=device,
        details={"from": mask_phone(old), "to": mask_phone(phone)},
    )
    if old:  # the old number hears of it: a thief changing the phone does not go unseen
        body = sms_text(
            user.lang,
            "phone_changed",
            brand=settings.brand,
            phone=mask_phone(phone),
            time=local_time(utcnow(), settings),
        )
        sms.send_sms(db, settings=settings, to=old, body=body, kind="phone_changed")


# Reasons that say the account or the phone is in someone else's hands.
_STOLEN_WORDS = ("stolen", "hacked", "theft", "被盗", "盗号", "被偷", "被黑")


def reports_theft(reason: str) -> bool:
    lowered = reason.lower()
    return any(word in lowered for word in _STOLEN_WORDS)


def lock_account(
    db: Session, *, user: User, reason: str, ip: str, device: str, stolen: bool = False
) -> bool:
    """The customer's emergency brake: no money movement and no security change, every
    session ends (a new sign-in reaches support only). A lock for theft (`stolen`, or a
    reason that says so) makes the unlock ask for a new password; returns whether it was."""
    if user.self_locked_at is not None:
        return False
    user.self_locked_at = utcnow()
    user.self_lock_reason = reason.strip()[:200]
    user.self_lock_stolen = stolen or reports_theft(user.self_lock_reason)
    service.revoke_sessions(db, user_id=user.id)
    events.record_event(
        db,
        user_id=user.id,
        kind="account_locked",
        ip=ip,
        device=device,
        details={"reason": user.self_lock_reason, "stolen": user.self_lock_stolen},
    )
    return user.self_lock_stolen


def report_stolen(db: Session, *, user: User, reason: str, ip: str = "") -> None:
    """The customer locked their account as stolen: audited (the customer is the actor) and
    published, so that staff review it with priority (cases open the review case)."""
    audit.record(
        db,
        actor_id=user.id,
        action="account.reported_stolen",
        subject_type="user",
        subject_id=user.id,
        details={"reason": reason},
        ip=ip,
    )
    publish(db, signals.AccountReportedStolen(user_id=user.id, reason=reason, ip=ip))


def is_locked(db: Session, *, settings: Settings, user: User) -> bool:
    """Locked in a way the customer can lift with an SMS code: their own lock, or the delay
    after wrong passwords (running, or earned and waiting for the next wrong try)."""
    if user.self_locked_at is not None:
        return True
    return attempts.failures(db, login=user.login) >= settings.login_max_failures or bool(
        attempts.delayed_until(db, login=user.login)
    )


def request_unlock_code(db: Session, *, settings: Settings, phone: str, ip: str, lang: str) -> str:
    """Text an unlock code when the number's account is locked; otherwise a decoy, so the
    answer ("if this number's account is locked, a code was sent") is the same either way."""
    phone = normalize_phone(phone)
    user = _customer_by_phone(db, phone)
    if user is None or not is_locked(db, settings=settings, user=user):
        _decoy(db, settings=settings, phone=phone, purpose="unlock", ip=ip)
    else:
        _send_code(db, settings=settings, phone=phone, purpose="unlock", ip=ip, lang=user.lang)
    return phone


def customer_of_phone(db: Session, *, phone: str) -> User | None:
    """The customer whose registered phone this is (typed any usual way), if any."""
    return _customer_by_phone(db, normalize_phone(phone))


def request_recovery_code(db: Session, *, settings: Settings, phone: str, ip: str) -> str:
    """Text an account-recovery code to a customer's registered phone; a decoy otherwise, so
    the answer is the same whether or not the number is registered. Returns it normalised."""
    phone = normalize_phone(phone)
    user = _customer_by_phone(db, phone)
    if user is None:
        _decoy(db, settings=settings, phone=phone, purpose="recovery", ip=ip)
    else:
        _send_code(db, settings=settings, phone=phone, purpose="recovery", ip=ip, lang=user.lang)
    return phone


def confirm_recovery_code(db: Session, *, settings: Settings, phone: str, code: str) -> User:
    """The customer the recovery code texted to `phone` proves to hold it; a wrong try is
    counted (the caller commits it) and raises ValidationFailed(field="code")."""
    phone = normalize_phone(phone)
    otp.use_code(db, settings=settings, phone=phone, purpose="recovery", code=code)
    user = _customer_by_phone(db, phone)
    if user is None:  # only a decoy code existed, and nobody knows it
        raise ValidationFailed("The code is wrong. Check the SMS and try again.", field="code")
    return user


@dataclass
class Unlocked:
    user: User
    locked_at: datetime | None  # the customer's own lock; None for a delay
    reason: str
    password_changed: bool


def unlock_account(
    db: Session,
    *,
    settings: Settings,
    phone: str,
    code: str,
    password: str,
    ip: str,
    new_password: str = "",
) -> Unlocked:
    """Lift the customer's own lock, or the delay after wrong passwords, with a code texted
    to the registered phone and the password. After a lock for theft a new password is set
    too, and every session ends. A wrong password counts towards the delay (the caller
    commits it)."""
    phone = normalize_phone(phone)
    found = _customer_by_phone(db, phone)
    if new_password:  # checked before the code so a weak password does not waste it
        try:
            check_new_password(new_password, login=phone, name=found.display_name if found else "")
        except ValidationFailed as exc:
            exc.field = "new_password"
            raise
    otp.use_code(db, settings=settings, phone=phone, purpose="unlock", code=code)
    if found is None or not is_locked(db, settings=settings, user=found):
        raise ValidationFailed("The code is wrong. Check the SMS and try again.", field="code")
    user = found
    attempts.forgive(db, login=user.login)  # the code proves the phone: checks start afresh
    service.confirm_password(db, settings=settings, user=user, password=password, ip=ip)
    changed = user.self_locked_at is not None and user.self_lock_stolen
    if changed:
        _replace_stolen_password(db, settings=settings, user=user, new_password=new_password)
    events.record_event(
        db,
        user_id=user.id,
        kind="account_unlocked",
        ip=ip,
        details={
            "locked_at": user.self_locked_at.isoformat() if user.self_locked_at else None,
            "reason": user.self_lock_reason,
            "password_changed": changed,
        },
    )
    unlocked = Unlocked(user, user.self_locked_at, user.self_lock_reason, changed)
    user.self_locked_at = None
    user.self_lock_reason = ""
    user.self_lock_stolen = False
    db.flush()
    return unlocked


def _replace_stolen_password(
    db: Session, *, settings: Settings, user: User, new_password: str
) -> None:
    """After a theft the old password may be known to the thief: a new one, all sessions end."""
    if not new_password:
        raise ValidationFailed(
            "You locked this account because it was stolen: choose a new password to unlock it.",
            field="new_password",
            code="new_password_required",
        )
    if verify_password(user.password_hash, new_password, settings=settings):
        raise ValidationFailed(
            "The new password is the same as the current one.", field="new_password"
        )
    user.password_hash = hash_password(new_password, settings=settings)
    service.revoke_sessions(db, user_id=user.id)
    events.record_event(db, user_id=user.id, kind="password_changed")
    _notify(db, settings=settings, user=user, kind="password_changed")


def set_transaction_alerts(db: Session, *, user: User, enabled: bool, ip: str, device: str) -> None:
    if user.transaction_alerts == enabled:
        return
    user.transaction_alerts = enabled
    events.record_event(
        db,
        user_id=user.id,
        kind="alerts_changed",
        ip=ip,
        device=device,
        details={"transaction_alerts": enabled},
    )


def _notify(db: Session, *, settings: Settings, user: User, kind: str) -> None:
    if user.phone:
        body = sms_text(user.lang, kind, brand=settings.brand, time=local_time(utcnow(), settings))
        sms.send_sms(db, settings=settings, to=user.phone, body=body, kind=kind)
