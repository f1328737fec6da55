"""The demo customer's wallet: a verified account with a short, real history (credited and
failed deposits, a deposit that never arrived, a paid withdrawal, its fee
from the schedule) in the ledger.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.db import utcnow
from walletdesk.identity.models import User
from walletdesk.wallet import service as wallet
from walletdesk.wallet.fees import quote_fee
from walletdesk.wallet.transactions import WalletTransaction, advance, record_transaction


def _deposit(db: Session, user: User, key: str, amount: int, method: str) -> None:
    tx = record_transaction(
        db, user_id=user.id, kind="deposit", amount_minor=amount, currency="CNY", method=method
    )
    advance(db, tx=tx, step="processing", status="processing")
    entry = wallet.post_deposit(
        db,
        user_id=user.id,
        method=method,
        amount_minor=amount,
        currency="CNY",
        idempotency_key=f"demo:{key}",
        reference_type="wallet_transaction",
        reference_id=tx.public_id,
    )
    tx.entry_id = entry.id
    advance(db, tx=tx, step="succeeded", status="succeeded")


def _failed_deposit(db: Session, user: User, amount: int, method: str, code: str) -> None:
    tx = record_transaction(
        db, user_id=user.id, kind="deposit", amount_minor=amount, currency="CNY", method=method
    )
    advance(db, tx=tx, step="processing", status="processing")
    advance(db, tx=tx, step="failed", status="failed", failure_code=code)


def _withdrawal(db: Session, user: User, amount: int) -> None:
    # The fee comes from the schedule, as for any withdrawal: the promotion's "first three a
    # month free" counts this one (by the rule in its details) and may make it free.
    quote = quote_fee(
        db,
        user_id=user.id,
        method="bank_card",
        direction="withdrawal",
        scope="domestic",
        amount_minor=amount,
        currency="CNY",
    )
    fee = quote.fee_minor
    tx = record_transaction(
        db,
        user_id=user.id,
        kind="withdrawal",
        amount_minor=amount,
        currency="CNY",
        method="bank_card",
        fee_minor=fee,
        counterparty="622848******1234",
        details=quote.details(),
    )
    hold = wallet.place_hold(
        db,
        user_id=user.id,
        currency="CNY",
        amount_minor=amount + fee,
        idempotency_key=f"demo:withdrawal:{tx.public_id}",
        reference_type="wallet_transaction",
        reference_id=tx.public_id,
    )
    tx.hold_id = hold.id
    advance(db, tx=tx, step="risk_check", note="pass")
    advance(db, tx=tx, step="approved", status="processing", note="automatic")
    entry = wallet.capture_hold(
        db,
        hold_id=hold.id,
        to_code="clearing:bank_card",
        idempotency_key=f"demo:payout:{tx.public_id}",
        fee_minor=fee,
    )
    tx.entry_id = entry.id
    advance(db, tx=tx, step="succeeded", status="succeeded")


def seed_demo_wallet(db: Session, *, customer: User) -> None:
    """Once per installation: a second run finds the history and adds nothing."""
    if db.scalar(select(WalletTransaction.id).where(WalletTransaction.user_id == customer.id)):
        return
    # Verified as the demo's starting point, so that withdrawals work at once.
    customer.kyc_level = "basic"
    _deposit(db, customer, "deposit-1", 200_000, "bank_card")
    _failed_deposit(db, customer, 50_000, "credit_card", "card_declined")
    _deposit(db, customer, "deposit-2", 30_000, "payment_app")
    _failed_deposit(db, customer, 50_000, "bank_card", "not_received")
    _withdrawal(db, customer, 80_000)
    # Spread over the last days so the history reads like one.
    rows = db.scalars(
        select(WalletTransaction)
        .where(WalletTransaction.user_id == customer.id)
        .order_by(WalletTransaction.id)
    ).all()
    start = utcnow() - timedelta(days=len(rows))
    for offset, tx in enumerate(rows):
        tx.created_at = start + timedelta(days=offset, hours=offset * 3)
        for minute, step in enumerate(tx.steps):  # its steps a minute apart, from then on
            step.at = tx.created_at + timedelta(minutes=minute)
        if tx.completed_at is not None:
            tx.completed_at = tx.steps[-1].at
    db.flush()
