"""Fee refunds, compensation and fee waivers from a case: one member of staff asks, a second
approves (maker-checker, walletdesk.approvals), and the approval carries it out.

A fee waiver makes the customer's withdrawals and transfers free for some days (the
"support-fee-waiver" of fees.yaml); it moves no money.

A refund comes out of fee income, compensation out of the compensation expense account; both
are idempotent by the approval (key "approval:<id>"), reference the case, and show in the
customer's history as a succeeded refund or compensation transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from walletdesk.approvals import service as approvals
from walletdesk.approvals.models import Approval
from walletdesk.db import utcnow
from walletdesk.errors import NotFound, ValidationFailed
from walletdesk.events import publish
from walletdesk.i18n import N_
from walletdesk.identity import events
from walletdesk.identity.models import User
from walletdesk.identity.permissions import require_permission
from walletdesk.money import check_currency, format_minor
from walletdesk.wallet import journal, signals
from walletdesk.wallet import service as wallet
from walletdesk.wallet.models import JournalEntry
from walletdesk.wallet.transactions import WalletTransaction, record_transaction

FEE_REFUND = "fee_refund"
COMPENSATION = "compensation"
FEE_WAIVER = "fee_waiver"
FEE_WAIVER_MAX_DAYS = 90
WT = WalletTransaction


def charged_fee(tx: WalletTransaction) -> int:
    """What the customer actually paid in fees for `tx`: nothing unless it succeeded (a failed
    withdrawal's fee was held, never taken); a fee transaction is all fee."""
    if tx.status != "succeeded":
        return 0
    return tx.amount_minor if tx.kind == "fee" else tx.fee_minor


def refunded_fees(db: Session, *, user_id: int, public_ids: list[str]) -> dict[str, int]:
    """public id → fee refunded on it so far, for many transactions in one query."""
    if not public_ids:
        return {}
    rows = db.execute(
        select(WT.reference_id, func.sum(WT.amount_minor))
        .where(
            WT.user_id == user_id,
            WT.kind == "refund",
            WT.status == "succeeded",
            WT.reference_type == "wallet_transaction",
            WT.reference_id.in_(public_ids),
        )
        .group_by(WT.reference_id)
    )
    return {str(ref): int(total or 0) for ref, total in rows}


def refundable_fee(db: Session, *, tx: WalletTransaction) -> int:
    """The fee of `tx` minus what was already refunded."""
    refunded = refunded_fees(db, user_id=tx.user_id, public_ids=[tx.public_id])
    return charged_fee(tx) - refunded.get(tx.public_id, 0)


def request_fee_refund(
    db: Session,
    *,
    staff: User,
    customer_id: int,
    public_id: str,
    amount_minor: int,
    reason: str,
    case_id: int | None = None,
    ip: str = "",
) -> Approval:
    """Ask a second member of staff to refund `amount_minor` of the fee of one of the
    customer's transactions; refused when it exceeds what is left of the fee (refunds already
    made and asked for count)."""
    require_permission(staff, "ledger.adjust.request")
    tx = _transaction(db, customer_id=customer_id, public_id=public_id)
    journal.check_amount(amount_minor, field="amount")
    asked = sum(
        int(a.payload.get("amount_minor", 0))
        for a in approvals.pending_for(db, customer_id=customer_id, kind=FEE_REFUND)
        if a.payload.get("transaction") == tx.public_id
    )
    _check_within_fee(amount_minor, refundable_fee(db, tx=tx) - asked, tx.currency)
    return approvals.request_approval(
        db,
        kind=FEE_REFUND,
        staff=staff,
        customer_id=customer_id,
        payload={
            "transaction": tx.public_id,
            "amount_minor": amount_minor,
            "currency": tx.currency,
        },
        reason=reason,
        case_id=case_id,
        ip=ip,
    )


def request_compensation(
    db: Session,
    *,
    staff: User,
    customer_id: int,
    amount_minor: int,
    currency: str,
    reason: str,
    case_id: int | None = None,
    ip: str = "",
) -> Approval:
    """Ask a second member of staff to pay the customer `amount_minor` in a currency the
    customer holds an account in."""
    require_permission(staff, "ledger.adjust.request")
    check_currency(currency)
    if currency not in wallet.balances(db, user_id=customer_id):
        raise ValidationFailed("The customer has no account in this currency.", field="currency")
    journal.check_amount(amount_minor, field="amount")
    return approvals.request_approval(
        db,
        kind=COMPENSATION,
        staff=staff,
        customer_id=customer_id,
        payload={"amount_minor": amount_minor, "currency": currency},
        reason=reason,
        case_id=case_id,
        ip=ip,
    )


def request_fee_waiver(
    db: Session,
    *,
    staff: User,
    customer_id: int,
    days: int,
    reason: str,
    case_id: int | None = None,
    ip: str = "",
) -> Approval:
    """Ask a second member of staff to waive the customer's withdrawal and transfer fees for
    `days` days (from the approval, or from the end of a waiver in force)."""
    require_permission(staff, "ledger.adjust.request")
    if not 1 <= days <= FEE_WAIVER_MAX_DAYS:
        raise ValidationFailed(
            "A fee waiver lasts from 1 to {days} days.", field="days", days=FEE_WAIVER_MAX_DAYS
        )
    return approvals.request_approval(
        db,
        kind=FEE_WAIVER,
        staff=staff,
        customer_id=customer_id,
        payload={"days": days},
        reason=reason,
        case_id=case_id,
        ip=ip,
    )


def _execute_fee_waiver(db: Session, approval: Approval, approver: User) -> dict[str, Any]:
    customer = db.get(User, approval.customer_id, with_for_update=True)
    if customer is None:
        raise NotFound("This customer does not exist.")
    now = utcnow()
    start = max(customer.fee_waiver_until or now, now)  # more days extend one in force
    customer.fee_waiver_until = start + timedelta(days=int(approval.payload["days"]))
    waived = signals.FeesWaived(
        approval_id=approval.id,
        staff_id=approver.id,
        customer_id=customer.id,
        until=customer.fee_waiver_until,
        case_id=approval.case_id,
    )
    publish(db, waived)
    until = customer.fee_waiver_until.isoformat()
    events.raise_alert(db, user_id=customer.id, kind="fee_waiver_granted", time=until)
    return {"fee_waiver_until": until}


def _execute_fee_refund(db: Session, approval: Approval, approver: User) -> dict[str, Any]:
    public_id = str(approval.payload["transaction"])
    # The refunded transaction's row serialises refunds of its fee: two approvals at once
    # cannot both see the same fee left.
    tx = _transaction(db, customer_id=approval.customer_id, public_id=public_id, for_update=True)
    done = _already_posted(db, approval)
    if done is not None:
        return done
    amount = int(approval.payload["amount_minor"])
    _check_within_fee(amount, refundable_fee(db, tx=tx), tx.currency)
    return _credit(db, approval, approver, source="fee_income", kind="refund", refund_of=tx)


def _execute_compensation(db: Session, approval: Approval, approver: User) -> dict[str, Any]:
    done = _already_posted(db, approval)
    if done is not None:
        return done
    return _credit(db, approval, approver, source="compensation_expense", kind="compensation")


def _credit(
    db: Session,
    approval: Approval,
    approver: User,
    *,
    source: str,
    kind: str,
    refund_of: WalletTransaction | None = None,
) -> dict[str, Any]:
    """One balanced entry from system account `source` to the customer, and the transaction
    the customer sees in their history."""
    amount, currency = int(approval.payload["amount_minor"]), str(approval.payload["currency"])
    customer = wallet.customer_account(db, user_id=approval.customer_id, currency=currency)
    paying = wallet.system_account(db, code=source, currency=currency)
    reference = ("case", approval.case_id) if approval.case_id else ("approval", approval.id)
    entry = wallet.post_entry(
        db,
        idempotency_key=_key(approval),
        kind=kind,
        lines=[(paying, -amount), (customer, amount)],
        currency=currency,
        reference_type=reference[0],
        reference_id=str(reference[1]),
        memo=f"approval {approval.id}",
    )
    tx = record_transaction(
        db,
        user_id=approval.customer_id,
        kind=kind,
        amount_minor=amount,
        currency=currency,
        status="succeeded",
        counterparty=refund_of.public_id if refund_of else "",
        entry_id=entry.id,
        reference_type="wallet_transaction" if refund_of else reference[0],
        reference_id=refund_of.public_id if refund_of else str(reference[1]),
        details={"approval_id": approval.id, "case_id": approval.case_id},
        actor_id=approver.id,
    )
    credited = signals.WalletCredited(
        approval_id=approval.id,
        kind=approval.kind,
        staff_id=approver.id,
        customer_id=approval.customer_id,
        amount_minor=amount,
        currency=currency,
        transaction=tx.public_id,
        case_id=approval.case_id,
    )
    publish(db, credited)
    return {"entry_id": entry.id, "transaction": tx.public_id}


def _already_posted(db: Session, approval: Approval) -> dict[str, Any] | None:
    """What an earlier run of this approval posted, so a replay posts nothing again."""
    entry_id = db.scalar(
        select(JournalEntry.id).where(JournalEntry.idempotency_key == _key(approval))
    )
    if entry_id is None:
        return None
    public_id = db.scalar(select(WT.public_id).where(WT.entry_id == entry_id))
    return {"entry_id": entry_id, "transaction": public_id}


def _key(approval: Approval) -> str:
    return f"approval:{approval.id}"


def _transaction(
    db: Session, *, customer_id: int, public_id: str, for_update: bool = False
) -> WalletTransaction:
    query = select(WT).where(WT.user_id == customer_id, WT.public_id == (public_id or "")[:32])
    if for_update:
        query = query.with_for_update()
    tx = db.scalar(query)
    if tx is None:
        raise NotFound("This transaction does not exist.")
    return tx


def _check_within_fee(amount_minor: int, left_minor: int, currency: str) -> None:
    if amount_minor > left_minor:
        raise ValidationFailed(
            "A fee refund cannot be more than the fee left to refund: {left}.",
            field="amount",
            left=f"{format_minor(max(left_minor, 0), currency)} {currency}",
        )


def _describe(approval: Approval) -> dict[str, str]:
    """Label (a message id) → value, for the approvals queue."""
    payload = approval.payload
    currency = str(payload["currency"])
    shown = {N_("Amount"): f"{format_minor(int(payload['amount_minor']), currency)} {currency}"}
    if "transaction" in payload:
        shown[N_("Transaction")] = str(payload["transaction"])
    return shown


def register_adjustment(
    kind: str,
    label: str,
    execute: approvals.Execute,
    describe: Callable[[Approval], dict[str, str]],
) -> None:
    """An approval kind about a customer's money: agents ask, supervisors decide."""
    approvals.register_kind(
        approvals.ApprovalKind(
            kind=kind,
            label=label,
            request_permission="ledger.adjust.request",
            approve_permission="ledger.adjust.approve",
            execute=execute,
            describe=describe,
        )
    )


register_adjustment(FEE_REFUND, N_("Refund a fee"), _execute_fee_refund, _describe)
register_adjustment(COMPENSATION, N_("Pay compensation"), _execute_compensation, _describe)
register_adjustment(
    FEE_WAIVER,
    N_("Waive fees for some days"),
    _execute_fee_waiver,
    lambda approval: {N_("Days"): str(approval.payload["days"])},
)
