"""What a customer sees of their money: one transaction per deposit, withdrawal, transfer
side, fee, refund or compensation, with its status history.

A transaction points at the ledger entry (or hold) that moved the money; the ledger stays the
only truth about balances. Failure reasons are stored as codes and shown in plain words.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from walletdesk.db import Base, UTCDateTime, utcnow
from walletdesk.errors import Conflict
from walletdesk.wallet.models import BigId

TRANSACTION_KINDS = (
    "deposit",
    "withdrawal",
    "transfer_in",
    "transfer_out",
    "fee",
    "refund",
    "compensation",
    "repayment",  # of money owed after a chargeback (see wallet.owed)
)
TRANSACTION_STATES = ("pending", "processing", "succeeded", "failed", "reversed")
FINAL_STATES = ("succeeded", "failed", "reversed")
METHODS = ("bank_card", "credit_card", "payment_app", "crypto", "balance")


class WalletTransaction(Base):
    __tablename__ = "wallet_transactions"
    __table_args__ = (Index("ix_wallet_transactions_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # shown to customers
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # always positive; kind says the way
    fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(16), default="balance")
    counterparty: Mapped[str] = mapped_column(String(120), default="")  # masked for display
    counterparty_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    failure_code: Mapped[str | None] = mapped_column(String(32))
    provider_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wallet_entries.id"))
    hold_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wallet_holds.id"))
    reference_type: Mapped[str | None] = mapped_column(String(32))  # e.g. "case"
    reference_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    steps: Mapped[list[TransactionStep]] = relationship(
        order_by="TransactionStep.id", lazy="selectin", cascade="all, delete-orphan"
    )


class TransactionStep(Base):
    """One status a transaction went through, with its time (the customer sees each step)."""

    __tablename__ = "wallet_transaction_steps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("wallet_transactions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(24))  # a state, or a step such as "risk_check"
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(255), default="")


def new_public_id(kind: str) -> str:
    """`D2611231530AB12CD` style: a kind letter, the UTC time, and randomness (no guessing)."""
    letter = {"deposit": "D", "withdrawal": "W", "fee": "F", "refund": "R"}.get(kind, "T")
    return f"{letter}{utcnow():%y%m%d%H%M}{secrets.token_hex(3).upper()}"


def record_transaction(
    db: Session,
    *,
    user_id: int,
    kind: str,
    amount_minor: int,
    currency: str,
    status: str = "pending",
    method: str = "balance",
    fee_minor: int = 0,
    counterparty: str = "",
    counterparty_user_id: int | None = None,
    entry_id: int | None = None,
    hold_id: int | None = None,
    reference_type: str | None = None,
    reference_id: str | None = None,
    details: dict[str, object] | None = None,
    actor_id: int | None = None,
) -> WalletTransaction:
    if kind not in TRANSACTION_KINDS or status not in TRANSACTION_STATES or method not in METHODS:
        raise ValueError(f"unknown kind/status/method: {kind}/{status}/{method}")
    if amount_minor <= 0 or fee_minor < 0:
        raise ValueError("amounts are positive")
    tx = WalletTransaction(
        public_id=new_public_id(kind),
        user_id=user_id,
        kind=kind,
        status=status,
        amount_minor=amount_minor,
        fee_minor=fee_minor,
        currency=currency,
        method=method,
        counterparty=counterparty[:120],
        counterparty_user_id=counterparty_user_id,
        entry_id=entry_id,
        hold_id=hold_id,
        reference_type=reference_type,
        reference_id=reference_id,
        details=details or {},
        steps=[TransactionStep(status=status, actor_id=actor_id)],
    )
    if status in FINAL_STATES:
        tx.completed_at = utcnow()
    db.add(tx)
    db.flush()
    if status in FINAL_STATES:
        _reached_final_state(db, tx)
    return tx


def advance(
    db: Session,
    *,
    tx: WalletTransaction,
    step: str,
    status: str | None = None,
    note: str = "",
    actor_id: int | None = None,
    failure_code: str | None = None,
) -> WalletTransaction:
    """Record a step (e.g. "risk_check", "review") and, when given, the new status."""
    was = tx.status
    if status is not None:
        if status not in TRANSACTION_STATES:
            raise ValueError(f"unknown status {status}")
        tx.status = status
        if status in FINAL_STATES:
            tx.completed_at = utcnow()
    if failure_code is not None:
        tx.failure_code = failure_code
    tx.steps.append(TransactionStep(status=step, note=note[:255], actor_id=actor_id))
    db.flush()
    if status in FINAL_STATES and status != was:
        _reached_final_state(db, tx)
    return tx


def _reached_final_state(db: Session, tx: WalletTransaction) -> None:
    """Every status change passes here: the customer's alert is sent after commit."""
    from walletdesk.wallet.alerts import alert_after_commit  # it reads this module's models

    alert_after_commit(db, tx=tx)


def sent_under_key(
    db: Session, *, user_id: int, kind: str, reference_type: str, key: str
) -> WalletTransaction | None:
    """The customer's transaction of `kind` first made under this request key, if any."""
    return db.scalar(
        select(WalletTransaction).where(
            WalletTransaction.user_id == user_id,
            WalletTransaction.kind == kind,
            WalletTransaction.reference_type == reference_type,
            WalletTransaction.reference_id == key,
        )
    )


def check_replay(tx: WalletTransaction, **asked: object) -> WalletTransaction:
    """`tx` if the request replayed under its key asked for the same (amount, currency,
    recipient, method...) as the first; Conflict (409) when the key was reused for another."""
    if any(_asked_of(tx, name) != value for name, value in asked.items()):
        raise Conflict(
            "This request key was already used for a payment with a different amount,"
            " recipient, currency or method. Use a new key for a new payment.",
            field="idempotency_key",
            code="idempotency_key_reused",
        )
    return tx


def _asked_of(tx: WalletTransaction, name: str) -> object:
    if hasattr(tx, name):
        return getattr(tx, name)
    return (tx.details or {}).get(name)
