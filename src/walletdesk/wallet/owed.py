"""Money a customer owes after the payer's bank took back a deposit they had already spent
(see payments.reversals): it is booked to suspense, never shown as a negative balance, and
kept on the reversed deposit (details "owed_minor", "repaid_minor").

Money that comes in later (a deposit credited, a transfer received) repays it first, as a
"repayment" transaction in the customer's history; once nothing is owed, the freeze the
chargeback made lifts by itself.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.risk import service as risk
from walletdesk.wallet import service as wallet
from walletdesk.wallet.transactions import WalletTransaction, record_transaction

WT = WalletTransaction
OWED = "owed_minor"
REPAID = "repaid_minor"
FREEZE_RULE = "chargeback_owed"


def _figure(tx: WalletTransaction, key: str) -> int:
    value = tx.details.get(key, 0)
    return value if isinstance(value, int) else 0


def left_on(tx: WalletTransaction) -> int:
    """What is still owed on this reversed deposit."""
    return _figure(tx, OWED) - _figure(tx, REPAID)


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
