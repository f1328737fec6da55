"""Withdrawals: requested (funds held) → risk check (walletdesk.risk: review at or above the
threshold and by the other rules, perhaps a freeze) → review by staff → paid (hold captured on
the payout webhook), or rejected/failed (hold released). A frozen account cannot withdraw.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.payments.dispatch import fail
from walletdesk.payments.methods import owned_method
from walletdesk.payments.models import PaymentMethod
from walletdesk.payments.settings import PaymentSettings
from walletdesk.risk import service as risk
from walletdesk.wallet import service as wallet
from walletdesk.wallet.fees import FeeQuote, quote_fee
from walletdesk.wallet.journal import insufficient
from walletdesk.wallet.limits import check_limits
from walletdesk.wallet.transactions import WalletTransaction, advance, record_transaction


def quote_withdrawal(
    db: Session, *, user_id: int, method: PaymentMethod, amount_minor: int, currency: str
) -> FeeQuote:
    """The fee the customer checks before confirming, from the schedule `request_withdrawal`
    charges; raises now whatever it would refuse (verification, lock, freeze, limits, balance)."""
    quote = _checked_quote(
        db, user_id=user_id, method=method, amount_minor=amount_minor, currency=currency
    )
    balance = wallet.balances(db, user_id=user_id).get(currency)
    available = balance.available_minor if balance else 0
    if available < amount_minor + quote.fee_minor:
        raise insufficient(available, amount_minor + quote.fee_minor, currency)
    return quote


def _checked_quote(
    db: Session, *, user_id: int, method: PaymentMethod, amount_minor: int, currency: str
) -> FeeQuote:
    """The fee, once the customer may withdraw this amount to this method at all."""
    if identity.kyc_level(db, user_id=user_id) == "unverified":
        raise Forbidden("Verify your identity before withdrawing.", code="kyc_required")
    if identity.is_self_locked(db, user_id=user_id):
        raise Forbidden("Your account is locked. Unlock it to move money.", code="self_locked")
    risk.check_not_frozen(db, user_id=user_id)
    if (method.kind == "crypto") != (currency == "USDT"):
        raise ValidationFailed("This method cannot pay out this currency.", field="currency")
    check_limits(
        db, user_id=user_id, direction="withdrawal", amount_minor=amount_minor, currency=currency
    )
    return quote_fee(
        db,
        user_id=user_id,
        method=method.kind,
        direction="withdrawal",
        scope="domestic",
        amount_minor=amount_minor,
        currency=currency,
    )


def request_withdrawal(
    db: Session,
    *,
    user_id: int,
    payment_method_id: int,
    amount_minor: int,
    currency: str,
    psettings: PaymentSettings,
    request_key: str | None = None,
) -> WalletTransaction:
    """Hold the funds and run the risk check. The result is "processing" (approved: the caller
    sends the payout after commit) or "pending" (waiting for review). A rule that holds it or
    freezes the account has written its case and told the customer: commit, do not undo. The
    same `request_key` again returns the first withdrawal (Conflict if it asked for another)."""
    if request_key:
        done = wallet.replayed_request(
            db,
            user_id=user_id,
            kind="withdrawal",
            key=request_key,
            currency=currency,
            amount_minor=amount_minor,
            payment_method_id=payment_method_id,
        )
        if done is not None:
            return done
    method = owned_method(db, user_id=user_id, method_id=payment_method_id)
    quote = _checked_quote(
        db, user_id=user_id, method=method, amount_minor=amount_minor, currency=currency
    )
    fee = quote.fee_minor
    tx = record_transaction(
        db,
        user_id=user_id,
        kind="withdrawal",
        amount_minor=amount_minor,
        currency=currency,
        status="pending",
        method=method.kind,
        fee_minor=fee,
        counterparty=method.masked_number,
        details={"payment_method_id": method.id, **quote.details()},
        actor_id=user_id,
        reference_type=wallet.REQUEST_KEY if request_key else None,
        reference_id=request_key,
    )
    hold = wallet.place_hold(
        db,
        user_id=user_id,
        currency=currency,
        amount_minor=amount_minor + fee,
        idempotency_key=f"withdrawal:{tx.public_id}",
        reference_type="wallet_transaction",
        reference_id=tx.public_id,
    )
    tx.hold_id = hold.id
    verdict = risk.assess_withdrawal(db, tx=tx, psettings=psettings)
    advance(db, tx=tx, step="risk_check", note=verdict)
    if verdict == "pass":
        advance(db, tx=tx, step="approved", status="processing", note="automatic")
    else:
        advance(db, tx=tx, step="review")
    return tx


def awaiting_review(db: Session) -> list[WalletTransaction]:
    return list(
        db.scalars(
            select(WalletTransaction)
            .where(WalletTransaction.kind == "withdrawal", WalletTransaction.status == "pending")
            .order_by(WalletTransaction.created_at)
        )
    )


def recent_withdrawals(db: Session, *, limit: int = 50) -> list[WalletTransaction]:
    return list(
        db.scalars(
            select(WalletTransaction)
            .where(WalletTransaction.kind == "withdrawal")
            .order_by(WalletTransaction.id.desc())
            .limit(limit)
        )
    )


def _pending(db: Session, public_id: str) -> WalletTransaction:
    tx = db.scalars(
        select(WalletTransaction)
        .where(WalletTransaction.public_id == public_id, WalletTransaction.kind == "withdrawal")
        .with_for_update()
    ).first()
    if tx is None:
        raise NotFound("This withdrawal does not exist.")
    if tx.status != "pending":
        raise Conflict("This withdrawal has already been reviewed.")
    return tx


def approve_withdrawal(
    db: Session, *, public_id: str, staff: User, ip: str = ""
) -> WalletTransaction:
    """A supervisor approves: the caller sends the payout after commit. Not while the account
    is frozen: lifting a freeze takes a second person, approving a payout does not."""
    tx = _pending(db, public_id)
    if risk.is_frozen(db, user_id=tx.user_id):
        raise Conflict(
            "This account is frozen: lift the freeze before approving its withdrawal.",
            code="account_frozen",
        )
    advance(db, tx=tx, step="approved", status="processing", actor_id=staff.id)
    audit.record(
        db,
        actor_id=staff.id,
        action="withdrawal.approve",
        subject_type="wallet_transaction",
        subject_id=tx.public_id,
        details={"amount_minor": tx.amount_minor, "currency": tx.currency},
        ip=ip,
    )
    risk.record_review_decision(db, tx=tx, staff=staff, approved=True, ip=ip)
    return tx


def reject_withdrawal(
    db: Session, *, public_id: str, staff: User, reason: str, ip: str = ""
) -> WalletTransaction:
    """A supervisor rejects with a reason the customer sees; the held funds go back."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason the customer will see.", field="reason")
    tx = _pending(db, public_id)
    fail(db, tx=tx, failure_code="rejected", note=reason[:255])
    tx.steps[-1].actor_id = staff.id
    audit.record(
        db,
        actor_id=staff.id,
        action="withdrawal.reject",
        subject_type="wallet_transaction",
        subject_id=tx.public_id,
        details={"reason": reason[:255]},
        ip=ip,
    )
    risk.record_review_decision(db, tx=tx, staff=staff, approved=False, note=reason, ip=ip)
    return tx


def pay_withdrawal(db: Session, *, tx: WalletTransaction, provider: str, ref: str) -> None:
    """The payout webhook confirmed: the held funds leave to the method's clearing account."""
    assert tx.hold_id is not None
    entry = wallet.capture_hold(
        db,
        hold_id=tx.hold_id,
        to_code=f"clearing:{tx.method}",
        idempotency_key=f"withdrawal:{provider}:{ref}",
        fee_minor=tx.fee_minor,
    )
    tx.entry_id = entry.id
    advance(db, tx=tx, step="succeeded", status="succeeded")
