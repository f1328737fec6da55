"""The payments domain's periodic jobs: deposits never confirmed become "not received", and
charges the provider never answered are sent again (it is idempotent by our reference).
"""

from __future__ import annotations

from datetime import timedelta

from walletdesk.jobs import JobRun, periodic
from walletdesk.payments.deposits import expire_unconfirmed_deposits
from walletdesk.payments.dispatch import Gateway, resend_unanswered
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
