"""The customer's wallet pages: balances, transaction history with filters and CSV statement,
one transaction's steps, transfers (form → preview → confirm) and the receive QR code.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from walletdesk.errors import DomainError, ValidationFailed
from walletdesk.i18n import Translator
from walletdesk.identity.models import User
from walletdesk.identity.web import Payment, require_step_up, step_up_needed, step_up_text
from walletdesk.money import MINOR_UNITS, format_minor, minor_units, normalize_typed, parse_amount
from walletdesk.risk import service as risk
from walletdesk.wallet import history, owed, transfers
from walletdesk.wallet import service as wallet
from walletdesk.wallet.api import csv_response
from walletdesk.wallet.fees import fee_waiver_in_force
from walletdesk.wallet.qr import receive_qr_svg
from walletdesk.wallet.reasons import reason_text
from walletdesk.wallet.transactions import METHODS, TRANSACTION_KINDS, TRANSACTION_STATES
from walletdesk.web.deps import Context, Ctx

router = APIRouter(include_in_schema=False)
TRANSFER_FIELDS = ("phone", "code", "amount", "currency")


class Show:
    """Display helpers for the wallet templates, in the reader's language."""

    def __init__(self, _: Translator, lang: str) -> None:
        self._ = _
        self.lang = lang

    def money(self, amount_minor: int, currency: str) -> str:
        return f"{format_minor(amount_minor, currency)} {currency}"

    def time(self, when: datetime | None) -> str:
        return history.beijing_time(when)

    def kind(self, kind: str) -> str:
        return history.kind_label(kind, self._)

    def status(self, status: str) -> str:
        return history.status_label(status, self._)

    def method(self, method: str) -> str:
        return history.method_label(method, self._)

    def reason(self, code: str | None, kind: str = "") -> str:
        return reason_text(code, self.lang, kind)

    def signed(self, tx: Any) -> str:
        return f"{history.signed_amount(tx)} {tx.currency}"


