"""Admin pages for the registry of official channels: list, add, edit and remove."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from walletdesk.admin.common import redirect, render, require_admin, text
from walletdesk.errors import DomainError
from walletdesk.helpcenter import registry
from walletdesk.helpcenter.models import CHANNEL_KINDS, OfficialChannel
from walletdesk.web.deps import Context, Id

router = APIRouter(include_in_schema=False)
FIELDS = ("kind", "value", "label_zh", "label_en", "region", "notes_zh", "notes_en")


def _values_of(channel: OfficialChannel | None) -> dict[str, str]:
    if channel is None:
        return {name: "" for name in FIELDS} | {"kind": "phone"}
    return {name: str(getattr(channel, name)) for name in FIELDS}


def _page(
    ctx: Context,
    *,
    editing: OfficialChannel | None = None,
    values: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> HTMLResponse:
    return render(
        ctx,
        "admin/channels.html",
        status_code=error.status if error else 200,
        channels=registry.list_channels(ctx.db),
        editing=editing,
        values=values or _values_of(editing),
        error=error,
        kinds=CHANNEL_KINDS,
    )


def _submitted(ctx: Context) -> dict[str, str]:
    form: dict[str, Any] = ctx.form()
    return {name: text(form, name, 600) for name in FIELDS}


@router.get("/admin/official-channels")
def channel_list(ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    return _page(ctx)


@router.post("/admin/official-channels")
def channel_add(ctx: Context) -> Response:
    admin = require_admin(ctx)
    values = _submitted(ctx)
    try:
        registry.add_channel(ctx.db, actor=admin, ip=ctx.ip, **values)
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return _page(ctx, values=values, error=exc)
    return redirect("/admin/official-channels", "created")


@router.get("/admin/official-channels/{channel_id}/edit")
def channel_edit(channel_id: Id, ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    return _page(ctx, editing=registry.get_channel(ctx.db, channel_id=channel_id))


@router.post("/admin/official-channels/{channel_id}/edit")
def channel_update(channel_id: Id, ctx: Context) -> Response:
    admin = require_admin(ctx)
    channel = registry.get_channel(ctx.db, channel_id=channel_id)
    values = _submitted(ctx)
    try:
        registry.update_channel(ctx.db, channel=channel, actor=admin, ip=ctx.ip, **values)
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        ctx.db.rollback()
        return _page(ctx, editing=channel, values=values, error=exc)
    return redirect("/admin/official-channels", "updated")


@router.post("/admin/official-channels/{channel_id}/remove")
def channel_remove(channel_id: Id, ctx: Context) -> Response:
    admin = require_admin(ctx)
    channel = registry.get_channel(ctx.db, channel_id=channel_id)
    ctx.form()
    registry.remove_channel(ctx.db, channel=channel, actor=admin, ip=ctx.ip)
    return redirect("/admin/official-channels", "removed")
