"""Admin pages for staff: the list, creating an agent, supervisor or admin with an initial
password, and deactivating (or reactivating) someone."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from walletdesk.admin import service
from walletdesk.admin.common import redirect, render, require_admin, text
from walletdesk.errors import DomainError
from walletdesk.identity import service as identity
from walletdesk.identity.models import STAFF_ROLES
from walletdesk.web.deps import Context, Id

router = APIRouter(include_in_schema=False)
FIELDS = ("role", "email", "display_name", "lang")


def _page(
    ctx: Context, *, values: dict[str, str] | None = None, error: DomainError | None = None
) -> HTMLResponse:
    return render(
        ctx,
        "admin/staff.html",
        status_code=error.status if error else 200,
        staff=identity.list_staff(ctx.db),
        values=values or {"role": "agent", "email": "", "display_name": "", "lang": "zh"},
        error=error,
        roles=STAFF_ROLES,
    )


@router.get("/admin/staff")
def staff_list(ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    return _page(ctx)


@router.post("/admin/staff")
def staff_create(ctx: Context) -> Response:
    admin = require_admin(ctx)
    form = ctx.form()
    values = {name: text(form, name, 300) for name in FIELDS}
    try:
        service.create_staff(
            ctx.db,
            role=values["role"],
            email=values["email"],
            display_name=values["display_name"],
            password=text(form, "password", 300),
            lang=values["lang"],
            actor=admin,
            ip=ctx.ip,
        )
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return _page(ctx, values=values, error=exc)
    return redirect("/admin/staff", "created")


def _set_active(ctx: Context, user_id: int, active: bool) -> Response:
    admin = require_admin(ctx)
    ctx.form()
    service.set_staff_active(ctx.db, user_id=user_id, active=active, actor=admin, ip=ctx.ip)
    return redirect("/admin/staff", "reactivated" if active else "deactivated")


@router.post("/admin/staff/{user_id}/deactivate")
def staff_deactivate(user_id: Id, ctx: Context) -> Response:
    return _set_active(ctx, user_id, False)


@router.post("/admin/staff/{user_id}/reactivate")
def staff_reactivate(user_id: Id, ctx: Context) -> Response:
    return _set_active(ctx, user_id, True)
