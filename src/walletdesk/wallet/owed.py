"""Money a customer owes after the payer's bank took back a deposit they had already spent
(see payments.reversals): it is booked to suspense, never shown as a negative balance, and
kept on the reversed deposit (details "owed_minor", "repaid_minor").

Money that comes in later (a deposit credited, a transfer received) repays it first, as a
"repayment" transaction in the customer's history. Staff may instead write it off (one asks,
a second approves): the wallet bears the loss (account "chargeback_loss"). Once nothing is
owed, the freeze the chargeback made lifts by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.approvals import service as approvals
from walletdesk.approvals.models import Approval
from walletdesk.errors import ValidationFailed
from walletdesk.events import publish
from walletdesk.i18n import N_
from walletdesk.identity import events
from walletdesk.identity.models import User
from walletdesk.identity.permissions import require_permission
from walletdesk.money import check_currency, format_minor
from walletdesk.risk import service as risk
from walletdesk.wallet import service as wallet
from walletdesk.wallet import signals
from walletdesk.wallet.adjustments import register_adjustment
from walletdesk.wallet.models import JournalEntry
from walletdesk.wallet.transactions import WalletTransaction, record_transaction

WT = WalletTransaction
OWED = "owed_minor"
REPAID = "repaid_minor"
WRITTEN_OFF = "written_off_minor"
WRITE_OFF = "write_off"  # the approval's kind and the journal entry's
FREEZE_RULE = "chargeback_owed"


def _figure(tx: WalletTransaction, key: str) -> int:
    value = tx.details.get(key, 0)
    return value if isinstance(value, int) else 0


def left_on(tx: WalletTransaction) -> int:
    """What is still owed on this reversed deposit."""
    return _figure(tx, OWED) - _figure(tx, REPAID) - _figure(tx, WRITTEN_OFF)


def debts(db: Session, *, user_id: int, lock: bool = False) -> list[WalletTransaction]:
    """The customer's reversed deposits with money still owed, oldest first."""
    query = (
        select(WT)
        .where(WT.user_id == user_id, WT.kind == "deposit", WT.status == "reversed")
        .order_by(WT.id)
    )
    if lock:
        query = query.with_for_update()
    return [tx for tx in db.scalars(query) if left_on(tx) > 0]


@dataclass(frozen=True)
class Owed:
    """What a reversed deposit left owing, and how it was settled so far."""

    owed_minor: int
    repaid_minor: int
    written_off_minor: int

    @property
    def left_minor(self) -> int:
        return self.owed_minor - self.repaid_minor - self.written_off_minor


def owed_on(tx: WalletTransaction) -> Owed | None:
    """For a reversed deposit whose money had been spent; None for any other transaction."""
    if tx.kind != "deposit" or tx.status != "reversed" or not _figure(tx, OWED):
        return None
    return Owed(_figure(tx, OWED), _figure(tx, REPAID), _figure(tx, WRITTEN_OFF))


def owed_by_currency(db: Session, *, user_id: int) -> dict[str, int]:
    """What the customer still owes after chargebacks, per currency (nothing owed: empty)."""
    totals: dict[str, int] = {}
    for tx in debts(db, user_id=user_id):
        totals[tx.currency] = totals.get(tx.currency, 0) + left_on(tx)
    return totals


def record_owed(tx: WalletTransaction, owed_minor: int) -> None:
    tx.details = {**tx.details, OWED: owed_minor, REPAID: 0}


def repay(db: Session, *, user_id: int, currency: str) -> int:
    """After money came in: repay what is owed in `currency` from the available balance.
    Returns what was repaid; lifts the chargeback freeze once nothing is owed."""
    owing = debts(db, user_id=user_id, lock=True)
    if not owing:
        return 0
    paid = 0
    for tx in (t for t in owing if t.currency == currency):
        repaid = _figure(tx, REPAID)
        entry = wallet.post_repayment(
            db,
            user_id=user_id,
            currency=currency,
            owed_minor=left_on(tx),
            idempotency_key=f"repayment:{tx.public_id}:{repaid}",
            reference_type="wallet_transaction",
            reference_id=tx.public_id,
        )
        if entry is None:
            break
        amount = sum(line for _, line in entry.lines if line > 0)  # what suspense got back
        record_transaction(
            db,
            user_id=user_id,
            kind="repayment",
            status="succeeded",
            amount_minor=amount,
            currency=currency,
            entry_id=entry.id,
            reference_type="wallet_transaction",
            reference_id=tx.public_id,
            counterparty=tx.public_id,
        )
        tx.details = {**tx.details, REPAID: repaid + amount}
        paid += amount
    if paid and not any(left_on(t) > 0 for t in owing):
        risk.lift_system_freezes(db, user_id=user_id, rule=FREEZE_RULE)
    return paid


