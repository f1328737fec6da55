"""A payout the provider confirms after walletdesk had ended it as failed (cancelled by staff
when stuck, or failed on an outage): the customer's held funds went back to their balance, yet
the provider paid them out. Nothing is posted automatically (the customer may have spent the
returned funds, and a balance never goes negative); the payout is marked on its transaction
and a high-priority case puts it before staff, who settle it with the provider and the
customer. One case per payout, however often the provider repeats the confirmation.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.events import publish
from walletdesk.payments import signals
from walletdesk.wallet.transactions import WalletTransaction, advance

log = logging.getLogger("walletdesk.payments")

PAID_AFTER_FAILURE = "paid_after_failure"  # the step on the transaction


def payout_paid_after_failure(
    db: Session, *, tx: WalletTransaction, provider: str, ref: str
) -> bool:
    """Mark the payout and publish it (cases open its review case); False when it was
    already marked (a repeat)."""
    if any(step.status == PAID_AFTER_FAILURE for step in tx.steps):
        return False
    log.error("payout %s confirmed by %s after it failed here: put before staff", tx.public_id, ref)
    advance(db, tx=tx, step=PAID_AFTER_FAILURE, note=ref)
    paid = signals.PayoutPaidAfterFailure(
        customer_id=tx.user_id,
        transaction=tx.public_id,
        amount_minor=tx.amount_minor,
        currency=tx.currency,
        occurred_at=tx.created_at,
        provider=provider,
        provider_ref=ref,
        failure_code=tx.failure_code,
    )
    publish(db, paid)
    audit.record(
        db,
        actor_id=None,
        action="payout.paid_after_failure",
        subject_type="wallet_transaction",
        subject_id=tx.public_id,
        details={"provider": provider, "provider_ref": ref},
    )
    return True
