"""JSON endpoints of a person's own security settings under /api/v1/me/security: overview,
password, phone, two-step verification, devices, events, alerts, preferences and the lock.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from walletdesk.errors import Conflict
from walletdesk.identity import account, devices, events, service, totp
from walletdesk.identity.logins import mask_phone
from walletdesk.identity.models import AuthSession
from walletdesk.identity.present import alert_text, event_text
from walletdesk.identity.schemas import (
    AlertOut,
    BackupCodes,
    CodeSent,
    DeviceOut,
    EventOut,
    LockRequest,
    NewPassword,
    OtpRequest,
    PhoneChange,
    PhoneRequest,
    Preferences,
    SecurityOverview,
    TotpSetup,
)
from walletdesk.identity.web import current_session, device_label_of, keeping_failures
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(prefix="/api/v1/me/security", tags=["security"])
REAUTH: dict[int | str, dict[str, Any]] = {
    403: {"description": "reauth_required: POST /api/v1/auth/reauth first"}
}


def _recent(ctx: Ctx) -> AuthSession:
    ctx.require()
    session = current_session(ctx)
    service.require_recent_auth(session)
    return session


@router.get("", response_model=SecurityOverview)
def overview(ctx: Context) -> SecurityOverview:
    user = ctx.require()
    return SecurityOverview(
        phone=mask_phone(user.phone),
        two_step_enabled=totp.is_enabled(ctx.db, user_id=user.id),
        backup_codes_left=totp.backup_codes_left(ctx.db, user_id=user.id),
        recently_authenticated=service.recently_authenticated(current_session(ctx)),
        transaction_alerts=user.transaction_alerts,
        kyc_level=user.kyc_level,
        unread_alerts=events.unread_alerts(ctx.db, user_id=user.id),
    )


@router.post("/password", status_code=204, responses=REAUTH)
def change_password(body: NewPassword, ctx: Context) -> None:
    """Other sessions are signed out; this one stays."""
    session = _recent(ctx)
    account.change_password(
        ctx.db,
        settings=ctx.settings,
        user=session.user,
        password=body.password,
        keep_session_id=session.id,
        ip=ctx.ip,
        device=device_label_of(ctx),
    )


@router.post("/phone/code", response_model=CodeSent, status_code=202, responses=REAUTH)
def phone_code(body: PhoneRequest, ctx: Context) -> CodeSent:
    session = _recent(ctx)
    phone = account.request_phone_code(
        ctx.db, settings=ctx.settings, user=session.user, new_phone=body.phone, ip=ctx.ip
    )
    return CodeSent(
        message=ctx._("We sent an SMS to {phone}.", phone=mask_phone(phone)),
        resend_after=60,
    )


@router.post("/phone", status_code=204, responses=REAUTH)
def change_phone(body: PhoneChange, ctx: Context) -> None:
    session = _recent(ctx)
    with keeping_failures(ctx):
        account.change_phone(
            ctx.db,
            settings=ctx.settings,
            user=session.user,
            new_phone=body.phone,
            code=body.code,
            ip=ctx.ip,
            device=device_label_of(ctx),
        )


@router.post("/two-step/setup", response_model=TotpSetup, responses=REAUTH)
def two_step_setup(ctx: Context) -> TotpSetup:
    """A new secret to put in an authenticator app; on once confirmed with a code."""
    session = _recent(ctx)
    row = totp.start_enrolment(ctx.db, user=session.user)
    uri = totp.provisioning_uri(row, user=session.user, issuer=ctx.settings.brand)
    return TotpSetup(secret=row.secret, otpauth_uri=uri, qr_svg=totp.qr_data_uri(uri))


@router.post("/two-step/confirm", response_model=BackupCodes, responses=REAUTH)
def two_step_confirm(body: OtpRequest, ctx: Context) -> BackupCodes:
    """Turns two-step verification on; the backup codes are shown only in this answer."""
    session = _recent(ctx)
    codes = totp.confirm_enrolment(ctx.db, settings=ctx.settings, user=session.user, code=body.otp)
    events.record_event(
        ctx.db,
        user_id=session.user_id,
        kind="two_step_enabled",
        ip=ctx.ip,
        device=device_label_of(ctx),
    )
    return BackupCodes(backup_codes=codes)


@router.post("/two-step/backup-codes", response_model=BackupCodes, responses=REAUTH)
def new_backup_codes(ctx: Context) -> BackupCodes:
    session = _recent(ctx)
    if not totp.is_enabled(ctx.db, user_id=session.user_id):
        raise Conflict("Two-step verification is off.", code="two_step_off")
    codes = totp.new_backup_codes(ctx.db, settings=ctx.settings, user_id=session.user_id)
    events.record_event(
        ctx.db,
        user_id=session.user_id,
        kind="backup_codes_created",
        ip=ctx.ip,
        device=device_label_of(ctx),
    )
    return BackupCodes(backup_codes=codes)


@router.delete("/two-step", status_code=204, responses=REAUTH)
def two_step_off(ctx: Context) -> None:
    session = _recent(ctx)
    if totp.is_enabled(ctx.db, user_id=session.user_id):
        totp.disable(ctx.db, user_id=session.user_id)
        events.record_event(
            ctx.db,
            user_id=session.user_id,
            kind="two_step_disabled",
            ip=ctx.ip,
            device=device_label_of(ctx),
        )


@router.get("/devices", response_model=list[DeviceOut])
def device_list(ctx: Context) -> list[DeviceOut]:
    user = ctx.require()
    current = current_session(ctx).device_id
    return [
        DeviceOut(
            id=row.device.id,
            label=row.device.label,
            location=row.device.last_location,
            ip=row.device.last_ip,
            last_seen_at=row.last_seen_at,
            active_sessions=row.active_sessions,
            current=row.device.id == current,
        )
        for row in devices.devices_of(ctx.db, user_id=user.id)
    ]


@router.post("/devices/{device_id}/sign-out", status_code=204)
def device_sign_out(device_id: Id, ctx: Context) -> None:
    user = ctx.require()
    device = devices.sign_out_device(ctx.db, user_id=user.id, device_id=device_id)
    events.record_event(
        ctx.db,
        user_id=user.id,
        kind="device_signed_out",
        ip=ctx.ip,
        device=device_label_of(ctx),
        details={"device": device.label},
    )


@router.get("/events", response_model=list[EventOut])
def event_list(ctx: Context) -> list[EventOut]:
    user = ctx.require()
    return [
        EventOut(kind=e.kind, text=event_text(ctx.lang, e), at=e.at, ip=e.ip, device=e.device)
        for e in events.events_of(ctx.db, user_id=user.id)
    ]


@router.get("/alerts", response_model=list[AlertOut])
def alert_list(ctx: Context) -> list[AlertOut]:
    user = ctx.require()
    return [
        AlertOut(
            id=a.id,
            kind=a.kind,
            text=alert_text(ctx.lang, a, ctx.settings),
            created_at=a.created_at,
            read=a.read_at is not None,
        )
        for a in events.alerts_of(ctx.db, user_id=user.id)
    ]


@router.post("/alerts/read", status_code=204)
def alerts_read(ctx: Context) -> None:
    user = ctx.require()
    events.mark_alerts_read(ctx.db, user_id=user.id)


@router.put("/preferences", response_model=Preferences)
def preferences(body: Preferences, ctx: Context) -> Preferences:
    user = ctx.require()
    account.set_transaction_alerts(
        ctx.db,
        user=user,
        enabled=body.transaction_alerts,
        ip=ctx.ip,
        device=device_label_of(ctx),
    )
    return Preferences(transaction_alerts=user.transaction_alerts)


@router.post("/lock", status_code=204)
def lock(body: LockRequest, ctx: Context) -> None:
    """Locks the account and revokes every session and token, this one included."""
    user = ctx.require()
    stolen = account.lock_account(
        ctx.db,
        user=user,
        reason=body.reason,
        ip=ctx.ip,
        device=device_label_of(ctx),
        stolen=body.stolen,
    )
    if stolen:
        account.report_stolen(ctx.db, user=user, reason=body.reason, ip=ctx.ip)
