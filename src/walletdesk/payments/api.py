"""The payments JSON API: saved methods, deposits, withdrawals, provider webhooks, and the
staff's withdrawal review.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from walletdesk.identity.web import Payment, require_step_up
from walletdesk.money import minor_units
from walletdesk.payments import deposits, methods, service, withdrawals
from walletdesk.payments.dispatch import gateway_of, send_after_commit
from walletdesk.payments.schemas import (
    DepositIn,
    MethodIn,
    MethodOut,
    RejectIn,
    TransactionOut,
    WebhookOut,
    WithdrawalIn,
)
from walletdesk.payments.settings import PaymentSettings
from walletdesk.payments.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from walletdesk.payments.webhooks import receive_webhook
from walletdesk.web.deps import DB, Context, Id, RawBody

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])
# Sent again after a lost answer, the same key returns the first deposit or withdrawal (the
# provider is idempotent by its reference too, so sending it again charges nothing twice).
IDEMPOTENCY_KEY = Header(
    None, min_length=8, max_length=64, description="the same key again returns the first one"
)


@router.get("/methods", response_model=list[MethodOut])
def list_methods(ctx: Context) -> list[MethodOut]:
    user = ctx.require("customer")
    return [MethodOut.of(m) for m in methods.active_methods(ctx.db, user_id=user.id)]


@router.post(
    "/methods",
    response_model=MethodOut,
    status_code=201,
    responses={403: {"description": "step_up_required: send again with step_up_code"}},
)
def bind_method(ctx: Context, body: MethodIn) -> MethodOut:
    user = ctx.require("customer")
    require_step_up(ctx, Payment("bind_method"), body.step_up_code)
    secret = PaymentSettings.of(ctx.settings).webhook_secret
    method = methods.bind_method(
        ctx.db,
        user_id=user.id,
        kind=body.kind,
        number=body.number,
        bank_name=body.bank_name,
        label=body.label,
        secret=secret,
    )
    return MethodOut.of(method)


@router.delete("/methods/{method_id}", status_code=204)
def unbind_method(ctx: Context, method_id: Id) -> None:
    user = ctx.require("customer")
    methods.unbind_method(ctx.db, user_id=user.id, method_id=method_id)


@router.post("/deposits", response_model=TransactionOut, status_code=201)
def create_deposit(
    ctx: Context, body: DepositIn, idempotency_key: str | None = IDEMPOTENCY_KEY
) -> TransactionOut:
    user = ctx.require("customer")
    gateway = gateway_of(ctx.request.app)
    tx = deposits.start_deposit(
        ctx.db,
        user_id=user.id,
        method=body.method,
        amount_minor=body.money().minor,
        currency=body.currency,
        payment_method_id=body.payment_method_id,
        psettings=gateway.psettings,
        request_key=idempotency_key,
    )
    send_after_commit(ctx.db, gateway=gateway, tx_id=tx.id)
    return TransactionOut.of(tx, ctx.lang)


@router.get("/deposits/{public_id}", response_model=TransactionOut)
def get_deposit(ctx: Context, public_id: str) -> TransactionOut:
    user = ctx.require("customer")
    tx = service.readable_payment(ctx.db, user_id=user.id, public_id=public_id, kind="deposit")
    return TransactionOut.of(tx, ctx.lang)


@router.get("/withdrawals/{public_id}", response_model=TransactionOut)
def get_withdrawal(ctx: Context, public_id: str) -> TransactionOut:
    user = ctx.require("customer")
    tx = service.readable_payment(ctx.db, user_id=user.id, public_id=public_id, kind="withdrawal")
    return TransactionOut.of(tx, ctx.lang)


@router.post(
    "/withdrawals",
    response_model=TransactionOut,
    status_code=201,
    responses={403: {"description": "step_up_required: send again with step_up_code"}},
)
def create_withdrawal(
    ctx: Context, body: WithdrawalIn, idempotency_key: str | None = IDEMPOTENCY_KEY
) -> TransactionOut:
    user = ctx.require("customer")
    gateway = gateway_of(ctx.request.app)
    amount_minor = body.money().minor
    payment = Payment("withdrawal", amount_minor, body.currency, minor_units(body.currency))
    require_step_up(
        ctx,
        payment,
        body.step_up_code,
        check_first=lambda: withdrawals.quote_withdrawal(
            ctx.db,
            user_id=user.id,
            method=methods.owned_method(ctx.db, user_id=user.id, method_id=body.payment_method_id),
            amount_minor=amount_minor,
            currency=body.currency,
        ),
    )
    tx = withdrawals.request_withdrawal(
        ctx.db,
        user_id=user.id,
        payment_method_id=body.payment_method_id,
        amount_minor=amount_minor,
        currency=body.currency,
        psettings=gateway.psettings,
        request_key=idempotency_key,
    )
    if tx.status == "processing":
        send_after_commit(ctx.db, gateway=gateway, tx_id=tx.id)
    return TransactionOut.of(tx, ctx.lang)


@router.post("/webhooks/{provider}", response_model=WebhookOut)
def webhook(provider: str, request: Request, db: DB, body: RawBody) -> JSONResponse:
    """Signed by the provider (no session, no CSRF): 200 settled or duplicate, 202 ignored."""
    psettings = PaymentSettings.of(request.app.state.settings)
    result = receive_webhook(
        db,
        provider=provider,
        body=body,
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        psettings=psettings,
        now=time.time(),
    )
    return JSONResponse({"result": result}, status_code=202 if result == "ignored" else 200)


@router.get("/staff/withdrawals", response_model=list[TransactionOut])
def review_list(ctx: Context) -> list[TransactionOut]:
    ctx.require("agent")
    return [TransactionOut.of(tx, ctx.lang) for tx in withdrawals.awaiting_review(ctx.db)]


@router.post("/staff/withdrawals/{public_id}/approve", response_model=TransactionOut)
def approve(ctx: Context, public_id: str) -> TransactionOut:
    staff = ctx.require("supervisor")
    tx = withdrawals.approve_withdrawal(ctx.db, public_id=public_id, staff=staff, ip=ctx.ip)
    send_after_commit(ctx.db, gateway=gateway_of(ctx.request.app), tx_id=tx.id)
    return TransactionOut.of(tx, ctx.lang)


@router.post("/staff/withdrawals/{public_id}/reject", response_model=TransactionOut)
def reject(ctx: Context, public_id: str, body: RejectIn) -> TransactionOut:
    staff = ctx.require("supervisor")
    tx = withdrawals.reject_withdrawal(
        ctx.db, public_id=public_id, staff=staff, reason=body.reason, ip=ctx.ip
    )
    return TransactionOut.of(tx, ctx.lang)
