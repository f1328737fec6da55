"""Two-step verification settings: set up with an authenticator app (QR code), confirm with a
first code, see the backup codes once, make new ones, or turn it off. All behind a recent
re-authentication.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from walletdesk.errors import DomainError
from walletdesk.identity import events, totp
from walletdesk.identity.forms import errors_of, text
from walletdesk.identity.models import AuthSession, TotpCredential
from walletdesk.identity.web import device_label_of, reauth_gate
from walletdesk.web.deps import Context, Ctx

router = APIRouter(include_in_schema=False)
PAGE = "/security/two-step"
TEMPLATE = "identity/two_step_settings.html"


def _setup_page(
    ctx: Ctx, session: AuthSession, row: TotpCredential, *, status: int = 200, errors=None
) -> Response:
    uri = totp.provisioning_uri(row, user=session.user, issuer=ctx.settings.brand)
    secret = " ".join(row.secret[i : i + 4] for i in range(0, len(row.secret), 4))
    return ctx.render(
        TEMPLATE,
        status_code=status,
        mode="setup",
        qr=totp.qr_data_uri(uri),
        secret=secret,
        errors=errors or {},
    )


@router.get(PAGE)
def two_step_page(ctx: Context) -> Response:
    gate = reauth_gate(ctx, PAGE)
    if isinstance(gate, Response):
        return gate
    user_id = gate.user_id
    return ctx.render(
        TEMPLATE,
        mode="status",
        enabled=totp.is_enabled(ctx.db, user_id=user_id),
        backup_left=totp.backup_codes_left(ctx.db, user_id=user_id),
        errors={},
    )


@router.post(PAGE + "/setup")
def setup(ctx: Context) -> Response:
    ctx.form()
    gate = reauth_gate(ctx, PAGE)
    if isinstance(gate, Response):
        return gate
    try:
        row = totp.start_enrolment(ctx.db, user=gate.user)
    except DomainError:
        return RedirectResponse(PAGE, status_code=303)
    return _setup_page(ctx, gate, row)


@router.post(PAGE + "/confirm")
def confirm(ctx: Context) -> Response:
    form = ctx.form()
    gate = reauth_gate(ctx, PAGE)
    if isinstance(gate, Response):
        return gate
    try:
        codes = totp.confirm_enrolment(
            ctx.db, settings=ctx.settings, user=gate.user, code=text(form, "otp", 20)
        )
    except DomainError as exc:
        row = totp.credential(ctx.db, user_id=gate.user_id)
        if row is None or row.confirmed_at is not None:
            return RedirectResponse(PAGE, status_code=303)
        return _setup_page(ctx, gate, row, status=exc.status, errors=errors_of(ctx, exc))
    events.record_event(
        ctx.db,
        user_id=gate.user_id,
        kind="two_step_enabled",
        ip=ctx.ip,
        device=device_label_of(ctx),
    )
    return ctx.render(TEMPLATE, mode="codes", codes=codes, errors={})


@router.post(PAGE + "/backup-codes")
def backup_codes(ctx: Context) -> Response:
    ctx.form()
    gate = reauth_gate(ctx, PAGE)
    if isinstance(gate, Response):
        return gate
    if not totp.is_enabled(ctx.db, user_id=gate.user_id):
        return RedirectResponse(PAGE, status_code=303)
    codes = totp.new_backup_codes(ctx.db, settings=ctx.settings, user_id=gate.user_id)
    events.record_event(
        ctx.db,
        user_id=gate.user_id,
        kind="backup_codes_created",
        ip=ctx.ip,
        device=device_label_of(ctx),
    )
    return ctx.render(TEMPLATE, mode="codes", codes=codes, errors={})


@router.post(PAGE + "/disable")
def disable(ctx: Context) -> Response:
    ctx.form()
    gate = reauth_gate(ctx, PAGE)
    if isinstance(gate, Response):
        return gate
    if totp.is_enabled(ctx.db, user_id=gate.user_id):
        totp.disable(ctx.db, user_id=gate.user_id)
        events.record_event(
            ctx.db,
            user_id=gate.user_id,
            kind="two_step_disabled",
            ip=ctx.ip,
            device=device_label_of(ctx),
        )
    return RedirectResponse("/security?done=two_step_off", status_code=303)
