"""Transaction alerts: when a customer's wallet transaction reaches a final state, a text message
in their language and an alert on their security page, unless they turned transaction alerts off.

`transactions.record_transaction` and `advance` note each final state by queueing an alert job
(wallet/jobs.py) in that transaction, keyed by the transaction and its final status: a
rolled-back change texts no one, a committed one is alerted once, retried if it fails, and a
failing alert never undoes a money movement. The settings come from the session's `info` (the
app's sessions carry them); a session without them (scripts, seeding) sends no alerts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.config import Settings, settings_of
from walletdesk.i18n import N_, gettext
from walletdesk.identity import events, sms
from walletdesk.identity import service as identity
from walletdesk.identity.messages import ALERT_LABELS
from walletdesk.identity.present import in_every_language, in_language
from walletdesk.money import format_minor
from walletdesk.wallet.reasons import reason_text
from walletdesk.wallet.transactions import WalletTransaction

# (kind, final status) → alert kind; a fee is part of the payment it belongs to.
ALERT_KINDS = {
    ("deposit", "succeeded"): "deposit_credited",
    ("deposit", "failed"): "deposit_failed",
    ("withdrawal", "succeeded"): "withdrawal_paid",
    ("withdrawal", "failed"): "withdrawal_failed",
    ("transfer_out", "succeeded"): "transfer_sent",
    ("transfer_in", "succeeded"): "transfer_received",
    ("refund", "succeeded"): "refund_credited",
    ("compensation", "succeeded"): "compensation_credited",
}
# Money that left the wallet: the customer is told what to do if it was not them.
OUTGOING = ("withdrawal_paid", "transfer_sent")
NOT_YOU = N_("If this was not you, lock your account in Security settings or contact us.")


def alert_kind(tx: WalletTransaction) -> str | None:
    if tx.kind == "fee":
        return None
    if tx.status == "reversed":
        return "transaction_reversed"
    if tx.status == "failed":
        return ALERT_KINDS.get((tx.kind, "failed"), "transaction_failed")
    return ALERT_KINDS.get((tx.kind, tx.status))


def alert_after_commit(db: Session, *, tx: WalletTransaction) -> None:
    """Note that `tx` reached its final state; its alert goes out once `db` commits."""
    from walletdesk.wallet.jobs import transaction_alert  # it calls send_alert

    if settings_of(db) is None or alert_kind(tx) is None:
        return
    key = f"tx-alert:{tx.public_id}:{tx.status}"
    transaction_alert.enqueue(db, key=key, public_id=tx.public_id, status=tx.status)


def send_alert(db: Session, *, settings: Settings, public_id: str, status: str) -> bool:
    """Alert the owner of `public_id` that it reached `status`; False when nothing is sent
    (rolled back after all, moved on since, a fee, or the customer turned alerts off)."""
    tx = db.scalar(select(WalletTransaction).where(WalletTransaction.public_id == public_id))
    if tx is None or tx.status != status:
        return False
    kind = alert_kind(tx)
    if kind is None or not identity.wants_transaction_alerts(db, user_id=tx.user_id):
        return False
    user = identity.get_user(db, user_id=tx.user_id)
    if user.role != "customer":
        return False
    params = alert_params(tx)
    events.raise_alert(db, user_id=user.id, kind=kind, **params)
    if user.phone:
        text = gettext(user.lang, ALERT_LABELS[kind], **in_language(params, user.lang))
        if kind in OUTGOING:
            text += " " + gettext(user.lang, NOT_YOU)
        body = f"[{settings.brand}] {text}"
        sms.send_sms(db, settings=settings, to=user.phone, body=body, kind=f"tx_{kind}")
    return True


def alert_params(tx: WalletTransaction) -> dict[str, Any]:
    """What the texts show: the amount with its currency, our reference, the masked other side
    (transfers only: never a card number) and, for a failure, the reason in plain words in
    every language (the security page shows the alert in the page's language)."""
    params: dict[str, Any] = {
        "amount": f"{format_minor(tx.amount_minor, tx.currency)} {tx.currency}",
        "reference": tx.public_id,
    }
    if tx.kind in ("transfer_in", "transfer_out"):
        params["counterparty"] = tx.counterparty
    if tx.status in ("failed", "reversed"):
        params["reason"] = in_every_language(lambda lang: _reason(tx, lang))
    return params


def _reason(tx: WalletTransaction, lang: str) -> str:
    if tx.failure_code == "rejected":  # the reviewer wrote the reason for the customer
        notes = [step.note for step in tx.steps if step.status == "failed" and step.note]
        if notes:
            return notes[-1]
    return reason_text(tx.failure_code, lang, tx.kind) or reason_text("unknown", lang)
