"""A confirmed deposit the payer's bank takes back (a chargeback, reported by the provider's
webhook with status "reversed"): the ledger gives the money back to the method's clearing
account, the deposit reads "reversed" with the reason, and the customer is alerted.

When the money was already spent, the customer's available balance covers what it can and
the rest is owed (booked to suspense, see wallet.owed): the account is frozen, with a case for
staff, until money coming in has repaid it.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.risk import service as risk
from walletdesk.risk.rules import SYSTEM_REASONS
from walletdesk.wallet import service as wallet
from walletdesk.wallet.owed import record_owed
from walletdesk.wallet.transactions import WalletTransaction, advance

log = logging.getLogger("walletdesk.payments")

REVERSED_BY_BANK = "reversed_by_bank"


def reverse_deposit(db: Session, *, tx: WalletTransaction, provider: str, ref: str) -> int:
    """Undo a succeeded deposit once; returns what the customer owes afterwards (0 if none)."""
    _entry, owed = wallet.post_reversal(
        db,
        user_id=tx.user_id,
        method=tx.method,
        amount_minor=tx.amount_minor,
        fee_minor=tx.fee_minor,
        currency=tx.currency,
        idempotency_key=f"reversal:{provider}:{ref}",
        reference_type="wallet_transaction",
        reference_id=tx.public_id,
    )
    tx.failure_code = REVERSED_BY_BANK
    advance(db, tx=tx, step="reversed", status="reversed")
    audit.record(
        db,
        actor_id=None,
        action="deposit.reversed",
        subject_type="wallet_transaction",
        subject_id=tx.public_id,
        details={"provider": provider, "provider_ref": ref, "owed_minor": owed},
    )
    if owed:
        record_owed(tx, owed)
        log.warning("deposit %s reversed after it was spent: %d owed", tx.public_id, owed)
        risk.freeze_account(
            db,
            user_id=tx.user_id,
            reason=SYSTEM_REASONS["chargeback_owed"],
            staff=None,
            rule="chargeback_owed",
            source=f"wallet_transaction:{tx.public_id}",
        )
    return owed
