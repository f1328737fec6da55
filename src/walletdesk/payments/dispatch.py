"""Sending charges and payouts to the provider after the request commits (a queued job,
payments/jobs.py, retried until it goes through), and recording its answer in a transaction of
its own (the webhook may arrive before or after that answer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from walletdesk.db import session_scope
from walletdesk.jobqueue import QueuedJob
from walletdesk.payments.deposits import unsent_deposits
from walletdesk.payments.methods import deposit_address
from walletdesk.payments.models import PaymentMethod
from walletdesk.payments.providers import (
    PaymentRequest,
    ProviderAnswer,
    notify_url,
    provider_for,
)
from walletdesk.payments.settings import PaymentSettings
from walletdesk.wallet import service as wallet
from walletdesk.wallet.transactions import FINAL_STATES, WalletTransaction, advance

log = logging.getLogger("walletdesk.payments")


@dataclass(frozen=True)
class Gateway:
    """Where to open sessions for the after-commit work, and the payment settings."""

    factory: sessionmaker[Session]
    psettings: PaymentSettings


def gateway_of(app: FastAPI) -> Gateway:
    return Gateway(app.state.sessionmaker, PaymentSettings.of(app.state.settings))


def send_after_commit(db: Session, *, gateway: Gateway, tx_id: int) -> None:
    """Queue the provider call for transaction `tx_id` in `db`'s transaction: made once it
    commits (tried at once, then again with backoff while it fails), never if it rolls back.
    The job's settings are the session's, which are the gateway's in the app."""
    from walletdesk.payments.jobs import send_to_provider  # it imports this module

    tx = db.get(WalletTransaction, tx_id)
    assert tx is not None
    # The provider is idempotent by the public id; each call asked for (a staff resend after
    # the first) is its own job.
    prefix = f"provider-call:{tx.public_id}:"
    calls = db.scalar(
        select(func.count())
        .select_from(QueuedJob)
        .where(QueuedJob.key.startswith(prefix, autoescape=True))
    )
    send_to_provider.enqueue(db, key=f"{prefix}{calls or 0}", tx_id=tx_id)


def send(gateway: Gateway, *, tx_id: int) -> ProviderAnswer:
    """Ask the provider for the charge (deposit) or payout (withdrawal) of transaction `tx_id`.
    The provider is idempotent by our public id, so sending again never charges twice."""
    with session_scope(gateway.factory) as db:
        tx = db.get(WalletTransaction, tx_id)
        assert tx is not None
        request = PaymentRequest(
            reference=tx.public_id,
            amount_minor=tx.amount_minor,
            currency=tx.currency,
            instrument=_instrument(db, tx, gateway.psettings),
            notify_url=notify_url(gateway.psettings, tx.method),
        )
        method, kind = tx.method, tx.kind
    provider = provider_for(method, gateway.psettings)
    if kind == "deposit":
        answer = provider.create_charge(request=request)
    else:
        answer = provider.create_payout(request=request)
    with session_scope(gateway.factory) as db:
        record_answer(db, tx_id=tx_id, answer=answer)
    return answer


def resend_unanswered(gateway: Gateway, *, older_than: datetime) -> int:
    """The reconcile job: send again every processing deposit the provider never answered
    (the provider is idempotent by our reference, so a charge it already has is not repeated)."""
    with session_scope(gateway.factory) as db:
        tx_ids = unsent_deposits(db, older_than=older_than)
    for tx_id in tx_ids:
        send(gateway, tx_id=tx_id)
    return len(tx_ids)


def _instrument(db: Session, tx: WalletTransaction, psettings: PaymentSettings) -> str:
    method_id = tx.details.get("payment_method_id")
    if isinstance(method_id, int):
        method = db.get(PaymentMethod, method_id)
        if method is not None:
            return method.masked_number
    if tx.method == "crypto":
        return deposit_address(db, user_id=tx.user_id, secret=psettings.webhook_secret).address
    return ""


def record_answer(db: Session, *, tx_id: int, answer: ProviderAnswer) -> None:
    tx = db.get(WalletTransaction, tx_id, with_for_update=True)
    assert tx is not None
    if answer.outcome == "accepted":
        if tx.provider_ref is None:
            tx.provider_ref = answer.provider_ref
        if tx.status not in FINAL_STATES:
            advance(db, tx=tx, step="submitted", note=tx.method)
    elif answer.outcome == "timeout":
        # No answer: the charge may exist. Stay processing; the webhook or a resend settles it.
        log.warning("provider timed out for %s", tx.public_id)
        if tx.status not in FINAL_STATES:
            advance(db, tx=tx, step="provider_timeout")
    elif tx.status in FINAL_STATES:
        return
    elif answer.failure_code == "provider_outage" and _may_exist(tx):
        # Unreachable on a resend of a charge that may exist since an earlier timeout: not an
        # answer about that charge. Stay processing; its webhook or the expiry settles it.
        log.warning("provider unreachable on resend of %s", tx.public_id)
        advance(db, tx=tx, step="provider_unavailable")
    else:
        fail(db, tx=tx, failure_code=answer.failure_code or "provider_error")


def _may_exist(tx: WalletTransaction) -> bool:
    return any(step.status == "provider_timeout" for step in tx.steps)


def fail(db: Session, *, tx: WalletTransaction, failure_code: str, note: str = "") -> None:
    """End a deposit or withdrawal as failed; a withdrawal's held funds go back."""
    if tx.hold_id is not None:
        wallet.release_hold(db, hold_id=tx.hold_id)
    advance(db, tx=tx, step="failed", status="failed", failure_code=failure_code, note=note)
