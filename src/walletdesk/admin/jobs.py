"""Admin page for background jobs: the queued jobs that failed every try (with their error and
a retry button) and those still waiting for a try, so a lost SMS or alert is seen and resent.
"""

from __future__ import annotations

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from walletdesk import jobqueue
from walletdesk.admin import service
from walletdesk.admin.common import redirect, render, require_admin
from walletdesk.errors import Forbidden
from walletdesk.web.deps import Context, csrf_valid

router = APIRouter(include_in_schema=False)
PATH = "/admin/jobs"


@router.get(PATH)
def job_list(ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    jobs = jobqueue.unfinished(ctx.db)
    return render(
        ctx,
        "admin/jobs.html",
        failed=[j for j in jobs if j.status == "failed"],
        pending=[j for j in jobs if j.status == "pending"],
    )


@router.post(PATH + "/{job_id}/retry")
def job_retry(ctx: Context, job_id: int, csrf_token: str = Form("")) -> Response:
    admin = require_admin(ctx)
    if not csrf_valid(ctx.request, csrf_token):
        raise Forbidden("Your form expired. Please reload the page and try again.", code="csrf")
    service.retry_job(ctx.db, job_id=job_id, actor=admin, ip=ctx.ip)
    return redirect(PATH, "retried")
