"""The staff's withdrawal review queue: agents see it, supervisors approve or reject (each
decision audited); approval sends the payout once the decision commits.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from walletdesk.errors import ValidationFailed
from walletdesk.identity import service as identity
from walletdesk.payments import withdrawals
from walletdesk.payments.dispatch import gateway_of, send_after_commit
from walletdesk.web.deps import Context

router = APIRouter(include_in_schema=False)


@router.get("/console/withdrawals")
def review_queue(ctx: Context, error: str = "") -> Response:
    staff = ctx.require("agent")
    waiting = withdrawals.awaiting_review(ctx.db)
    return ctx.render(
        "payments/console_withdrawals.html",
        waiting=waiting,
        customers=identity.customer_labels(ctx.db, user_ids=(tx.user_id for tx in waiting)),
        recent=withdrawals.recent_withdrawals(ctx.db),
        can_decide=staff.role in ("supervisor", "admin"),
        error=ctx._("Give the reason the customer will see.") if error == "reason" else "",
    )


@router.post("/console/withdrawals/{public_id}/approve")
def approve(ctx: Context, public_id: str) -> Response:
    staff = ctx.require("supervisor")
    ctx.form()
    tx = withdrawals.approve_withdrawal(ctx.db, public_id=public_id, staff=staff, ip=ctx.ip)
    send_after_commit(ctx.db, gateway=gateway_of(ctx.request.app), tx_id=tx.id)
    return RedirectResponse("/console/withdrawals", status_code=303)


@router.post("/console/withdrawals/{public_id}/reject")
def reject(ctx: Context, public_id: str) -> Response:
    staff = ctx.require("supervisor")
    form = ctx.form()
    try:
        withdrawals.reject_withdrawal(
            ctx.db,
            public_id=public_id,
            staff=staff,
            reason=str(form.get("reason", "")),
            ip=ctx.ip,
        )
    except ValidationFailed:
        return RedirectResponse("/console/withdrawals?error=reason", status_code=303)
    return RedirectResponse("/console/withdrawals", status_code=303)
