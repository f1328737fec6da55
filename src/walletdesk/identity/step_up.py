"""Step-up before money leaves the wallet (a transfer, a withdrawal, binding a card): at or
above the configured CNY-equivalent, or from a device that is new to the account, the holder
confirms with a code: their authenticator app's (or a backup code) when they use two-step
verification, else one texted to the registered phone. Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import Forbidden, RateLimited, Unauthorized, ValidationFailed
from walletdesk.i18n import N_, gettext
from walletdesk.identity import otp, service, sms, totp
from walletdesk.identity.logins import mask_phone
from walletdesk.identity.models import AuthSession, Device
from walletdesk.identity.present import sms_text

# A device first seen this recently (and not the account's first) is new: a thief's.
NEW_DEVICE_FOR = timedelta(hours=24)
FIELD = "step_up_code"
# What the SMS says is being confirmed, by action.
ACTIONS = {
    "transfer": N_("a transfer"),
    "withdrawal": N_("a withdrawal"),
    "bind_method": N_("adding a card or account"),
}


class StepUpRequired(Forbidden):
    code = "step_up_required"
    default_message = "For your security, confirm this with a code."


@dataclass(frozen=True)
class Need:
    """Why a code is asked for and where it comes from: "totp" (the app) or "sms"."""

    method: str
    phone: str  # masked, for "we texted a code to ..."

    def message(self) -> tuple[str, dict[str, str]]:
        if self.method == "totp":
            return N_("For your security, enter the code from your authenticator app."), {}
        return (
            N_("For your security, enter the code we texted to {phone}."),
            {"phone": self.phone},
        )


def is_new_device(db: Session, *, session: AuthSession) -> bool:
    """The session's device was first seen lately and the account had another one before."""
    if session.device_id is None:
        return True
    device = db.get(Device, session.device_id)
    if device is None or device.first_seen_at <= utcnow() - NEW_DEVICE_FOR:
        return False
    older = select(Device.id).where(
        Device.user_id == session.user_id, Device.first_seen_at < device.first_seen_at
    )
    return db.scalar(older.limit(1)) is not None


def needed(
    db: Session, *, settings: Settings, session: AuthSession, amount_cny: Decimal | None
) -> Need | None:
    """Whether this payment (amount None: binding a card) needs a step-up, and how."""
    large = amount_cny is not None and amount_cny >= settings.step_up_threshold_cny
    fresh = session.step_up_at is None and is_new_device(db, session=session)
    if not (large or fresh):
        return None
    user = session.user
    method = "totp" if totp.is_enabled(db, user_id=user.id) else "sms"
    return Need(method=method, phone=mask_phone(user.phone or ""))


def offer(
    db: Session, *, settings: Settings, session: AuthSession, need: Need, action: str, ip: str
) -> None:
    """Text the code when it comes by SMS (a code sent less than a minute ago still works)."""
    user = session.user
    if need.method != "sms" or not user.phone:
        return
    try:
        code = otp.new_code(db, settings=settings, phone=user.phone, purpose="step_up", ip=ip)
    except RateLimited as exc:
        if exc.code == "resend_too_soon":
            return
        raise
    body = sms_text(
        user.lang,
        "step_up",
        brand=settings.brand,
        code=code,
        action=_action_text(user.lang, action),
    )
    sms.send_sms(db, settings=settings, to=user.phone, body=body, kind="code_step_up")


def _action_text(lang: str, action: str) -> str:
    return gettext(lang, ACTIONS.get(action, ACTIONS["transfer"]))


def confirm(
    db: Session,
    *,
    settings: Settings,
    session: AuthSession,
    amount_cny: Decimal | None,
    code: str,
    action: str,
    ip: str,
) -> None:
    """Let the payment go on, or raise: StepUpRequired (403; the SMS code is sent) without a
    code, ValidationFailed(field="step_up_code") with a wrong one (counted like a wrong
    password; the caller commits it)."""
    need = needed(db, settings=settings, session=session, amount_cny=amount_cny)
    if need is None:
        return
    if not code.strip():
        offer(db, settings=settings, session=session, need=need, action=action, ip=ip)
        message, params = need.message()
        raise StepUpRequired(message, field=FIELD, **params)
    user = session.user
    if need.method == "totp":
        try:
            service.check_second_step(db, settings=settings, user=user, code=code, ip=ip)
        except Unauthorized as exc:
            raise ValidationFailed(exc.message, field=FIELD, code="bad_step_up_code") from exc
    else:
        try:
            otp.use_code(
                db, settings=settings, phone=user.phone or "", purpose="step_up", code=code
            )
        except ValidationFailed as exc:
            exc.field = FIELD
            raise
    session.step_up_at = utcnow()
    db.flush()
