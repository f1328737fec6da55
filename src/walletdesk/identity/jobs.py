"""The identity domain's background jobs: text messages handed to the HTTP SMS provider,
tried again until it answers (a reset code that failed to send still reaches the customer).
"""

from __future__ import annotations

from datetime import timedelta

from walletdesk.identity.sms import HttpSms, SmsConfig
from walletdesk.jobqueue import TaskRun, task


# Codes expire within minutes: six tries over about two and a half minutes.
@task("identity.deliver_sms", max_attempts=6, backoff=timedelta(seconds=5))
def deliver_sms(run: TaskRun) -> str:
    config = SmsConfig.of(run.settings)
    provider = HttpSms(
        base_url=config.http_url,
        account=config.http_account,
        token=config.http_token,
        sender=config.sender,
    )
    return provider.deliver(to=run.payload["to"], body=run.payload["body"])
