"""What a customer sees of their money: one transaction per deposit, withdrawal, transfer
side, fee, refund or compensation, with its status history.

A transaction points at the ledger entry (or hold) that moved the money; the ledger stays the
only truth about balances. Failure reasons are stored as codes and shown in plain words.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walletdesk.db import Base, UTCDateTime, utcnow
from walletdesk.wallet.models import BigId

TRANSACTION_KINDS = (
    "deposit",
    "withdrawal",
    "transfer_in",
    "transfer_out",
    "fee",
    "refund",
    "compensation",
)
TRANSACTION_STATES = ("pending", "processing", "succeeded", "failed", "reversed")
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
