"""Reading a customer's own deposits and withdrawals (the query itself filters by owner), and
the withdrawal quote the customer checks before confirming.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.errors import Forbidden, NotFound
from walletdesk.identity import service as identity
from walletdesk.payments.models import PaymentMethod
from walletdesk.wallet import service as wallet
from walletdesk.wallet.fees import FeeQuote, quote_fee
from walletdesk.wallet.journal import insufficient
from walletdesk.wallet.limits import check_limits
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


def quote_withdrawal(
    db: Session, *, user_id: int, method: PaymentMethod, amount_minor: int, currency: str
) -> FeeQuote:
    """The fee of this withdrawal, from the same schedule `request_withdrawal` charges; raises
    early what it would refuse for the verification level, the limits or the balance."""
    if identity.kyc_level(db, user_id=user_id) == "unverified":
        raise Forbidden("Verify your identity before withdrawing.", code="kyc_required")
    check_limits(
        db, user_id=user_id, direction="withdrawal", amount_minor=amount_minor, currency=currency
    )
    quote = quote_fee(
        db,
        user_id=user_id,
        method=method.kind,
        direction="withdrawal",
        scope="domestic",
        amount_minor=amount_minor,
        currency=currency,
    )
    balance = wallet.balances(db, user_id=user_id).get(currency)
    available = balance.available_minor if balance else 0
    if available < amount_minor + quote.fee_minor:
        raise insufficient(available, amount_minor + quote.fee_minor, currency)
    return quote