def request_write_off(
    db: Session,
    *,
    staff: User,
    customer_id: int,
    currency: str,
    reason: str,
    case_id: int | None = None,
    ip: str = "",
) -> Approval:
    """Ask a second member of staff to write off what the customer owes in `currency` after
    chargebacks, as it stands now."""
    require_permission(staff, "ledger.adjust.request")
    check_currency(currency)
    amount = owed_by_currency(db, user_id=customer_id).get(currency, 0)
    if amount == 0:
        raise ValidationFailed("The customer owes nothing in this currency.", field="currency")
    waiting = approvals.pending_for(db, customer_id=customer_id, kind=WRITE_OFF)
    if any(approval.payload.get("currency") == currency for approval in waiting):
        raise ValidationFailed(
            "A write-off of this is already waiting for approval.", field="currency"
        )
    return approvals.request_approval(
        db,
        kind=WRITE_OFF,
        staff=staff,
        customer_id=customer_id,
        payload={"amount_minor": amount, "currency": currency},
        reason=reason,
        case_id=case_id,
        ip=ip,
    )


def _execute_write_off(db: Session, approval: Approval, approver: User) -> dict[str, Any]:
    """Write off what is still owed, up to the amount approved (some may have been repaid
    meanwhile), oldest chargeback first: suspense is settled from the chargeback loss."""
    user_id, currency = approval.customer_id, str(approval.payload["currency"])
    owing = debts(db, user_id=user_id, lock=True)
    key = f"approval:{approval.id}"
    if db.scalar(select(JournalEntry.id).where(JournalEntry.idempotency_key == key)):
        return dict(approval.result)  # carried out already: nothing is written off twice
    budget = int(approval.payload["amount_minor"])
    amount = min(budget, sum(left_on(tx) for tx in owing if tx.currency == currency))
    if amount == 0:
        return {"written_off_minor": 0}
    reference = ("case", approval.case_id) if approval.case_id else ("approval", approval.id)
    entry = wallet.post_entry(
        db,
        idempotency_key=key,
        kind=WRITE_OFF,
        lines=[
            (wallet.system_account(db, code="chargeback_loss", currency=currency), -amount),
            (wallet.system_account(db, code="suspense", currency=currency), amount),
        ],
        currency=currency,
        reference_type=reference[0],
        reference_id=str(reference[1]),
        memo=f"approval {approval.id}",
    )
    left = amount
    for tx in (t for t in owing if t.currency == currency and left > 0):
        part = min(left_on(tx), left)
        tx.details = {**tx.details, WRITTEN_OFF: _figure(tx, WRITTEN_OFF) + part}
        left -= part
    written_off = signals.DebtWrittenOff(
        approval_id=approval.id,
        staff_id=approver.id,
        customer_id=user_id,
        amount_minor=amount,
        currency=currency,
        case_id=approval.case_id,
    )
    publish(db, written_off)
    waived = f"{format_minor(amount, currency)} {currency}"
    events.raise_alert(db, user_id=user_id, kind="debt_waived", amount=waived)
    if not any(left_on(tx) > 0 for tx in owing):
        risk.lift_system_freezes(db, user_id=user_id, rule=FREEZE_RULE)
    return {"entry_id": entry.id, "written_off_minor": amount}


def _describe(approval: Approval) -> dict[str, str]:
    currency = str(approval.payload["currency"])
    amount = int(approval.payload["amount_minor"])
    return {N_("Amount"): f"{format_minor(amount, currency)} {currency}"}


register_adjustment(
    WRITE_OFF, N_("Write off money owed after a chargeback"), _execute_write_off, _describe
)
