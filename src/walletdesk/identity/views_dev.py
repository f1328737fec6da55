"""The sandbox SMS outbox for developers: what would have been texted, when settings allow
it (on by default only for the demo's SQLite database)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from walletdesk.errors import NotFound, ValidationFailed
from walletdesk.identity import sms
from walletdesk.identity.logins import normalize_phone
from walletdesk.identity.present import local_time
from walletdesk.web.deps import Context

router = APIRouter(include_in_schema=False)


@router.get("/dev/sms-outbox")
def sms_outbox(ctx: Context, phone: str | None = None) -> Response:
    config = sms.SmsConfig.of(ctx.settings)
    if not config.outbox_visible or config.provider != "sandbox":
        raise NotFound()
    try:
        wanted = normalize_phone(phone) if phone and phone.strip() else None
    except ValidationFailed:
        wanted = phone
    messages = sms.outbox(ctx.db, phone=wanted)
    return ctx.render(
        "identity/sms_outbox.html",
        messages=messages,
        phone=phone or "",
        when=lambda moment: local_time(moment, ctx.settings),
    )
