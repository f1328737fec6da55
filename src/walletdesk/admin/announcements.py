"""Admin pages for announcements: list, create, edit, publish and unpublish.

Times are typed and shown in the service's time zone (settings.timezone) and stored in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from walletdesk.admin.common import redirect, render, require_admin, text
from walletdesk.db import utcnow
from walletdesk.errors import ValidationFailed
from walletdesk.helpcenter import announcements
from walletdesk.helpcenter.announcements import AnnouncementDraft
from walletdesk.helpcenter.models import ANNOUNCEMENT_KINDS, Announcement
from walletdesk.web.deps import Context, Id

router = APIRouter(include_in_schema=False)
FIELDS = ("kind", "title_zh", "title_en", "body_zh", "body_en", "starts_at", "ends_at")
INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def _local_input(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime(INPUT_FORMAT) if value else ""


def _parse_time(value: str, zone: ZoneInfo, *, field: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed("Enter a date and time.", field=field) from exc
    if not 2000 <= parsed.year <= 2200:  # far dates overflow when converted to UTC
        raise ValidationFailed("Enter a date and time.", field=field)
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def _draft(form: dict[str, Any], zone: ZoneInfo) -> AnnouncementDraft:
    return AnnouncementDraft(
        kind=text(form, "kind", 20),
        title_zh=text(form, "title_zh", 1000),
        title_en=text(form, "title_en", 1000),
        body_zh=text(form, "body_zh", announcements.MAX_BODY + 1),
        body_en=text(form, "body_en", announcements.MAX_BODY + 1),
        pinned=form.get("pinned") == "on",
        starts_at=_parse_time(text(form, "starts_at", 40), zone, field="starts_at") or utcnow(),
        ends_at=_parse_time(text(form, "ends_at", 40), zone, field="ends_at"),
    )


def _form_page(
    ctx: Context,
    *,
    announcement: Announcement | None,
    values: dict[str, Any],
    error: ValidationFailed | None = None,
) -> HTMLResponse:
    return render(
        ctx,
        "admin/announcement_form.html",
        status_code=error.status if error else 200,
        announcement=announcement,
        values=values,
        error=error,
        kinds=ANNOUNCEMENT_KINDS,
    )


def _values_of(announcement: Announcement | None, zone: ZoneInfo) -> dict[str, Any]:
    if announcement is None:
        return {"kind": "notice", "starts_at": _local_input(utcnow(), zone), "pinned": False}
    return {
        "kind": announcement.kind,
        "title_zh": announcement.title_zh,
        "title_en": announcement.title_en,
        "body_zh": announcement.body_zh,
        "body_en": announcement.body_en,
        "pinned": announcement.pinned,
        "starts_at": _local_input(announcement.starts_at, zone),
        "ends_at": _local_input(announcement.ends_at, zone),
    }


def _save(ctx: Context, announcement: Announcement | None) -> Response:
    admin = require_admin(ctx)
    zone = ZoneInfo(ctx.settings.timezone)
    form = ctx.form()
    values: dict[str, Any] = {name: text(form, name, 30_000) for name in FIELDS}
    values["pinned"] = form.get("pinned") == "on"
    try:
        saved = announcements.save_announcement(
            ctx.db, draft=_draft(form, zone), announcement=announcement, actor=admin, ip=ctx.ip
        )
    except ValidationFailed as exc:
        return _form_page(ctx, announcement=announcement, values=values, error=exc)
    return redirect(
        f"/admin/announcements/{saved.id}/edit", "updated" if announcement else "created"
    )


@router.get("/admin/announcements")
def announcement_list(ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    return render(
        ctx,
        "admin/announcements.html",
        announcements=announcements.all_announcements(ctx.db),
        visible={a.id for a in announcements.visible_announcements(ctx.db)},
    )


@router.get("/admin/announcements/new")
def announcement_new(ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    zone = ZoneInfo(ctx.settings.timezone)
    return _form_page(ctx, announcement=None, values=_values_of(None, zone))


@router.post("/admin/announcements/new")
def announcement_create(ctx: Context) -> Response:
    return _save(ctx, None)


@router.get("/admin/announcements/{announcement_id}/edit")
def announcement_edit(announcement_id: Id, ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    found = announcements.get_announcement(ctx.db, announcement_id=announcement_id)
    zone = ZoneInfo(ctx.settings.timezone)
    return _form_page(ctx, announcement=found, values=_values_of(found, zone))


@router.post("/admin/announcements/{announcement_id}/edit")
def announcement_update(announcement_id: Id, ctx: Context) -> Response:
    require_admin(ctx)
    found = announcements.get_announcement(ctx.db, announcement_id=announcement_id)
    return _save(ctx, found)


def _publish(ctx: Context, announcement_id: int, published: bool) -> Response:
    admin = require_admin(ctx)
    found = announcements.get_announcement(ctx.db, announcement_id=announcement_id)
    ctx.form()
    announcements.set_published(
        ctx.db, announcement=found, published=published, actor=admin, ip=ctx.ip
    )
    return redirect("/admin/announcements", "published" if published else "unpublished")


@router.post("/admin/announcements/{announcement_id}/publish")
def announcement_publish(announcement_id: Id, ctx: Context) -> Response:
    return _publish(ctx, announcement_id, True)


@router.post("/admin/announcements/{announcement_id}/unpublish")
def announcement_unpublish(announcement_id: Id, ctx: Context) -> Response:
    return _publish(ctx, announcement_id, False)
