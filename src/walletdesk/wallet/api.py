"""JSON endpoints of the customer's wallet under /api/v1/wallet: balances, transactions and
statement, fee quotes, transfers (preview, then pay) and the receive code. Thin: parse, call, shape.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from walletdesk.identity.models import User
from walletdesk.identity.web import Payment, require_step_up
from walletdesk.money import check_currency, format_minor, minor_units, parse_amount
from walletdesk.wallet import history, owed, transfers
from walletdesk.wallet import service as wallet
from walletdesk.wallet.fees import quote_fee
from walletdesk.wallet.reasons import reason_text
from walletdesk.wallet.schemas import (
    BalanceOut,
    FeeQuoteOut,
    LimitsOut,
    ReceiveCodeOut,
    StepOut,
    TransactionDetailOut,
    TransactionOut,
    TransactionPageOut,
    TransferPreviewOut,
    TransferRequest,
)
from walletdesk.wallet.transactions import WalletTransaction
from walletdesk.web.deps import Context, Ctx

router = APIRouter(prefix="/api/v1/wallet", tags=["wallet"])


@router.get("/balances", response_model=list[BalanceOut])
def get_balances(ctx: Context) -> list[BalanceOut]:
    user = ctx.require("customer")
    owing = owed.owed_by_currency(ctx.db, user_id=user.id)
    return [
        BalanceOut(
            currency=b.currency,
            available=format_minor(b.available_minor, b.currency),
            held=format_minor(b.held_minor, b.currency),
            total=format_minor(b.total_minor, b.currency),
            available_minor=b.available_minor,
            held_minor=b.held_minor,
            total_minor=b.total_minor,
            owed=format_minor(owing.get(b.currency, 0), b.currency),
            owed_minor=owing.get(b.currency, 0),
        )
        for b in wallet.balances(ctx.db, user_id=user.id).values()
    ]


@router.get("/transactions", response_model=TransactionPageOut)
def list_transactions(
    ctx: Context,
    kind: str | None = None,
    status: str | None = None,
    currency: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    page: int = Query(1, ge=1, le=10_000),
    per_page: int = Query(20, ge=1, le=100),
) -> TransactionPageOut:
    user = ctx.require("customer")
    filters = history.Filters.parse(
        kind=kind, status=status, currency=currency, date_from=date_from, date_to=date_to
    )
    found = history.list_transactions(
        ctx.db, user_id=user.id, filters=filters, page=page, per_page=per_page
    )
    return TransactionPageOut(
        items=[transaction_out(tx, ctx) for tx in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        pages=found.pages,
    )


@router.get("/statement.csv", response_class=Response)
def statement(
    ctx: Context,
    kind: str | None = None,
    status: str | None = None,
    currency: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> Response:
    user = ctx.require("customer")
    filters = history.Filters.parse(
        kind=kind, status=status, currency=currency, date_from=date_from, date_to=date_to
    )
    return csv_response(
        history.statement_csv(ctx.db, user_id=user.id, filters=filters, lang=ctx.lang)
    )


@router.get("/transactions/{public_id}", response_model=TransactionDetailOut)
def get_transaction(ctx: Context, public_id: str) -> TransactionDetailOut:
    user = ctx.require("customer")
    tx = history.get_transaction(ctx.db, user_id=user.id, public_id=public_id)
    return TransactionDetailOut(
        **transaction_out(tx, ctx).model_dump(),
        steps=[StepOut.of(s, ctx.lang) for s in tx.steps],
    )


@router.get("/fee-quote", response_model=FeeQuoteOut)
def fee_quote(
    ctx: Context,
    method: str,
    direction: str,
    amount: str,
    currency: str = "CNY",
    scope: str = "domestic",
) -> FeeQuoteOut:
    user = ctx.require("customer")
    check_currency(currency)
    quote = quote_fee(
        ctx.db,
        user_id=user.id,
        method=method,
        direction=direction,
        scope=scope,
        amount_minor=parse_amount(amount, currency),
        currency=currency,
    )
    return FeeQuoteOut(
        fee=format_minor(quote.fee_minor, currency),
        fee_minor=quote.fee_minor,
        standard_fee_minor=quote.standard_fee_minor,
        currency=currency,
        rule=quote.rule.id,
        promotion=quote.promotion.id if quote.promotion else None,
        waiver=quote.waiver.id if quote.waiver else None,
    )


@router.post("/transfer/preview", response_model=TransferPreviewOut)
def transfer_preview(ctx: Context, body: TransferRequest) -> TransferPreviewOut:
    user = ctx.require("customer")
    preview = _preview(ctx, user, body)
    left = preview.limits
    cur = preview.currency
    return TransferPreviewOut(
        recipient_name=preview.recipient_name,
        recipient_phone=preview.recipient_phone,
        amount=format_minor(preview.amount_minor, cur),
        amount_minor=preview.amount_minor,
        fee=format_minor(preview.quote.fee_minor, cur),
        fee_minor=preview.quote.fee_minor,
        total=format_minor(preview.total_minor, cur),
        currency=cur,
        limits=None
        if left is None
        else LimitsOut(
            level=left.limit.level,
            single_limit=format_minor(left.single_minor, cur),
            daily_limit=format_minor(left.daily_minor, cur),
            daily_left=format_minor(left.daily_left_minor, cur),
            currency=cur,
        ),
    )


@router.post(
    "/transfer",
    response_model=TransactionOut,
    responses={403: {"description": "step_up_required: send again with step_up_code"}},
)
def transfer(
    ctx: Context,
    body: TransferRequest,
    idempotency_key: str | None = Header(None, max_length=64),
) -> TransactionOut:
    user = ctx.require("customer")
    target = _target(ctx, body)
    amount_minor, currency = transfers.transfer_amount(
        target, amount=body.amount, currency=body.currency
    )
    payment = Payment("transfer", amount_minor, currency, minor_units(currency))
    require_step_up(
        ctx,
        payment,
        body.step_up_code,
        check_first=lambda: transfers.preview_transfer(
            ctx.db,
            sender_id=user.id,
            recipient=target.recipient,
            amount_minor=amount_minor,
            currency=currency,
        ),
    )
    tx = transfers.confirm_transfer(
        ctx.db,
        sender_id=user.id,
        recipient_id=target.recipient.id,
        amount_minor=amount_minor,
        currency=currency,
        idempotency_key=idempotency_key or body.idempotency_key,
    )
    return transaction_out(tx, ctx)


@router.get("/receive-code", response_model=ReceiveCodeOut)
def receive_code(ctx: Context, currency: str = "CNY", amount: str = "") -> ReceiveCodeOut:
    user = ctx.require("customer")
    amount_minor = parse_amount(amount, currency) if amount.strip() else None
    code = transfers.make_receive_code(
        ctx.settings.signing_key(), user_id=user.id, currency=currency, amount_minor=amount_minor
    )
    found = transfers.read_receive_code(ctx.settings.signing_key(), code)
    return ReceiveCodeOut(
        code=code,
        currency=found.currency,
        amount_minor=found.amount_minor,
        expires_at=datetime.fromtimestamp(found.expires_at, UTC),
    )


def _target(ctx: Ctx, body: TransferRequest) -> transfers.Target:
    return transfers.resolve_target(
        ctx.db, secret=ctx.settings.signing_key(), phone=body.phone, code=body.code
    )


def _preview(ctx: Ctx, user: User, body: TransferRequest) -> transfers.TransferPreview:
    target = _target(ctx, body)
    amount_minor, currency = transfers.transfer_amount(
        target, amount=body.amount, currency=body.currency
    )
    return transfers.preview_transfer(
        ctx.db,
        sender_id=user.id,
        recipient=target.recipient,
        amount_minor=amount_minor,
        currency=currency,
    )


def transaction_out(tx: WalletTransaction, ctx: Ctx) -> TransactionOut:
    return TransactionOut(
        public_id=tx.public_id,
        kind=tx.kind,
        kind_label=history.kind_label(tx.kind, ctx._),
        status=tx.status,
        status_label=history.status_label(tx.status, ctx._),
        amount=format_minor(tx.amount_minor, tx.currency),
        amount_minor=tx.amount_minor,
        fee=format_minor(tx.fee_minor, tx.currency),
        fee_minor=tx.fee_minor,
        currency=tx.currency,
        method=tx.method,
        counterparty=tx.counterparty,
        failure_code=tx.failure_code,
        failure_reason=reason_text(tx.failure_code, ctx.lang, tx.kind),
        created_at=tx.created_at,
        completed_at=tx.completed_at,
    )


def csv_response(text: str) -> Response:
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="wallet-statement.csv"'},
    )