def _page(ctx: Ctx, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    return ctx.render(template, status_code=status_code, show=Show(ctx._, ctx.lang), **values)


def _filters(kind: str, status: str, currency: str, date_from: str, date_to: str) -> Any:
    return history.Filters.parse(
        kind=kind, status=status, currency=currency, date_from=date_from, date_to=date_to
    )


@router.get("/wallet")
def home(ctx: Context) -> HTMLResponse:
    user = ctx.require("customer")
    recent = history.list_transactions(
        ctx.db, user_id=user.id, filters=history.Filters(), per_page=10
    )
    balances = sorted(wallet.balances(ctx.db, user_id=user.id).values(), key=lambda b: b.currency)
    notices = risk.freeze_notices(ctx.db, user_id=user.id, tz=ctx.settings.timezone)
    return _page(
        ctx,
        "wallet/home.html",
        balances=balances,
        owed=owed.owed_by_currency(ctx.db, user_id=user.id),
        fee_waiver_until=user.fee_waiver_until
        if fee_waiver_in_force(ctx.db, user_id=user.id)
        else None,
        recent=recent.items,
        freeze_notices=notices,
    )


@router.get("/wallet/transactions")
def transactions(
    ctx: Context,
    kind: str = "",
    status: str = "",
    currency: str = "",
    date_from: str = "",
    date_to: str = "",
    page: int = Query(1, ge=1, le=10_000),
) -> HTMLResponse:
    user = ctx.require("customer")
    typed = {
        "kind": kind,
        "status": status,
        "currency": currency,
        "date_from": date_from,
        "date_to": date_to,
    }
    try:
        filters = _filters(kind, status, currency, date_from, date_to)
        error: ValidationFailed | None = None
    except ValidationFailed as exc:
        filters, error = history.Filters(), exc
    found = history.list_transactions(ctx.db, user_id=user.id, filters=filters, page=page)
    return _page(
        ctx,
        "wallet/transactions.html",
        found=found,
        typed=typed,
        query=filters.query(),
        errors={error.field or "kind": ctx._(error.message, **error.params)} if error else {},
        kinds=TRANSACTION_KINDS,
        states=TRANSACTION_STATES,
        currencies=sorted(MINOR_UNITS),
        methods=METHODS,
    )


@router.get("/wallet/statement.csv")
def statement(
    ctx: Context,
    kind: str = "",
    status: str = "",
    currency: str = "",
    date_from: str = "",
    date_to: str = "",
) -> Response:
    user = ctx.require("customer")
    filters = _filters(kind, status, currency, date_from, date_to)
    text = history.statement_csv(ctx.db, user_id=user.id, filters=filters, lang=ctx.lang)
    return csv_response(text)


@router.get("/wallet/transactions/{public_id}")
def transaction(ctx: Context, public_id: str, sent: int = Query(0, ge=0, le=1)) -> HTMLResponse:
    user = ctx.require("customer")
    tx = history.get_transaction(ctx.db, user_id=user.id, public_id=public_id)
    return _page(ctx, "wallet/transaction.html", tx=tx, sent=bool(sent), owing=owed.owed_on(tx))


@router.get("/wallet/transfer")
def transfer_form(ctx: Context, code: str = "") -> HTMLResponse:
    ctx.require("customer")
    typed = {"phone": "", "code": code[:400], "amount": "", "currency": "CNY"}
    return _transfer_form(ctx, typed, {})


@router.post("/wallet/transfer")
def transfer_preview(ctx: Context) -> HTMLResponse:
    user = ctx.require("customer")
    typed = _typed(ctx.form())
    try:
        preview = _preview(ctx, user, typed)
    except DomainError as exc:
        return _transfer_form(ctx, typed, _errors(ctx, exc), status_code=exc.status)
    need = step_up_needed(ctx, _payment(preview.amount_minor, preview.currency))
    return _preview_page(ctx, preview, typed, secrets.token_urlsafe(18), step_up_text(ctx, need))


def _payment(amount_minor: int, currency: str) -> Payment:
    return Payment("transfer", amount_minor, currency, minor_units(currency))


def _preview_page(
    ctx: Ctx,
    preview: transfers.TransferPreview,
    typed: dict[str, str],
    key: str,  # one key per preview: a double submit pays once
    step_up: str,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return _page(
        ctx,
        "wallet/transfer_preview.html",
        status_code=status_code,
        preview=preview,
        typed=typed,
        key=key,
        step_up=step_up,
        step_up_error=error,
    )


@router.post("/wallet/transfer/confirm", response_model=None)
def transfer_confirm(ctx: Context) -> HTMLResponse | RedirectResponse:
    user = ctx.require("customer")
    form = ctx.form()
    typed = _typed(form)
    try:
        target = _target(ctx, typed)
        amount_minor, currency = transfers.transfer_amount(
            target, amount=typed["amount"], currency=typed["currency"]
        )
        code = str(form.get("step_up_code") or "")
        require_step_up(ctx, _payment(amount_minor, currency), code)
        tx = transfers.confirm_transfer(
            ctx.db,
            sender_id=user.id,
            recipient_id=target.recipient.id,
            amount_minor=amount_minor,
            currency=currency,
            idempotency_key=str(form.get("key") or ""),
        )
    except DomainError as exc:
        ctx.db.rollback()
        if exc.field == "step_up_code":  # the check page again, with the code field
            preview = _preview(ctx, user, typed)
            message = ctx._(exc.message, **exc.params)
            key = str(form.get("key") or "")
            error = message if exc.code != "step_up_required" else ""
            shown = message if not error else ctx._("Enter the code to confirm.")
            return _preview_page(ctx, preview, typed, key, shown, error, exc.status)
        return _transfer_form(ctx, typed, _errors(ctx, exc), status_code=exc.status)
    # Held for review or stopped by a freeze: the transaction page says so, not "sent".
    sent = "?sent=1" if tx.status == "succeeded" else ""
    return RedirectResponse(f"/wallet/transactions/{tx.public_id}{sent}", status_code=303)


@router.get("/wallet/receive")
def receive(ctx: Context, currency: str = "CNY", amount: str = "") -> HTMLResponse:
    user = ctx.require("customer")
    errors: dict[str, str] = {}
    amount_minor = None
    if currency not in MINOR_UNITS:
        currency = "CNY"
    if amount.strip():
        try:
            amount_minor = parse_amount(amount, currency)
        except ValidationFailed as exc:
            errors["amount"] = ctx._(exc.message, **exc.params)
    code = transfers.make_receive_code(
        ctx.settings.signing_key(), user_id=user.id, currency=currency, amount_minor=amount_minor
    )
    svg = receive_qr_svg(code, title=ctx._("My receive code"))
    return _page(
        ctx,
        "wallet/receive.html",
        code=code,
        svg=svg,
        typed={"currency": currency, "amount": amount[:24]},
        amount_minor=amount_minor,
        currencies=sorted(MINOR_UNITS),
        errors=errors,
        minutes=transfers.RECEIVE_CODE_SECONDS // 60,
    )


def _typed(form: dict[str, Any]) -> dict[str, str]:
    typed = {name: str(form.get(name) or "").strip()[:400] for name in TRANSFER_FIELDS}
    typed["amount"] = normalize_typed(typed["amount"])  # shown back as read: １００ → 100
    return typed


def _target(ctx: Ctx, typed: dict[str, str]) -> transfers.Target:
    return transfers.resolve_target(
        ctx.db, secret=ctx.settings.signing_key(), phone=typed["phone"], code=typed["code"]
    )


def _preview(ctx: Ctx, user: User, typed: dict[str, str]) -> transfers.TransferPreview:
    target = _target(ctx, typed)
    amount_minor, currency = transfers.transfer_amount(
        target, amount=typed["amount"], currency=typed["currency"]
    )
    return transfers.preview_transfer(
        ctx.db,
        sender_id=user.id,
        recipient=target.recipient,
        amount_minor=amount_minor,
        currency=currency,
    )


def _errors(ctx: Ctx, exc: DomainError) -> dict[str, str]:
    field = exc.field if exc.field in ("recipient", "code", "amount", "currency") else "form"
    return {field: ctx._(exc.message, **exc.params)}


def _transfer_form(
    ctx: Ctx, typed: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    return _page(
        ctx,
        "wallet/transfer.html",
        status_code=status_code,
        typed=typed,
        errors=errors,
        currencies=sorted(MINOR_UNITS),
    )
