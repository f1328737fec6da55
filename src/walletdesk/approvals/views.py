"""The approvals queue: staff see what waits for a second member of staff (kind, customer,
case, reason, who asked and when); those allowed to decide a request (not their own) approve
or reject it with a note.

A refused decision (your own request, already decided, not allowed) is shown on the page.
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response

from walletdesk.approvals import service as approvals
from walletdesk.approvals.display import ApprovalDisplay
from walletdesk.approvals.models import Approval
from walletdesk.errors import DomainError
from walletdesk.identity.permissions import can
from walletdesk.web.deps import Context, Ctx, Id, field_errors

router = APIRouter(include_in_schema=False)


@router.get("/console/approvals")
def queue(ctx: Context) -> Response:
    ctx.require("agent")
    return _page(ctx)


@router.post("/console/approvals/{approval_id}/approve")
def approve(approval_id: Id, ctx: Context) -> Response:
    return _decide(ctx, approval_id, approve=True)


@router.post("/console/approvals/{approval_id}/reject")
def reject(approval_id: Id, ctx: Context) -> Response:
    return _decide(ctx, approval_id, approve=False)


def _decide(ctx: Ctx, approval_id: int, *, approve: bool) -> Response:
    staff = ctx.require("supervisor")
    form = ctx.form()
    note = str(form.get("note") or "")
    try:
        approvals.decide(
            ctx.db, approval_id=approval_id, staff=staff, approve=approve, note=note, ip=ctx.ip
        )
    except DomainError as exc:
        ctx.db.rollback()  # nothing of a refused decision is kept
        error = " ".join(field_errors(ctx, exc).values())
        return _page(ctx, error=error, failed_id=approval_id, note=note, status_code=exc.status)
    return RedirectResponse("/console/approvals?done=1", status_code=303)


def _page(
    ctx: Ctx,
    *,
    error: str = "",
    failed_id: int | None = Query(None, ge=1, le=2**31 - 1),
    note: str = "",
    status_code: int = 200,
) -> Response:
    staff = ctx.require("agent")

    def can_decide(approval: Approval) -> bool:
        spec = approvals.get_kind(approval.kind)
        return can(staff, spec.approve_permission) and approval.requested_by_id != staff.id

    return ctx.render(
        "approvals/queue.html",
        can_decide=can_decide,
        status_code=status_code,
        pending=approvals.pending_approvals(ctx.db),
        decided=approvals.recent_decisions(ctx.db),
        ashow=ApprovalDisplay(ctx._, tz=ctx.settings.timezone),
        error=error,
        failed_id=failed_id,
        note=note,
        done=ctx.request.query_params.get("done") == "1",
    )
