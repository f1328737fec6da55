"""The staff's risk page: transfers held for review (a supervisor sends or refuses them), the
freezes in force with a request to lift one (approved by a second person), and recent hits.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from walletdesk.errors import DomainError
from walletdesk.identity import service as identity
from walletdesk.risk import service as risk
from walletdesk.risk.models import AccountFreeze, RiskHit
from walletdesk.risk.rules import ACTION_LABELS
from walletdesk.wallet import held
from walletdesk.web.deps import Context, Ctx, Id, extend_page

router = APIRouter(include_in_schema=False)


def _freezes_in_force(ctx: Ctx) -> dict[str, object]:
    """The customer's security page shows why their account is frozen, as the wallet does."""
    if ctx.user is None:
        return {}
    tz = ctx.settings.timezone
    return {"freeze_notices": risk.freeze_notices(ctx.db, user_id=ctx.user.id, tz=tz)}


extend_page("identity/security.html", _freezes_in_force)
RECENT = 50
PAGE = "/console/risk"


def _page(ctx: Ctx, error: str = "", status_code: int = 200) -> Response:
    staff = ctx.require("agent")
    freezes = ctx.db.scalars(
        select(AccountFreeze)
        .where(AccountFreeze.lifted_at.is_(None))
        .order_by(AccountFreeze.id.desc())
        .limit(RECENT)
    )
    hits = list(ctx.db.scalars(select(RiskHit).order_by(RiskHit.id.desc()).limit(RECENT)))
    waiting = held.held_transfers(ctx.db)
    frozen = list(freezes)
    shown = [
        *(t.user_id for t in waiting),
        *(f.user_id for f in frozen),
        *(h.user_id for h in hits),
    ]
    return ctx.render(
        "risk/console.html",
        status_code=status_code,
        held=waiting,
        freezes=frozen,
        hits=hits,
        customers=identity.customer_labels(ctx.db, user_ids=shown),
        can_decide=staff.has_role("supervisor"),
        rule_label=risk.rule_label,
        action_labels=ACTION_LABELS,
        tz=ctx.settings.timezone,
        error=error,
    )


@router.get(PAGE)
def risk_page(ctx: Context) -> Response:
    return _page(ctx)


def _act(ctx: Ctx, action: str, target: str) -> Response:
    """Run one decision; a refusal is shown on the page (its writes rolled back)."""
    staff = ctx.require("agent")
    form = ctx.form()
    reason = str(form.get("reason", ""))
    try:
        if action == "release":
            held.release_transfer(ctx.db, public_id=target, staff=staff, ip=ctx.ip)
        elif action == "reject":
            held.reject_transfer(ctx.db, public_id=target, staff=staff, reason=reason, ip=ctx.ip)
        else:
            risk.request_unfreeze(
                ctx.db, freeze_id=int(target), staff=staff, reason=reason, ip=ctx.ip
            )
    except DomainError as exc:
        if exc.status >= 500:
            raise
        ctx.db.rollback()
        return _page(ctx, error=ctx._(exc.message, **exc.params), status_code=exc.status)
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/transfers/{public_id}/release")
def release(ctx: Context, public_id: str) -> Response:
    return _act(ctx, "release", public_id)


@router.post(PAGE + "/transfers/{public_id}/reject")
def reject(ctx: Context, public_id: str) -> Response:
    return _act(ctx, "reject", public_id)


@router.post(PAGE + "/freezes/{freeze_id}/unfreeze")
def unfreeze(ctx: Context, freeze_id: Id) -> Response:
    return _act(ctx, "unfreeze", str(freeze_id))
