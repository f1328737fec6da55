"""Provider webhooks: verify the signature and age, find the transaction, and settle it once.

A repeated delivery is a no-op; one for a payment we do not know is logged and ignored; a
payout confirmed after it failed here goes to staff on a case (see reconcile); a deposit the
payer's bank takes back is reversed (see reversals).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.errors import NotFound, Unauthorized, ValidationFailed
from walletdesk.payments.deposits import credit_deposit
from walletdesk.payments.dispatch import fail
from walletdesk.payments.providers import PROVIDERS
from walletdesk.payments.reconcile import payout_paid_after_failure
from walletdesk.payments.reversals import reverse_deposit
from walletdesk.payments.settings import PaymentSettings
from walletdesk.payments.signing import verify
from walletdesk.payments.withdrawals import pay_withdrawal
from walletdesk.wallet.transactions import WalletTransaction

log = logging.getLogger("walletdesk.payments")


def receive_webhook(
    db: Session,
    *,
    provider: str,
    body: bytes,
    timestamp: str,
    signature: str,
    psettings: PaymentSettings,
    now: float,
) -> str:
    """ "settled", "duplicate" or "ignored"; a bad signature raises Unauthorized."""
    if provider not in PROVIDERS:
        raise NotFound("Unknown payment provider.")
    secret, max_age = psettings.webhook_secret, psettings.webhook_max_age_seconds
    if not verify(secret, body, timestamp=timestamp, signature=signature, max_age=max_age, now=now):
        log.warning("webhook for %s refused: bad or stale signature", provider)
        raise Unauthorized("Invalid webhook signature.", code="bad_signature")
    event = _parse(body)
    ref, status = str(event.get("provider_ref") or ""), event.get("status")
    tx = _find(db, provider=provider, ref=ref, reference=str(event.get("reference") or ""))
    if tx is None or not ref or not _matches(tx, event):
        log.warning("webhook for unknown payment %s/%s ignored", provider, ref)
        return "ignored"
    tx.provider_ref = ref
    if tx.status == "reversed":
        return "duplicate"
    if tx.status == "succeeded":
        if tx.kind == "deposit" and status == "reversed":
            # The payer's bank took it back (a chargeback): undone once.
            reverse_deposit(db, tx=tx, provider=provider, ref=ref)
            return "settled"
        return "duplicate"
    if tx.kind == "deposit" and status == "succeeded":
        # The money arrived: it is credited even where we had given up on it (not received,
        # a failed resend), so that a customer is never charged without being credited.
        if tx.status == "failed":
            log.warning("late confirmation credits %s (was %s)", tx.public_id, tx.failure_code)
        credit_deposit(db, tx=tx, provider=provider, ref=ref)
    elif tx.status == "failed":
        # A payout paid although its funds went back: staff settle it on a case (once).
        late_payout = tx.kind == "withdrawal" and status == "succeeded"
        if late_payout and payout_paid_after_failure(db, tx=tx, provider=provider, ref=ref):
            return "settled"
        return "duplicate"
    elif tx.kind == "withdrawal" and status == "succeeded" and tx.status == "processing":
        pay_withdrawal(db, tx=tx, provider=provider, ref=ref)
    elif status == "failed" and tx.status != "failed":
        fail(db, tx=tx, failure_code=str(event.get("failure_code") or "provider_error")[:32])
    else:
        return "ignored"
    return "settled"


def _parse(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except ValueError:
        raise ValidationFailed("The webhook body is not JSON.") from None
    if not isinstance(event, dict):
        raise ValidationFailed("The webhook body is not JSON.")
    return event


def _find(db: Session, *, provider: str, ref: str, reference: str) -> WalletTransaction | None:
    """By the provider's reference, else by our own (the webhook can beat the charge's answer);
    locked, so two deliveries of one event settle one after the other."""
    base = select(WalletTransaction).where(
        WalletTransaction.method == provider,
        WalletTransaction.kind.in_(("deposit", "withdrawal")),
    )
    if ref:
        tx = db.scalars(base.where(WalletTransaction.provider_ref == ref).with_for_update()).first()
        if tx is not None:
            return tx
    if not reference:
        return None
    tx = db.scalars(base.where(WalletTransaction.public_id == reference).with_for_update()).first()
    if tx is not None and tx.provider_ref not in (None, ref):
        return None  # our transaction already belongs to another provider reference
    return tx


def _matches(tx: WalletTransaction, event: dict[str, Any]) -> bool:
    return event.get("amount_minor") == tx.amount_minor and event.get("currency") == tx.currency
