"""The risk check a withdrawal passes before it is paid: the seam the risk-control work
extends. Today it has one rule: at or above the review threshold, a person reviews it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from walletdesk.payments.money import cny_equivalent
from walletdesk.payments.settings import PaymentSettings
from walletdesk.wallet.transactions import WalletTransaction


def risk_check(db: Session, tx: WalletTransaction, *, psettings: PaymentSettings) -> str:
    """ "pass" (paid without review) or "review" (waits for a supervisor)."""
    amount = cny_equivalent(tx.amount_minor, tx.currency, psettings.rates)
    return "review" if amount >= psettings.review_threshold_cny else "pass"
