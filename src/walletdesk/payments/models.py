"""Saved payment methods (cards stored masked, never the full number) and the per-customer
crypto deposit addresses.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from walletdesk.db import Base, UTCDateTime, utcnow

METHOD_KINDS = ("bank_card", "credit_card", "payment_app", "crypto")


class PaymentMethod(Base):
    """A method the customer bound; `masked_number` keeps at most the first 6 and last 4."""

    __tablename__ = "payment_methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(80), default="")
    masked_number: Mapped[str] = mapped_column(String(64))
    bank_name: Mapped[str] = mapped_column(String(80), default="")
    # An opaque token the provider charges (a keyed hash here): the number itself is not kept.
    token: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CryptoAddress(Base):
    """The customer's USDT deposit address, derived deterministically and kept."""

    __tablename__ = "payment_crypto_addresses"
    __table_args__ = (UniqueConstraint("user_id", "network"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(16), default="TRC20")
    address: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
