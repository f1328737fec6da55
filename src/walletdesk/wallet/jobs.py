"""The wallet domain's background jobs: the alert on a transaction's final state (a text and a
line on the customer's security page), sent once per transaction and final status.
"""

from __future__ import annotations

from datetime import timedelta

from walletdesk.jobqueue import TaskRun, task
from walletdesk.wallet.alerts import send_alert


@task("wallet.transaction_alert", max_attempts=8, backoff=timedelta(seconds=30))
def transaction_alert(run: TaskRun) -> bool:
    # Its writes (the security-page alert, the queued text) commit with the job's done mark.
    return send_alert(
        run.db,
        settings=run.settings,
        public_id=run.payload["public_id"],
        status=run.payload["status"],
    )
