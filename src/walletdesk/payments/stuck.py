"""Withdrawals stuck at the provider: processing, and no word from it for STUCK_AFTER. Staff
send the payout again (the provider is idempotent by our reference) or cancel it, which
releases the held funds and tells the customer why in plain words.

Both refuse once the provider confirmed the payout. Functions flush, never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.events import publish
from walletdesk.identity.models import User
from walletdesk.identity.permissions import require_permission
from walletdesk.payments import signals
from walletdesk.payments.dispatch import Gateway, fail, send_after_commit
from walletdesk.wallet.transactions import WalletTransaction, advance

# A payout the provider has neither confirmed nor failed this long after its last step.
STUCK_AFTER = timedelta(minutes=30)
CANCELLED = "payout_cancelled"  # the failure code the customer reads (wallet.reasons)


def last_activity(tx: WalletTransaction) -> datetime:
    return max((step.at for step in tx.steps), default=tx.created_at)


def is_stuck(tx: WalletTransaction, *, now: datetime | None = None) -> bool:
    if tx.kind != "withdrawal" or tx.status != "processing":
        return False
    return last_activity(tx) <= (now or utcnow()) - STUCK_AFTER


def stuck_withdrawals(
    db: Session, *, user_id: int, now: datetime | None = None
) -> list[WalletTransaction]:
    """The customer's stuck withdrawals, oldest first (steps load with them, in one query)."""
    processing = db.scalars(
        select(WalletTransaction)
        .where(
            WalletTransaction.user_id == user_id,
            WalletTransaction.kind == "withdrawal",
            WalletTransaction.status == "processing",
        )
        .order_by(WalletTransaction.created_at)
    )
    return [tx for tx in processing if is_stuck(tx, now=now)]


def retry_withdrawal(
    db: Session,
    *,
    staff: User,
    customer_id: int,
    public_id: str,
    gateway: Gateway,
    case_id: int | None = None,
    ip: str = "",
    now: datetime | None = None,
) -> WalletTransaction:
    """Send the stuck payout to the provider again, once this transaction commits."""
    require_permission(staff, "withdrawal.retry")
    tx = _stuck(db, customer_id=customer_id, public_id=public_id, now=now)
    advance(db, tx=tx, step="resent", actor_id=staff.id)  # and the stuck clock starts again
    _record(db, staff=staff, tx=tx, action="withdrawal.retry", reason="", case_id=case_id, ip=ip)
    send_after_commit(db, gateway=gateway, tx_id=tx.id)
    return tx


def cancel_withdrawal(
    db: Session,
    *,
    staff: User,
    customer_id: int,
    public_id: str,
    reason: str,
    case_id: int | None = None,
    ip: str = "",
    now: datetime | None = None,
) -> WalletTransaction:
    """Fail the stuck payout: the held funds go back to the customer's available balance."""
    require_permission(staff, "withdrawal.cancel")
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationFailed("Say why, for the audit log.", field="reason")
    tx = _stuck(db, customer_id=customer_id, public_id=public_id, now=now)
    fail(db, tx=tx, failure_code=CANCELLED)
    tx.steps[-1].actor_id = staff.id
    _record(
        db, staff=staff, tx=tx, action="withdrawal.cancel", reason=reason, case_id=case_id, ip=ip
    )
    return tx


def _stuck(
    db: Session, *, customer_id: int, public_id: str, now: datetime | None
) -> WalletTransaction:
    """The customer's withdrawal, locked (a webhook settling it waits, or wins first)."""
    tx = db.scalars(
        select(WalletTransaction)
        .where(
            WalletTransaction.user_id == customer_id,
            WalletTransaction.public_id == (public_id or "")[:32],
            WalletTransaction.kind == "withdrawal",
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if tx is None:
        raise NotFound("This withdrawal does not exist.")
    if tx.status == "succeeded":
        raise Conflict("The provider already confirmed this withdrawal.")
    if tx.status != "processing":
        raise Conflict("This withdrawal is not waiting for the provider.")
    if not is_stuck(tx, now=now):
        raise Conflict("This withdrawal is not stuck yet: give the provider more time.")
    return tx


def _record(
    db: Session,
    *,
    staff: User,
    tx: WalletTransaction,
    action: str,
    reason: str,
    case_id: int | None,
    ip: str,
) -> None:
    amount = {"amount_minor": tx.amount_minor, "currency": tx.currency}
    audit.record(
        db,
        actor_id=staff.id,
        action=action,
        subject_type="wallet_transaction",
        subject_id=tx.public_id,
        details={**amount, "reason": reason, "case_id": case_id},
        ip=ip,
    )
    if action == "withdrawal.cancel":
        cancelled = signals.WithdrawalCancelled(
            staff_id=staff.id,
            customer_id=tx.user_id,
            transaction=tx.public_id,
            reason=reason,
            case_id=case_id,
            ip=ip,
        )
        publish(db, cancelled)
        return
    resent = signals.WithdrawalResent(
        staff_id=staff.id, customer_id=tx.user_id, transaction=tx.public_id, case_id=case_id, ip=ip
    )
    publish(db, resent)
