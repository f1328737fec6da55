"""The security settings pages: overview, re-authentication, password, phone, two-step
verification, devices, locking the account and alerts.

Changing the password, the phone or two-step settings needs the password (and code) entered
within the last five minutes in this session: such pages first send people to confirm it.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from walletdesk.errors import DomainError
from walletdesk.identity import account, devices, events, kyc, service, totp
from walletdesk.identity.forms import errors_of, text
from walletdesk.identity.logins import mask_phone
from walletdesk.identity.messages import KYC_LEVEL_LABELS, KYC_STATUS_LABELS
from walletdesk.identity.present import alert_text, event_text, local_time, location_text
from walletdesk.identity.web import (
    current_session,
    device_label_of,
    keeping_failures,
    reauth_gate,
)
from walletdesk.web.deps import SESSION_COOKIE, Context, Id

router = APIRouter(include_in_schema=False)

DONE = {
    "password": "Your password was changed. Other devices were signed out.",
    "phone": "Your phone number was changed.",
    "two_step_off": "Two-step verification is off.",
    "alerts": "Your alert settings were saved.",
    "device": "That device was signed out.",
}


def _safe_next(target: str, default: str = "/security") -> str:
    if target.startswith("/security") and "//" not in target and "\\" not in target:
        return target
    return default


@router.get("/security")
def overview(ctx: Context, done: str | None = None, welcome: str | None = None) -> Response:
    user = ctx.require()
    session = current_session(ctx)
    lang, settings = ctx.lang, ctx.settings
    submissions = kyc.submissions_of(ctx.db, user_id=user.id)
    return ctx.render(
        "identity/security.html",
        notice=ctx._(DONE[done]) if done in DONE else "",
        welcome=bool(welcome),
        phone=mask_phone(user.phone),
        two_step=totp.is_enabled(ctx.db, user_id=user.id),
        backup_left=totp.backup_codes_left(ctx.db, user_id=user.id),
        devices=devices.devices_of(ctx.db, user_id=user.id),
        current_device=session.device_id,
        alerts=[
            (a, alert_text(lang, a, settings)) for a in events.alerts_of(ctx.db, user_id=user.id)
        ],
        unread=events.unread_alerts(ctx.db, user_id=user.id),
        events=[(e, event_text(lang, e)) for e in events.events_of(ctx.db, user_id=user.id)],
        latest_kyc=submissions[0] if submissions else None,
        kyc_level=ctx._(KYC_LEVEL_LABELS[user.kyc_level]),
        kyc_status=ctx._(KYC_STATUS_LABELS[submissions[0].status]) if submissions else "",
        when=lambda moment: local_time(moment, settings),
        where=lambda key, ip="": location_text(lang, key, ip),
    )


@router.get("/security/confirm")
def confirm_page(ctx: Context, next: str = "/security") -> Response:
    user = ctx.require()
    two_step = totp.is_enabled(ctx.db, user_id=user.id)
    return ctx.render("identity/confirm.html", next=_safe_next(next), two_step=two_step, errors={})


@router.post("/security/confirm")
def confirm_submit(ctx: Context) -> Response:
    form = ctx.form()
    user = ctx.require()
    next_path = _safe_next(text(form, "next", 300))
    try:
        with keeping_failures(ctx):
            service.reauthenticate(
                ctx.db,
                settings=ctx.settings,
                session=current_session(ctx),
                password=text(form, "password", 1000),
                otp=text(form, "otp", 40) or None,
                ip=ctx.ip,
            )
    except DomainError as exc:
        return ctx.render(
            "identity/confirm.html",
            status_code=exc.status,
            next=next_path,
            two_step=totp.is_enabled(ctx.db, user_id=user.id),
            errors=errors_of(ctx, exc),
        )
    return RedirectResponse(next_path, status_code=303)


@router.get("/security/password")
def password_page(ctx: Context) -> Response:
    gate = reauth_gate(ctx, "/security/password")
    if isinstance(gate, Response):
        return gate
    return ctx.render("identity/password.html", errors={})


@router.post("/security/password")
def password_submit(ctx: Context) -> Response:
    form = ctx.form()
    gate = reauth_gate(ctx, "/security/password")
    if isinstance(gate, Response):
        return gate
    try:
        account.change_password(
            ctx.db,
            settings=ctx.settings,
            user=gate.user,
            password=text(form, "password", 1000),
            keep_session_id=gate.id,
            ip=ctx.ip,
            device=device_label_of(ctx),
        )
    except DomainError as exc:
        return ctx.render(
            "identity/password.html", status_code=exc.status, errors=errors_of(ctx, exc)
        )
    return RedirectResponse("/security?done=password", status_code=303)


@router.get("/security/phone")
def phone_page(ctx: Context) -> Response:
    gate = reauth_gate(ctx, "/security/phone")
    if isinstance(gate, Response):
        return gate
    return ctx.render("identity/phone.html", step="phone", phone="", errors={}, notice="")


@router.post("/security/phone/code")
def phone_code(ctx: Context) -> Response:
    form = ctx.form()
    gate = reauth_gate(ctx, "/security/phone")
    if isinstance(gate, Response):
        return gate
    raw = text(form, "phone", 40)
    try:
        phone = account.request_phone_code(
            ctx.db, settings=ctx.settings, user=gate.user, new_phone=raw, ip=ctx.ip
        )
    except DomainError as exc:
        step = "code" if form.get("resend") else "phone"
        return ctx.render(
            "identity/phone.html",
            status_code=exc.status,
            step=step,
            phone=raw,
            errors=errors_of(ctx, exc),
            notice="",
        )
    notice = ctx._("We sent an SMS to {phone}.", phone=mask_phone(phone))
    return ctx.render("identity/phone.html", step="code", phone=phone, errors={}, notice=notice)


@router.post("/security/phone")
def phone_submit(ctx: Context) -> Response:
    form = ctx.form()
    gate = reauth_gate(ctx, "/security/phone")
    if isinstance(gate, Response):
        return gate
    phone = text(form, "phone", 40)
    try:
        with keeping_failures(ctx):
            account.change_phone(
                ctx.db,
                settings=ctx.settings,
                user=gate.user,
                new_phone=phone,
                code=text(form, "code", 20),
                ip=ctx.ip,
                device=device_label_of(ctx),
            )
    except DomainError as exc:
        return ctx.render(
            "identity/phone.html",
            status_code=exc.status,
            step="code",
            phone=phone,
            errors=errors_of(ctx, exc),
            notice="",
        )
    return RedirectResponse("/security?done=phone", status_code=303)


@router.post("/security/devices/{device_id}/sign-out")
def device_sign_out(ctx: Context, device_id: Id) -> Response:
    ctx.form()
    user = ctx.require()
    session = current_session(ctx)
    device = devices.sign_out_device(ctx.db, user_id=user.id, device_id=device_id)
    events.record_event(
        ctx.db,
        user_id=user.id,
        kind="device_signed_out",
        ip=ctx.ip,
        device=device_label_of(ctx),
        details={"device": device.label},
    )
    if device.id == session.device_id:  # signed themself out
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response
    return RedirectResponse("/security?done=device", status_code=303)


@router.post("/security/lock")
def lock(ctx: Context) -> Response:
    form = ctx.form()
    user = ctx.require()
    reason = text(form, "reason", 200)
    stolen = account.lock_account(
        ctx.db,
        user=user,
        reason=reason,
        ip=ctx.ip,
        device=device_label_of(ctx),
        stolen=bool(form.get("stolen")),
    )
    if stolen:
        account.report_stolen(ctx.db, user=user, reason=reason, ip=ctx.ip)
    response = RedirectResponse("/login?done=locked", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/security/alerts")
def alerts_settings(ctx: Context) -> Response:
    form = ctx.form()
    user = ctx.require()
    account.set_transaction_alerts(
        ctx.db,
        user=user,
        enabled=bool(form.get("transaction_alerts")),
        ip=ctx.ip,
        device=device_label_of(ctx),
    )
    return RedirectResponse("/security?done=alerts", status_code=303)


@router.post("/security/alerts/read")
def alerts_read(ctx: Context) -> Response:
    ctx.form()
    user = ctx.require()
    events.mark_alerts_read(ctx.db, user_id=user.id)
    return RedirectResponse("/security#alerts", status_code=303)
