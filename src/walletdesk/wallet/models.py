"""The double-entry ledger's tables: accounts, journal entries, their postings, and holds.

A posting's amount is signed (minor units); the postings of an entry sum to zero. An account's
`balance_minor` and `held_minor` are kept in step with its postings and active holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from walletdesk.db import Base, UTCDateTime, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")

ACCOUNT_KINDS = ("customer", "system")
ENTRY_KINDS = (
    "deposit",
    "withdrawal",
    "transfer",
    "fee",
    "refund",
    "compensation",
    "reversal",
    "repayment",
    "write_off",
)
PAYMENT_METHODS = ("bank_card", "credit_card", "payment_app", "crypto")
SYSTEM_CODES = (
    *(f"clearing:{method}" for method in PAYMENT_METHODS),
    "fee_income",
    "suspense",
    "compensation_expense",
    "chargeback_loss",  # money owed after chargebacks that staff wrote off
)
HOLD_STATES = ("active", "captured", "released")
# Rows each system account is split into; a customer's postings use bucket (user id % this).
SYSTEM_BUCKETS = 64


class LedgerAccount(Base):
    """A customer's account in one currency (created on first use), or a system account.

    System accounts (clearing per payment method, fee income, suspense, compensation expense,
    chargeback loss) mirror money outside the wallet and may go negative; customer accounts
    never do. A system account is split into buckets (rows of the same code and currency, one
    per `bucket`; its balance is their sum) so that the postings of different customers do not
    all queue on one row's lock; customer accounts have bucket 0.
    """

    __tablename__ = "wallet_accounts"
    __table_args__ = (
        UniqueConstraint("user_id", "currency"),
        Index(
            "uq_wallet_accounts_system_code",
            "code",
            "currency",
            "bucket",
            unique=True,
            sqlite_where=text("user_id IS NULL"),
            postgresql_where=text("user_id IS NULL"),
        ),
        CheckConstraint(
            "kind = 'system' OR balance_minor >= held_minor", name="customer_not_negative"
        ),
        CheckConstraint("held_minor >= 0", name="held_not_negative"),
        CheckConstraint("(kind = 'customer') = (user_id IS NOT NULL)", name="owner_matches_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(32))  # "customer" or one of SYSTEM_CODES
    currency: Mapped[str] = mapped_column(String(8))
    balance_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    held_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    bucket: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def available_minor(self) -> int:
        return self.balance_minor - self.held_minor


class JournalEntry(Base):
    """One movement of money: balanced postings in one currency, posted once per key."""

    __tablename__ = "wallet_entries"
    __table_args__ = (Index("ix_wallet_entries_reference", "reference_type", "reference_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request's content
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(8))
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    memo: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Posting(Base):
    """One line of an entry: a signed amount on one account (positive raises its balance)."""

    __tablename__ = "wallet_postings"
    __table_args__ = (CheckConstraint("amount_minor <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("wallet_entries.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("wallet_accounts.id", ondelete="RESTRICT"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(BigInteger)


class Hold(Base):
    """Funds set aside on a customer account (e.g. a pending withdrawal) until captured or
    released; while active they count in the account's `held_minor`."""

    __tablename__ = "wallet_holds"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("wallet_accounts.id", ondelete="RESTRICT"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="active")
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    memo: Mapped[str] = mapped_column(String(255), default="")
    entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wallet_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# The tables themselves, for the Core statements of the hot path and of verification.
ACCOUNTS = cast(Table, LedgerAccount.__table__)
ENTRIES = cast(Table, JournalEntry.__table__)
POSTINGS = cast(Table, Posting.__table__)
HOLDS = cast(Table, Hold.__table__)
