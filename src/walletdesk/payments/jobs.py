"""The payments domain's background jobs: the provider call of a deposit or withdrawal (queued
in the request's transaction), and the periodic sweeps: deposits never confirmed become "not
received", and charges the provider never answered are sent again (it is idempotent by our
reference).
"""

from __future__ import annotations

from datetime import timedelta

from walletdesk.jobqueue import TaskRun, task
from walletdesk.jobs import JobRun, periodic
from walletdesk.payments.deposits import expire_unconfirmed_deposits
from walletdesk.payments.dispatch import Gateway, resend_unanswered, send
from walletdesk.payments.settings import PaymentSettings

# A charge without the provider's answer this long after it was recorded was never answered
# (the call itself gives up after payments_http_timeout_seconds).
RESEND_AFTER = timedelta(minutes=2)


@periodic("expire_unconfirmed_deposits", every=timedelta(minutes=1))
def expire_deposits(run: JobRun) -> int:
    return expire_unconfirmed_deposits(
        run.db, now=run.now, timeout_seconds=run.settings.deposit_confirm_timeout
    )


@periodic("resend_unanswered_payments", every=timedelta(minutes=1))
def resend_payments(run: JobRun) -> int:
    # Each send has transactions of its own: the provider is called outside any of them.
    gateway = Gateway(run.factory, PaymentSettings.of(run.settings))
    return resend_unanswered(gateway, older_than=run.now - RESEND_AFTER)


@task("payments.send_to_provider", max_attempts=8, backoff=timedelta(seconds=10))
def send_to_provider(run: TaskRun) -> str:
    # The call and its answer have transactions of their own; the provider is idempotent by
    # our public id, so a try after one whose answer was lost does not charge twice.
    gateway = Gateway(run.factory, PaymentSettings.of(run.settings))
    return send(gateway, tx_id=run.payload["tx_id"]).outcome
