"""The admin: a dashboard linking to articles, announcements, official channels, staff and
background jobs.
Admins only; each area's pages live in their own module, gathered here into one router.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from walletdesk import jobqueue
from walletdesk.admin import announcements, articles, channels, jobs, questions, staff
from walletdesk.admin.common import admin_only, render, require_admin
from walletdesk.helpcenter import announcements as notices
from walletdesk.helpcenter import registry, service
from walletdesk.identity import service as identity
from walletdesk.web.deps import Context

router = APIRouter(include_in_schema=False, dependencies=[Depends(admin_only)])


@router.get("/admin")
def dashboard(ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    rows = service.article_overview(ctx.db)
    return render(
        ctx,
        "admin/dashboard.html",
        article_count=len(rows),
        draft_count=sum(len(r.drafts) for r in rows),
        announcement_count=len(notices.visible_announcements(ctx.db)),
        channel_count=len(registry.list_channels(ctx.db)),
        staff_count=sum(1 for u in identity.list_staff(ctx.db) if u.is_active),
        failed_job_count=jobqueue.count(ctx.db, status="failed"),
        waiting_job_count=jobqueue.count(ctx.db, status="pending"),
    )


for module in (articles, announcements, channels, staff, questions, jobs):
    router.include_router(module.router)
