"""Tasks that exist only for the tests of queued jobs: one that counts its runs and fails while
told to, and a slow one for killing a worker mid-job (a `walletdesk worker` subprocess loads
this module through WALLETDESK_JOBS_MODULES)."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from walletdesk.identity.models import SmsOutboxMessage
from walletdesk.jobqueue import TaskRun, task

# key → how many more tries fail; key → tries seen
FAILURES: dict[str, int] = {}
RUNS: dict[str, int] = {}


def _note(run: TaskRun, kind: str) -> None:
    # A write in the job's own session: it commits with the job's done mark, or not at all.
    run.db.add(SmsOutboxMessage(to_phone="+8613000000000", kind=kind, body=run.key))
    run.db.flush()


@task("test.flaky", max_attempts=4, backoff=timedelta(seconds=10))
def flaky(run: TaskRun) -> None:
    RUNS[run.key] = RUNS.get(run.key, 0) + 1
    _note(run, "flaky-job")
    if FAILURES.get(run.key, 0) > 0:
        FAILURES[run.key] -= 1
        raise ConnectionError(f"provider down (try {run.attempt})")


@task("test.flaky_later", max_attempts=4, backoff=timedelta(seconds=10), eager=False)
def flaky_later(run: TaskRun) -> None:
    flaky.run(run)


@task(
    "test.slow",
    max_attempts=5,
    backoff=timedelta(seconds=1),
    lease=timedelta(seconds=4),
    eager=False,
)
def slow(run: TaskRun) -> None:
    """The first try says it started (a file) and then takes a minute: long enough to be
    killed. Later tries finish at once."""
    if run.attempt == 1:
        Path(run.payload["started"]).write_text(str(os.getpid()))
        time.sleep(60)
    _note(run, "slow-job")
