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
from walletdesk.cases import service as cases
from walletdesk.cases.lines import line, render_line
from walletdesk.cases.models import Case
from walletdesk.i18n import N_, Translator
from walletdesk.identity import service as identity
from walletdesk.money import format_minor
from walletdesk.wallet.transactions import WalletTransaction, advance

log = logging.getLogger("walletdesk.payments")

PAID_AFTER_FAILURE = "paid_after_failure"  # the step on the transaction


def payout_paid_after_failure(
    db: Session, *, tx: WalletTransaction, provider: str, ref: str
) -> Case | None:
    """Mark the payout and open its case; None when it was already marked (a repeat)."""
    if any(step.status == PAID_AFTER_FAILURE for step in tx.steps):
        return None
    log.error("payout %s confirmed by %s after it failed here: case opened", tx.public_id, ref)
    advance(db, tx=tx, step=PAID_AFTER_FAILURE, note=ref)
    customer = identity.get_user(db, user_id=tx.user_id)
    amount = f"{format_minor(tx.amount_minor, tx.currency)} {tx.currency}"
    title = line(N_("Withdrawal {reference} paid after it failed"), reference=tx.public_id)
    lines = [
        line(
            N_(
                "The provider reports that withdrawal {reference} of {amount} was paid out, "
                "after it had failed here and the amount had gone back to your balance."
            ),
            reference=tx.public_id,
            amount=amount,
        ),
        line(
            N_(
                "Our staff will check it with the provider and contact you on this case "
                "before anything changes in your balance."
            ),
        ),
        line(N_("We never ask for your password or verification codes.")),
    ]
    _ = Translator(customer.lang)
    case = cases.open_review_case(
        db,
        customer_id=tx.user_id,
        category="deposit_withdrawal",
        subject=render_line(_, title),
        description="\n".join(render_line(_, item) for item in lines),
        title=title,
        lines=lines,
        details={
            "transaction_id": tx.public_id,
            "occurred_at": tx.created_at.isoformat(),
            "provider": provider,
            "provider_ref": ref,
            "failure_code": tx.failure_code,
        },
        amount_minor=tx.amount_minor,
        currency=tx.currency,
    )
    audit.record(
        db,
        actor_id=None,
        action="payout.paid_after_failure",
        subject_type="wallet_transaction",
        subject_id=tx.public_id,
        details={"provider": provider, "provider_ref": ref, "case_id": case.id},
    )
    return case
