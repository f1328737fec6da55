"""Finishing a sign-in: the device and where it signed in from, the session, the event log,
and the new-device alert (on the security page and by SMS).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.events import publish
from walletdesk.identity import devices, events, service, signals, sms
from walletdesk.identity.models import User
from walletdesk.identity.present import local_time, location_text, sms_text


def complete_sign_in(
    db: Session,
    *,
    settings: Settings,
    user: User,
    kind: str,
    ip: str,
    user_agent: str,
    device_key: str,
    second_step: str | None = None,
) -> str:
    """Start the session (web or api) after every check passed; returns its token."""
    service.finish_sign_in(db, user=user, ip=ip)
    known_before = devices.has_devices(db, user_id=user.id)
    device, is_new = devices.seen_device(
        db, user_id=user.id, device_key=device_key, user_agent=user_agent, ip=ip
    )
    token = service.start_session(
        db,
        settings=settings,
        user=user,
        kind=kind,
        ip=ip,
        user_agent=user_agent,
        device_id=device.id,
    )
    alert = is_new and known_before  # a person's very first device is no news to them
    # Published before this sign-in joins the event log: risk control compares with it.
    signed_in = signals.SignedIn(user_id=user.id, device_id=device.id, new_device=alert, ip=ip)
    publish(db, signed_in)
    events.record_event(
        db,
        user_id=user.id,
        kind="signed_in_new_device" if alert else "signed_in",
        ip=ip,
        device=device.label,
        details={"via": kind, "location": device.last_location},
    )
    if second_step == "backup":
        events.record_event(
            db, user_id=user.id, kind="backup_code_used", ip=ip, device=device.label
        )
    if alert:
        _alert_new_device(
            db, settings=settings, user=user, label=device.label, ip=ip, where=device.last_location
        )
    return token


def _alert_new_device(
    db: Session, *, settings: Settings, user: User, label: str, ip: str, where: str
) -> None:
    now = utcnow()
    events.raise_alert(
        db,
        user_id=user.id,
        kind="new_device",
        device=label,
        location=where,
        ip=ip,
        time=now.isoformat(),
    )
    if not user.phone:
        return
    body = sms_text(
        user.lang,
        "login_alert",
        brand=settings.brand,
        device=label,
        location=location_text(user.lang, where),
        time=local_time(now, settings),
    )
    sms.send_sms(db, settings=settings, to=user.phone, body=body, kind="login_alert")
