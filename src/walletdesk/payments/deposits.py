"""Deposits: the customer chooses a method and amount, the fee is quoted, a processing
transaction is recorded, and the provider's webhook credits the ledger once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.errors import Forbidden, ValidationFailed
from walletdesk.identity import service as identity
from walletdesk.money import check_currency
from walletdesk.payments.methods import CARD_KINDS, deposit_address, owned_method
from walletdesk.payments.models import METHOD_KINDS
from walletdesk.payments.settings import PaymentSettings
from walletdesk.wallet import owed
from walletdesk.wallet import service as wallet
from walletdesk.wallet.fees import FeeQuote, quote_fee
from walletdesk.wallet.transactions import WalletTransaction, advance, record_transaction

NOT_RECEIVED_HELP = "/help/articles/deposit-not-received"
NOT_RECEIVED_CASE = "/portal/cases/new?category=deposit_withdrawal"


def quote_deposit(
    db: Session, *, user_id: int, method: str, amount_minor: int, currency: str
) -> FeeQuote:
    """The deposit fee from the wallet's one fee schedule (the one /help/fees shows)."""
    return quote_fee(
        db,
        user_id=user_id,
        method=method,
        direction="deposit",
        scope="domestic",
        amount_minor=amount_minor,
        currency=currency,
    )


def start_deposit(
    db: Session,
    *,
    user_id: int,
    method: str,
    amount_minor: int,
    currency: str,
    payment_method_id: int | None,
    psettings: PaymentSettings,
    request_key: str | None = None,
) -> WalletTransaction:
    """Record a processing deposit; the caller sends the charge once this commits. The same
    `request_key` again returns the first deposit (Conflict if it asked for another one)."""
    if method not in METHOD_KINDS:
        raise ValidationFailed("Choose a payment method.", field="method")
    check_currency(currency)
    if method == "crypto" and currency != "USDT":
        raise ValidationFailed("Crypto deposits are in USDT.", field="currency")
    if identity.is_self_locked(db, user_id=user_id):
        raise Forbidden("Your account is locked. Unlock it to move money.", code="self_locked")
    if request_key:
        done = wallet.replayed_request(
            db,
            user_id=user_id,
            kind="deposit",
            key=request_key,
            currency=currency,
            amount_minor=amount_minor,
            method=method,
            payment_method_id=payment_method_id,
        )
        if done is not None:
            return done
    details: dict[str, object] = {}
    counterparty = ""
    if method in CARD_KINDS or payment_method_id is not None:
        if payment_method_id is None:
            raise ValidationFailed("Choose a bound card.", field="payment_method_id")
        bound = owned_method(db, user_id=user_id, method_id=payment_method_id)
        if bound.kind != method:
            raise ValidationFailed("Choose a bound card.", field="payment_method_id")
        details["payment_method_id"] = bound.id
        counterparty = bound.masked_number
    if method == "crypto":
        counterparty = deposit_address(db, user_id=user_id, secret=psettings.webhook_secret).address
    quote = quote_deposit(
        db, user_id=user_id, method=method, amount_minor=amount_minor, currency=currency
    )
    details.update(quote.details())
    fee = quote.fee_minor
    return record_transaction(
        db,
        user_id=user_id,
        kind="deposit",
        amount_minor=amount_minor,
        currency=currency,
        status="processing",
        method=method,
        fee_minor=fee,
        counterparty=counterparty,
        details=details,
        actor_id=user_id,
        reference_type=wallet.REQUEST_KEY if request_key else None,
        reference_id=request_key,
    )


def credit_deposit(db: Session, *, tx: WalletTransaction, provider: str, ref: str) -> None:
    """The provider confirmed the money: credit it once (the key makes a replay harmless)."""
    entry = wallet.post_deposit(
        db,
        user_id=tx.user_id,
        method=tx.method,
        amount_minor=tx.amount_minor,
        currency=tx.currency,
        idempotency_key=f"deposit:{provider}:{ref}",
        reference_type="wallet_transaction",
        reference_id=tx.public_id,
    )
    if tx.fee_minor:
        wallet.post_fee(
            db,
            user_id=tx.user_id,
            amount_minor=tx.fee_minor,
            idempotency_key=f"deposit-fee:{provider}:{ref}",
            currency=tx.currency,
            reference_type="wallet_transaction",
            reference_id=tx.public_id,
        )
    tx.entry_id = entry.id
    tx.failure_code = None
    advance(db, tx=tx, step="succeeded", status="succeeded")
    owed.repay(db, user_id=tx.user_id, currency=tx.currency)  # money owed is repaid first


def expire_unconfirmed_deposits(
    db: Session, *, now: datetime, timeout_seconds: int = 24 * 3600
) -> int:
    """Mark deposits unconfirmed for longer than the timeout as not received (the customer is
    told what to do). A confirmation arriving later still credits them."""
    cutoff = now - timedelta(seconds=timeout_seconds)
    stale = db.scalars(
        select(WalletTransaction)
        .where(
            WalletTransaction.kind == "deposit",
            WalletTransaction.status == "processing",
            WalletTransaction.created_at < cutoff,
        )
        # A deposit whose confirmation is being settled right now is not given up on: its
        # webhook holds the row, and the next run sees it succeeded.
        .with_for_update(skip_locked=True)
    ).all()
    for tx in stale:
        advance(db, tx=tx, step="failed", status="failed", failure_code="not_received")
    return len(stale)


def unsent_deposits(db: Session, *, older_than: datetime) -> list[int]:
    """Processing deposits the provider never answered (a timeout): to be sent again."""
    return list(
        db.scalars(
            select(WalletTransaction.id).where(
                WalletTransaction.kind == "deposit",
                WalletTransaction.status == "processing",
                WalletTransaction.provider_ref.is_(None),
                WalletTransaction.created_at < older_than,
            )
        )
    )
