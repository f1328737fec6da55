"""Customer pages: deposit (method, amount, fee preview, then pay), a payment's status with
its steps, withdraw, and saved methods (bind a card, unbind). Staff pages are in `console`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from walletdesk.errors import DomainError, ValidationFailed
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.identity.web import Payment, require_step_up, step_up_needed, step_up_text
from walletdesk.money import minor_units, normalize_typed, parse_amount
from walletdesk.payments import console, deposits, methods, service, withdrawals
from walletdesk.payments.dispatch import gateway_of, send_after_commit
from walletdesk.payments.models import METHOD_KINDS
from walletdesk.payments.settings import PaymentSettings
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(include_in_schema=False)
router.include_router(console.router)


def _render(ctx: Ctx, template: str, status_code: int = 200, **values: Any) -> Response:
    typed = values.get("values")
    if isinstance(typed, dict) and "amount" in typed:  # shown back as read: １００．５ → 100.5
        values["values"] = {**typed, "amount": normalize_typed(typed["amount"])}
    return ctx.render(template, status_code=status_code, **values)


def _customer(ctx: Ctx) -> User:
    return ctx.require("customer")


FORM_FIELDS = ("method", "payment_method_id", "amount", "currency", "kind", "number")


def _errors(ctx: Ctx, exc: DomainError) -> dict[str, str]:
    """The message by the field it concerns, else at the top of the form."""
    field = exc.field if exc.field in FORM_FIELDS else "form"
    return {field: ctx._(exc.message, **exc.params)}


def _deposit_form(
    ctx: Ctx, user: User, values: dict[str, Any], errors: dict[str, str], **extra: Any
) -> Response:
    secret = PaymentSettings.of(ctx.settings).webhook_secret
    return _render(
        ctx,
        "payments/deposit.html",
        kinds=METHOD_KINDS,
        methods=methods.active_methods(ctx.db, user_id=user.id),
        address=methods.deposit_address(ctx.db, user_id=user.id, secret=secret).address,
        recent=service.recent_payments(ctx.db, user_id=user.id, kind="deposit"),
        values=values,
        errors=errors,
        status_code=422 if errors else 200,
        **extra,
    )


def _read_deposit(form: dict[str, Any]) -> tuple[str, str, int, int | None]:
    method = str(form.get("method", ""))
    if method not in METHOD_KINDS:
        raise ValidationFailed("Choose a payment method.", field="method")
    currency = "USDT" if method == "crypto" else "CNY"
    amount_minor = parse_amount(str(form.get("amount", "")), currency)
    raw_id = str(form.get("payment_method_id", "")).strip()
    card = raw_id.isdigit() and method in methods.CARD_KINDS  # the card choice is for cards only
    return method, currency, amount_minor, int(raw_id) if card else None


@router.get("/wallet/deposit")
def deposit_page(ctx: Context, method: str = "bank_card") -> Response:
    user = _customer(ctx)
    return _deposit_form(ctx, user, {"method": method}, {})


@router.post("/wallet/deposit")
def deposit_submit(ctx: Context) -> Response:
    """First submit: the fee preview. With confirm=1: the deposit is recorded and sent."""
    user = _customer(ctx)
    form = ctx.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        method, currency, amount_minor, method_id = _read_deposit(form)
        if method in methods.CARD_KINDS:
            if method_id is None:
                raise ValidationFailed("Choose a bound card.", field="payment_method_id")
            methods.owned_method(ctx.db, user_id=user.id, method_id=method_id)
        fee = deposits.quote_deposit(
            ctx.db, user_id=user.id, method=method, amount_minor=amount_minor, currency=currency
        ).fee_minor
        if form.get("confirm") != "1":
            preview = {"amount_minor": amount_minor, "fee_minor": fee, "currency": currency}
            return _deposit_form(ctx, user, values, {}, preview=preview)
        gateway = gateway_of(ctx.request.app)
        tx = deposits.start_deposit(
            ctx.db,
            user_id=user.id,
            method=method,
            amount_minor=amount_minor,
            currency=currency,
            payment_method_id=method_id,
            psettings=gateway.psettings,
        )
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _deposit_form(ctx, user, values, _errors(ctx, exc))
    send_after_commit(ctx.db, gateway=gateway, tx_id=tx.id)
    return RedirectResponse(f"/wallet/deposit/{tx.public_id}", status_code=303)


@router.get("/wallet/deposit/{public_id}")
def deposit_status(ctx: Context, public_id: str) -> Response:
    user = _customer(ctx)
    tx = service.readable_payment(ctx.db, user_id=user.id, public_id=public_id, kind="deposit")
    return _render(
        ctx,
        "payments/status.html",
        tx=tx,
        help_url=deposits.NOT_RECEIVED_HELP,
        case_url=deposits.NOT_RECEIVED_CASE,
    )


def _withdraw_form(
    ctx: Ctx, user: User, values: dict[str, Any], errors: dict[str, str], **extra: Any
) -> Response:
    return _render(
        ctx,
        "payments/withdraw.html",
        methods=methods.active_methods(ctx.db, user_id=user.id),
        verified=identity.kyc_level(ctx.db, user_id=user.id) != "unverified",
        recent=service.recent_payments(ctx.db, user_id=user.id, kind="withdrawal"),
        values=values,
        errors=errors,
        status_code=422 if errors else 200,
        **extra,
    )


@router.get("/wallet/withdraw")
def withdraw_page(ctx: Context) -> Response:
    user = _customer(ctx)
    return _withdraw_form(ctx, user, {}, {})


@router.post("/wallet/withdraw")
def withdraw_submit(ctx: Context) -> Response:
    """First submit: where to, the fee and the amount held. With confirm=1: requested."""
    user = _customer(ctx)
    form = ctx.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    gateway = gateway_of(ctx.request.app)
    try:
        raw_id = values.get("payment_method_id", "")
        if not raw_id.isdigit():
            raise ValidationFailed("Choose where the money goes.", field="payment_method_id")
        method = methods.owned_method(ctx.db, user_id=user.id, method_id=int(raw_id))
        currency = "USDT" if method.kind == "crypto" else "CNY"
        amount_minor = parse_amount(values.get("amount", ""), currency)
        payment = Payment("withdrawal", amount_minor, currency, minor_units(currency))
        if values.get("confirm") != "1":
            step_up = step_up_text(ctx, step_up_needed(ctx, payment))
            return _withdraw_preview(ctx, user, values, method, payment, step_up)
        try:
            require_step_up(ctx, payment, values.get("step_up_code"))
        except DomainError as exc:  # the preview again, with the code field
            if exc.field != "step_up_code":
                raise
            asked = exc.code == "step_up_required"
            message = ctx._(exc.message, **exc.params)
            step_up = message if asked else ctx._("Enter the code to confirm.")
            error = "" if asked else message
            return _withdraw_preview(ctx, user, values, method, payment, step_up, error)
        tx = withdrawals.request_withdrawal(
            ctx.db,
            user_id=user.id,
            payment_method_id=method.id,
            amount_minor=amount_minor,
            currency=currency,
            psettings=gateway.psettings,
        )
    except DomainError as exc:
        if exc.status >= 500:
            raise
        ctx.db.rollback()
        return _withdraw_form(ctx, user, values, _errors(ctx, exc))
    if tx.status == "processing":
        send_after_commit(ctx.db, gateway=gateway, tx_id=tx.id)
    return RedirectResponse(f"/wallet/withdraw/{tx.public_id}", status_code=303)


def _withdraw_preview(
    ctx: Ctx,
    user: User,
    values: dict[str, Any],
    method: Any,
    payment: Payment,
    step_up: str,
    error: str = "",
) -> Response:
    """The fee and the amount held, before confirming (with the step-up field when needed)."""
    amount_minor, currency = payment.amount_minor or 0, payment.currency
    quote = withdrawals.quote_withdrawal(
        ctx.db, user_id=user.id, method=method, amount_minor=amount_minor, currency=currency
    )
    preview = {"method": method, "amount_minor": amount_minor, "currency": currency}
    return _withdraw_form(
        ctx, user, values, {}, preview=preview, quote=quote, step_up=step_up, step_up_error=error
    )


@router.get("/wallet/withdraw/{public_id}")
def withdraw_status(ctx: Context, public_id: str) -> Response:
    user = _customer(ctx)
    tx = service.readable_payment(ctx.db, user_id=user.id, public_id=public_id, kind="withdrawal")
    return _render(
        ctx, "payments/status.html", tx=tx, help_url="", case_url=deposits.NOT_RECEIVED_CASE
    )


def _methods_page(
    ctx: Ctx,
    user: User,
    values: dict[str, Any],
    errors: dict[str, str],
    step_up: tuple[str, str] = ("", ""),
) -> Response:
    return _render(
        ctx,
        "payments/methods.html",
        kinds=METHOD_KINDS,
        methods=methods.active_methods(ctx.db, user_id=user.id),
        values=values,
        errors=errors,
        step_up=step_up[0],
        step_up_error=step_up[1],
        status_code=422 if errors or step_up[1] else 200,
    )


@router.get("/wallet/methods")
def methods_page(ctx: Context) -> Response:
    user = _customer(ctx)
    return _methods_page(ctx, user, {"kind": "bank_card"}, {})


@router.post("/wallet/methods")
def methods_bind(ctx: Context) -> Response:
    user = _customer(ctx)
    form = ctx.form()
    # The number is never echoed back into the page: a refused card is typed again.
    values = {k: str(v) for k, v in form.items() if k not in ("csrf_token", "number")}
    try:
        require_step_up(ctx, Payment("bind_method"), str(form.get("step_up_code") or ""))
        methods.bind_method(
            ctx.db,
            user_id=user.id,
            kind=values.get("kind", ""),
            number=str(form.get("number", "")),
            bank_name=values.get("bank_name", ""),
            label=values.get("label", ""),
            secret=PaymentSettings.of(ctx.settings).webhook_secret,
        )
    except DomainError as exc:
        if exc.status >= 500:
            raise
        if exc.field == "step_up_code":
            return _methods_page(ctx, user, values, {}, step_up=_step_up_message(ctx, exc))
        return _methods_page(ctx, user, values, _errors(ctx, exc))
    return RedirectResponse("/wallet/methods", status_code=303)


def _step_up_message(ctx: Ctx, exc: DomainError) -> tuple[str, str]:
    """(what the code field says, its error) after a refused step-up."""
    message = ctx._(exc.message, **exc.params)
    if exc.code == "step_up_required":
        return message, ""
    return ctx._("Enter the code to confirm."), message


@router.post("/wallet/methods/{method_id}/unbind")
def methods_unbind(ctx: Context, method_id: Id) -> Response:
    user = _customer(ctx)
    ctx.form()
    methods.unbind_method(ctx.db, user_id=user.id, method_id=method_id)
    return RedirectResponse("/wallet/methods", status_code=303)
