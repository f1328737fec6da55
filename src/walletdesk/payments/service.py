"""Reading a customer's own deposits and withdrawals (the query itself filters by owner)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.errors import NotFound
from walletdesk.wallet.transactions import WalletTransaction


def readable_payment(db: Session, *, user_id: int, public_id: str, kind: str) -> WalletTransaction:
    tx = db.scalars(
        select(WalletTransaction).where(
            WalletTransaction.public_id == public_id,
            WalletTransaction.user_id == user_id,
            WalletTransaction.kind == kind,
        )
    ).first()
    if tx is None:
        raise NotFound("This payment does not exist.")
    return tx


def recent_payments(
    db: Session, *, user_id: int, kind: str, limit: int = 10
) -> list[WalletTransaction]:
    return list(
        db.scalars(
            select(WalletTransaction)
            .where(WalletTransaction.user_id == user_id, WalletTransaction.kind == kind)
            .order_by(WalletTransaction.id.desc())
            .limit(limit)
        )
    )
