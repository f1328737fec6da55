"""Queued jobs on PostgreSQL, run by procrastinate: each pending `queued_jobs` row is handed to
procrastinate in the transaction that queues it, and procrastinate's workers run it.

Why procrastinate: a maintained PostgreSQL queue (LISTEN/NOTIFY wake-ups, scheduled jobs,
worker heartbeats) that defers on the caller's own psycopg connection (`connection=`), so the
hand-over commits or rolls back with the work that asked for it; no Redis is needed. It has no
SQLite connector (its in-memory one is for tests), so the demo's SQLite keeps the in-process
runner of jobqueue.py, and the `queued_jobs` row stays the record both share: its key, tries,
backoff and last error are ours, which is what /admin/jobs shows on either database.

A procrastinate job here is one wake-up for one row: it tries the row (jobqueue.run_job, which
claims it by lease) and, if the row is still pending (a failed try, or leased by another), defers
the next wake-up at the row's next due time. A worker killed mid-job stops its heartbeat; the
others give its job back to the queue (`rescue_stalled`) and the row's lease has expired by then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

import procrastinate
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from walletdesk.config import Settings
from walletdesk.db import session_scope, utcnow

log = logging.getLogger("walletdesk.jobs")

RUN_TASK = "walletdesk.run_queued_job"
# A row whose task this worker does not know (a deploy half done) waits this long between looks.
UNKNOWN_TASK_PAUSE = timedelta(minutes=1)
_APPS: dict[str, procrastinate.App] = {}
T = TypeVar("T")


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from synchronous code, in a thread of its own when this thread
    already runs an event loop (a sync browser driver or an ASGI server in the same process):
    asyncio.run refuses to nest."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(asyncio.run(coroutine))
        except BaseException as error:  # handed back to the caller below
            failure.append(error)

    thread = threading.Thread(target=run, name="walletdesk-run-to-end")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def conninfo(url: str) -> str:
    """libpq's form of the SQLAlchemy URL (procrastinate speaks psycopg directly)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _deferring_app(url: str) -> procrastinate.App:
    """An app that only defers, on connections it is given: it never opens a pool."""
    found = _APPS.get(url)
    if found is None:
        found = _APPS[url] = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=conninfo(url))
        )
    return found


def defer(db: Session, *, job_id: int, delay: timedelta = timedelta(0)) -> None:
    """Hand row `job_id` to procrastinate in `db`'s transaction, to run after `delay`. At most
    one waiting procrastinate job per row (its queueing lock); a second hand-over is a no-op."""
    url = db.get_bind().engine.url.render_as_string(hide_password=False)
    connection = db.connection().connection.driver_connection
    assert connection is not None  # a live psycopg connection, in the session's transaction
    deferrer = _deferring_app(url).configure_task(
        RUN_TASK,
        schedule_in={"seconds": max(delay.total_seconds(), 0)},
        queueing_lock=f"queued-job-{job_id}",
        connection=connection,
    )
    # A savepoint (psycopg's, inside the transaction SQLAlchemy began): a refused INSERT
    # (a wake-up already waiting) must not end the caller's transaction.
    with contextlib.suppress(procrastinate.exceptions.AlreadyEnqueued), connection.transaction():
        deferrer.defer(job_id=job_id)


class PgRunner:
    """The worker's side: a procrastinate app whose one task runs queued jobs."""

    def __init__(
        self, *, factory: sessionmaker[Session], settings: Settings, concurrency: int = 4
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.concurrency = concurrency
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=conninfo(settings.db_url))
        )
        # run() records a task's failure on the row itself; procrastinate's retries are for the
        # database failing under run() (3, 9, 27… s), and the overdue sweep (run_queued_jobs)
        # for what outlasts them.
        retry = procrastinate.RetryStrategy(max_attempts=6, exponential_wait=3)
        self.app.task(name=RUN_TASK, queue="default", retry=retry)(self.run)

    def run(self, job_id: int) -> str:
        from walletdesk.jobqueue import QueuedJob, run_job

        outcome = run_job(self.factory, self.settings, job_id=job_id)
        with session_scope(self.factory) as db:
            job = db.get(QueuedJob, job_id)
            if job is not None and job.status == "pending":
                delay = _until(job.run_after, job.locked_until)
                if outcome == "skipped" and not delay:  # due and free, yet not run here
                    delay = UNKNOWN_TASK_PAUSE
                defer(db, job_id=job_id, delay=delay)
        return outcome

    async def rescue_stalled(self) -> int:
        """Give back to the queue the jobs of workers whose heartbeat stopped."""
        manager = self.app.job_manager
        stalled = await manager.get_stalled_jobs(
            seconds_since_heartbeat=self.settings.jobs_stalled_seconds
        )
        count = 0
        for job in stalled:
            await manager.retry_job(job)
            log.warning("job %s of a dead worker given back to the queue", job.id)
            count += 1
        return count

    def start(self) -> _Thread:
        thread = _Thread(self)
        thread.thread.start()
        return thread

    async def serve(self, *, wait: bool = True, signals: bool = True) -> None:
        """Run until stopped (or, with `wait=False`, until nothing is left to run now);
        `signals`: stop on SIGINT/SIGTERM (only in a process's main thread)."""
        async with self.app.open_async():
            await self.rescue_stalled()
            rescuer = asyncio.create_task(self._rescue_forever())
            try:
                await self.app.run_worker_async(
                    concurrency=self.concurrency,
                    wait=wait,
                    install_signal_handlers=signals and wait,
                    update_heartbeat_interval=max(self.settings.jobs_stalled_seconds / 3, 0.5),
                    stalled_worker_timeout=self.settings.jobs_stalled_seconds,
                    delete_jobs="successful",
                )
            finally:
                rescuer.cancel()

    async def _rescue_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.jobs_stalled_seconds)
            try:
                await self.rescue_stalled()
            except Exception:
                log.exception("giving back stalled jobs failed")


def _until(*moments: datetime | None) -> timedelta:
    later = max((m for m in moments if m is not None), default=utcnow())
    return max(later - utcnow(), timedelta(0))


class _Thread:
    """A PgRunner serving in a thread of its own, with its own event loop (the web process's
    inline mode); `stop` cancels the worker, which lets a running job finish first."""

    def __init__(self, runner: PgRunner) -> None:
        self.runner = runner
        self.loop = asyncio.new_event_loop()
        self.task: asyncio.Task[None] | None = None
        self.thread = threading.Thread(target=self._main, name="walletdesk-queue", daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.task = self.loop.create_task(self.runner.serve(wait=True, signals=False))
        with contextlib.suppress(asyncio.CancelledError):
            self.loop.run_until_complete(self.task)
        self.loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        if self.task is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(timeout)
