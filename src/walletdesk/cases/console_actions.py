"""The customer panel's forms on a console case: show personal data in full, unlock the
account, send a password reset code; ask for an unfreeze, a fee refund, compensation, a fee
waiver or the write-off of money owed after a chargeback; retry or cancel a stuck withdrawal;
and one of the customer's transactions as staff see it.

Thin: each form calls the owning domain's service function, which checks the permission,
audits the action and writes it on the case's timeline.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from walletdesk.cases import service
from walletdesk.cases.console import act, case_page
from walletdesk.cases.models import Case
from walletdesk.cases.panel import PanelDisplay
from walletdesk.cases.webforms import display_for, field_errors
from walletdesk.errors import DomainError
from walletdesk.identity import staff_actions
from walletdesk.identity.models import User
from walletdesk.identity.permissions import require_permission
from walletdesk.money import parse_amount
from walletdesk.payments import stuck
from walletdesk.payments.dispatch import gateway_of
from walletdesk.risk import service as risk
from walletdesk.wallet import adjustments, history, owed
from walletdesk.web.deps import Context, Id

router = APIRouter(include_in_schema=False)


@router.post("/console/cases/{case_id}/reveal")
def reveal(case_id: Id, ctx: Context) -> Response:
    """The case page once more, with the chosen personal data in full (not a redirect: a
    reload shows it masked again)."""
    actor = ctx.require("agent")
    fields = [str(name) for name in ctx.multi_form().getlist("fields")]
    case = service.get_readable_case(ctx.db, user=actor, case_id=case_id)
    try:
        shown = staff_actions.reveal_personal_data(
            ctx.db,
            staff=actor,
            customer_id=case.customer_id,
            fields=fields,
            case_id=case.id,
            ip=ctx.ip,
        )
    except DomainError as exc:
        errors = {"reveal": " ".join(field_errors(ctx, exc).values())}
        return case_page(ctx, case, errors=errors, status_code=exc.status)
    return case_page(ctx, case, reveal=shown)


@router.post("/console/cases/{case_id}/unlock")
def unlock(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: object) -> None:
        staff_actions.unlock_account(
            ctx.db,
            settings=ctx.settings,
            staff=actor,
            customer_id=case.customer_id,
            reason=values.get("reason", ""),
            case_id=case.id,
            ip=ctx.ip,
        )

    return act(ctx, case_id, "unlock", action)


@router.post("/console/cases/{case_id}/password-reset-code")
def password_reset_code(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, _values: dict[str, str], _files: object) -> None:
        staff_actions.send_password_reset_code(
            ctx.db,
            settings=ctx.settings,
            staff=actor,
            customer_id=case.customer_id,
            case_id=case.id,
            ip=ctx.ip,
        )

    return act(ctx, case_id, "reset_code", action)


@router.post("/console/cases/{case_id}/unfreeze")
def unfreeze(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: object) -> None:
        raw = values.get("freeze_id", "")
        freeze_id = int(raw) if raw.isdigit() else 0
        risk.request_unfreeze(
            ctx.db,
            freeze_id=freeze_id,
            staff=actor,
            reason=values.get("reason", ""),
            case_id=case.id,
            customer_id=case.customer_id,
            ip=ctx.ip,
        )

    return act(ctx, case_id, "unfreeze", action)


@router.post("/console/cases/{case_id}/fee-refund")
def fee_refund(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: object) -> None:
        public_id = values.get("transaction", "")
        tx = history.get_transaction(ctx.db, user_id=case.customer_id, public_id=public_id)
        adjustments.request_fee_refund(
            ctx.db,
            staff=actor,
            customer_id=case.customer_id,
            public_id=tx.public_id,
            amount_minor=parse_amount(values.get("amount", ""), tx.currency),
            reason=values.get("reason", ""),
            case_id=case.id,
            ip=ctx.ip,
        )

    return act(ctx, case_id, "fee_refund", action)


@router.post("/console/cases/{case_id}/compensation")
def compensation(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: object) -> None:
        currency = values.get("currency", "")
        adjustments.request_compensation(
            ctx.db,
            staff=actor,
            customer_id=case.customer_id,
            amount_minor=parse_amount(values.get("amount", ""), currency),
            currency=currency,
            reason=values.get("reason", ""),
            case_id=case.id,
            ip=ctx.ip,
        )

    return act(ctx, case_id, "compensation", action)


@router.post("/console/cases/{case_id}/fee-waiver")
def fee_waiver(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: object) -> None:
        raw = values.get("days", "").strip()
        adjustments.request_fee_waiver(
            ctx.db,
            staff=actor,
            customer_id=case.customer_id,
            days=int(raw) if raw.isdigit() else 0,
            reason=values.get("reason", ""),
            case_id=case.id,
            ip=ctx.ip,
        )

    return act(ctx, case_id, "fee_waiver", action)


@router.post("/console/cases/{case_id}/write-off")
def write_off(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: object) -> None:
        owed.request_write_off(
            ctx.db,
            staff=actor,
            customer_id=case.customer_id,
            currency=values.get("currency", ""),
            reason=values.get("reason", ""),
            case_id=case.id,
            ip=ctx.ip,
        )

    return act(ctx, case_id, "write_off", action)


@router.post("/console/cases/{case_id}/withdrawals/{public_id}/retry")
def retry_withdrawal(case_id: Id, public_id: str, ctx: Context) -> Response:
    def action(case: Case, actor: User, _values: dict[str, str], _files: object) -> None:
        stuck.retry_withdrawal(
            ctx.db,
            staff=actor,
            customer_id=case.customer_id,
            public_id=public_id,
            gateway=gateway_of(ctx.request.app),
            case_id=case.id,
            ip=ctx.ip,
        )

    return act(ctx, case_id, "withdrawal", action)


@router.post("/console/cases/{case_id}/withdrawals/{public_id}/cancel")
def cancel_withdrawal(case_id: Id, public_id: str, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: object) -> None:
        stuck.cancel_withdrawal(
            ctx.db,
            staff=actor,
            customer_id=case.customer_id,
            public_id=public_id,
            reason=values.get("reason", ""),
            case_id=case.id,
            ip=ctx.ip,
        )

    return act(ctx, case_id, "withdrawal", action)


@router.get("/console/cases/{case_id}/transactions/{public_id}")
def transaction(case_id: Id, public_id: str, ctx: Context) -> Response:
    """One of the case's customer's transactions with its steps, fee and refunds."""
    actor = ctx.require("agent")
    require_permission(actor, "customer.view")
    case = service.get_readable_case(ctx.db, user=actor, case_id=case_id)
    tx = history.get_transaction(ctx.db, user_id=case.customer_id, public_id=public_id)
    refunded = adjustments.refunded_fees(ctx.db, user_id=tx.user_id, public_ids=[tx.public_id])
    return ctx.render(
        "cases/console_transaction.html",
        case=case,
        tx=tx,
        charged=adjustments.charged_fee(tx),
        refunded=refunded.get(tx.public_id, 0),
        stuck=stuck.is_stuck(tx),
        show=display_for(ctx),
        pshow=PanelDisplay(ctx._),
    )
