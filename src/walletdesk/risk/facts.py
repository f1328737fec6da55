"""What the rules compare, read from the database: a customer's recent payments out in
CNY-equivalent, and their recent sign-ins and places. Reads only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from walletdesk.db import utcnow
from walletdesk.identity import events
from walletdesk.money import cny_equivalent
from walletdesk.risk.models import RiskHit
from walletdesk.wallet.transactions import WalletTransaction

OUTGOING = ("withdrawal", "transfer_out")
NOT_FAILED = ("pending", "processing", "succeeded")
SIGN_INS = ("signed_in", "signed_in_new_device")
KNOWN_PLACES = ("local", "public")  # "unknown" says nothing about where someone was
RECENT_SIGN_INS = 200


def cny(amount_minor: int, currency: str, rates: dict[str, Decimal]) -> Decimal:
    return cny_equivalent(amount_minor, currency, rates)


def largest_recent_cny(
    db: Session, *, user_id: int, since: datetime, exclude: int | None, rates: dict[str, Decimal]
) -> Decimal:
    """The largest completed payment out since `since`, in CNY (0 with none)."""
    query = (
        select(WalletTransaction.currency, func.max(WalletTransaction.amount_minor))
        .where(
            WalletTransaction.user_id == user_id,
            WalletTransaction.kind.in_(OUTGOING),
            WalletTransaction.status == "succeeded",
            WalletTransaction.created_at >= since,
        )
        .group_by(WalletTransaction.currency)
    )
    if exclude is not None:
        query = query.where(WalletTransaction.id != exclude)
    amounts = [cny(int(amount), currency, rates) for currency, amount in db.execute(query)]
    return max(amounts, default=Decimal(0))


def outgoing_since(
    db: Session, *, user_id: int, since: datetime, exclude: int | None, rates: dict[str, Decimal]
) -> tuple[int, Decimal]:
    """How many payments out (not failed) since `since`, and their sum in CNY."""
    query = (
        select(
            WalletTransaction.currency,
            func.count(WalletTransaction.id),
            func.coalesce(func.sum(WalletTransaction.amount_minor), 0),
        )
        .where(
            WalletTransaction.user_id == user_id,
            WalletTransaction.kind.in_(OUTGOING),
            WalletTransaction.status.in_(NOT_FAILED),
            WalletTransaction.created_at >= since,
        )
        .group_by(WalletTransaction.currency)
    )
    if exclude is not None:
        query = query.where(WalletTransaction.id != exclude)
    count, total = 0, Decimal(0)
    for currency, n, amount in db.execute(query):
        count += int(n)
        total += cny(int(amount), currency, rates)
    return count, total


def new_location(db: Session, *, user_id: int, location: str) -> str:
    """`location` when it is a known kind of place that none of the customer's earlier
    sign-ins (with a known place) came from; "" otherwise, and on a first sign-in."""
    if location not in KNOWN_PLACES:
        return ""
    seen = {
        str(event.details.get("location", ""))
        for event in events.events_of(db, user_id=user_id, limit=RECENT_SIGN_INS)
        if event.kind in SIGN_INS
    }
    known = seen & set(KNOWN_PLACES)
    return location if known and location not in known else ""


def new_sign_in_since(db: Session, *, user_id: int, window: timedelta) -> datetime | None:
    """When the customer last signed in from a new device or place, if within `window`."""
    if window <= timedelta(0):
        return None
    return db.scalar(
        select(func.max(RiskHit.at)).where(
            RiskHit.user_id == user_id,
            RiskHit.rule == "new_device_login",
            RiskHit.subject_type == "device",
            RiskHit.at >= utcnow() - window,
        )
    )
