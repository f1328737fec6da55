"""Transfers held by risk control for review: the list staff see, and a supervisor's decision
to send the held money on to the recipient or to give it back to the sender (with a reason).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from walletdesk.identity import service as identity
from walletdesk.identity.logins import mask_phone
from walletdesk.identity.models import User
from walletdesk.risk import service as risk
from walletdesk.wallet import owed
from walletdesk.wallet import service as wallet
from walletdesk.wallet.transactions import WalletTransaction, advance, record_transaction
from walletdesk.wallet.transfers import mask_name, recipient_by_id


def held_transfers(db: Session, *, limit: int = 100) -> list[WalletTransaction]:
    """Transfers waiting for review, oldest first."""
    return list(
        db.scalars(
            select(WalletTransaction)
            .where(
                WalletTransaction.kind == "transfer_out",
                WalletTransaction.status == "pending",
                WalletTransaction.hold_id.is_not(None),
            )
            .order_by(WalletTransaction.id)
            .limit(limit)
        )
    )


def _held(db: Session, public_id: str, staff: User) -> WalletTransaction:
    if not staff.has_role("supervisor"):
        raise Forbidden()
    tx = db.scalars(
        select(WalletTransaction)
        .where(WalletTransaction.public_id == public_id, WalletTransaction.kind == "transfer_out")
        .with_for_update()
    ).first()
    if tx is None:
        raise NotFound("This transfer does not exist.")
    if tx.status != "pending" or tx.hold_id is None:
        raise Conflict("This transfer has already been reviewed.")
    return tx


def release_transfer(
    db: Session, *, public_id: str, staff: User, ip: str = ""
) -> WalletTransaction:
    """A supervisor lets the transfer go: the held amount and fee are paid as a transfer."""
    tx = _held(db, public_id, staff)
    if risk.is_frozen(db, user_id=tx.user_id):
        raise Conflict(
            "This account is frozen: lift the freeze before releasing its transfer.",
            code="account_frozen",
        )
    assert tx.hold_id is not None and tx.counterparty_user_id is not None
    recipient = recipient_by_id(db, user_id=tx.counterparty_user_id)
    sender = identity.get_user(db, user_id=tx.user_id)
    # Both in this transaction under the sender's account lock: the money cannot go elsewhere.
    wallet.release_hold(db, hold_id=tx.hold_id)
    entry = wallet.post_transfer(
        db,
        from_user_id=sender.id,
        to_user_id=recipient.id,
        amount_minor=tx.amount_minor,
        currency=tx.currency,
        idempotency_key=f"transfer:{sender.id}:{tx.reference_id}",
        fee_minor=tx.fee_minor,
        kind="transfer",
    )
    tx.entry_id = entry.id
    advance(db, tx=tx, step="approved", actor_id=staff.id)
    advance(db, tx=tx, step="succeeded", status="succeeded")
    record_transaction(
        db,
        user_id=recipient.id,
        kind="transfer_in",
        status="succeeded",
        amount_minor=tx.amount_minor,
        currency=tx.currency,
        counterparty=f"{mask_name(sender.display_name)} {mask_phone(sender.phone)}",
        counterparty_user_id=sender.id,
        entry_id=entry.id,
        details={"transfer_of": tx.public_id},
    )
    owed.repay(db, user_id=recipient.id, currency=tx.currency)  # money owed is repaid first
    _audit(db, staff=staff, tx=tx, action="transfer.release", ip=ip)
    risk.record_review_decision(db, tx=tx, staff=staff, approved=True, ip=ip)
    return tx


def reject_transfer(
    db: Session, *, public_id: str, staff: User, reason: str, ip: str = ""
) -> WalletTransaction:
    """A supervisor refuses it with a reason the customer sees; the held funds go back."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason the customer will see.", field="reason")
    tx = _held(db, public_id, staff)
    assert tx.hold_id is not None
    wallet.release_hold(db, hold_id=tx.hold_id)
    advance(
        db,
        tx=tx,
        step="failed",
        status="failed",
        failure_code="rejected",
        note=reason[:255],
        actor_id=staff.id,
    )
    _audit(db, staff=staff, tx=tx, action="transfer.reject", ip=ip, reason=reason[:255])
    risk.record_review_decision(db, tx=tx, staff=staff, approved=False, note=reason, ip=ip)
    return tx


def _audit(
    db: Session, *, staff: User, tx: WalletTransaction, action: str, ip: str, reason: str = ""
) -> None:
    details: dict[str, object] = {"amount_minor": tx.amount_minor, "currency": tx.currency}
    if reason:
        details["reason"] = reason
    audit.record(
        db,
        actor_id=staff.id,
        action=action,
        subject_type="wallet_transaction",
        subject_id=tx.public_id,
        details=details,
        ip=ip,
    )
