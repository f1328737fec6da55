"""Periodic background jobs: the registry of named timers, the leases that let one process at a
time run each of them, and the runner (a thread of the web process, or `walletdesk worker`).
`JOB_MODULES` is the one list of every job module: each registers its timers (@periodic) and
its one-off tasks (jobqueue.task) when imported.

This is a timer runner, not a queue. One-off work enqueued in a transaction is jobqueue.py's
(handed to procrastinate on PostgreSQL); what runs here are sweeps on a schedule (expire
deposits, resend unanswered provider calls, and on SQLite the retries of queued jobs), which
need only a due time and a lease, and must also run on the demo's SQLite. The lease is a
`job_leases` row taken by compare-and-set on `locked_until`, so it works on SQLite and
PostgreSQL alike.

Each job runs in a transaction of its own: a job that raises is rolled back and logged, and the
others still run and keep their work. A process that dies mid-job leaves its lease to expire.
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import String, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from walletdesk.config import Settings
from walletdesk.db import Base, UTCDateTime, session_scope, utcnow

log = logging.getLogger("walletdesk.jobs")

# Every module with background jobs; each registers them when imported. More modules (a test's
# slow job) can be named in WALLETDESK_JOBS_MODULES.
JOB_MODULES = (
    "walletdesk.jobqueue",
    "walletdesk.identity.jobs",
    "walletdesk.wallet.jobs",
    "walletdesk.payments.jobs",
    "walletdesk.cases.jobs",
    "walletdesk.cases.complaint_jobs",
    "walletdesk.assistant.jobs",
)
POLL_SECONDS = 5.0
DEFAULT_LEASE = timedelta(minutes=10)


class JobLease(Base):
    """One row per job: when it is next due, and who holds it until when."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_by: Mapped[str] = mapped_column(String(80), default="")
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_outcome: Mapped[str] = mapped_column(String(16), default="")  # "ok" | "failed"
    last_error: Mapped[str] = mapped_column(String(255), default="")


class Stoppable(Protocol):
    def stop(self, timeout: float = 10.0) -> None: ...


@dataclass(frozen=True)
class JobRun:
    """What a job gets: its own session (committed when it returns), the settings, the time it
    was due, and the session factory for work that needs transactions of its own."""

    db: Session
    settings: Settings
    now: datetime
    factory: sessionmaker[Session]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Callable[[JobRun], object]
    lease: timedelta = DEFAULT_LEASE  # longer than a run ever takes


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str  # "ok" | "failed"
    result: object = None
    error: str = ""


_REGISTRY: dict[str, PeriodicJob] = {}


def periodic(
    name: str, *, every: timedelta, lease: timedelta = DEFAULT_LEASE
) -> Callable[[Callable[[JobRun], object]], Callable[[JobRun], object]]:
    """Register the decorated function as the job `name`, due every `every`."""

    def register(func: Callable[[JobRun], object]) -> Callable[[JobRun], object]:
        if name in _REGISTRY and _REGISTRY[name].run is not func:
            raise ValueError(f"job {name} is registered twice")
        _REGISTRY[name] = PeriodicJob(name=name, every=every, run=func, lease=lease)
        return func

    return register


def load_job_modules(settings: Settings | None = None) -> None:
    extra = settings.jobs_modules.split(",") if settings is not None else []
    for module in (*JOB_MODULES, *extra):
        if module.strip():
            importlib.import_module(module.strip())


def registered_jobs(settings: Settings | None = None) -> list[PeriodicJob]:
    load_job_modules(settings)
    return sorted(_REGISTRY.values(), key=lambda job: job.name)


class JobRunner:
    """Runs the due jobs of `jobs`, each under its lease; `run_due` is one pass."""

    def __init__(
        self,
        *,
        factory: sessionmaker[Session],
        settings: Settings,
        jobs: Sequence[PeriodicJob],
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.jobs = list(jobs)
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._rows_made = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # What else runs beside the timers and stops with them (procrastinate's worker).
        self.companions: list[Stoppable] = []

    def run_due(self) -> list[Outcome]:
        now = self.clock()
        self._make_rows(now)
        due = self._due_names(now)
        outcomes = []
        for job in self.jobs:
            if job.name in due and self._claim(job, now):
                outcomes.append(self._run(job, now))
        return outcomes

    def run_forever(self) -> None:
        """Until `stop()`: a pass, then a pause. A failing pass (the database away) is logged
        and tried again after the pause."""
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:
                log.exception("the job runner's pass failed")
            self._stop.wait(self.poll_seconds)

    def start(self) -> JobRunner:
        """Run in a background thread (the web process's inline mode)."""
        self._thread = threading.Thread(
            target=self.run_forever, name="walletdesk-jobs", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask to stop and wait for a running job to end (its lease expires if it does not)."""
        self._stop.set()
        for companion in self.companions:
            companion.stop(timeout)
        if self._thread is not None:
            self._thread.join(timeout)

    # --- leases ------------------------------------------------------------------------------

    def _make_rows(self, now: datetime) -> None:
        if self._rows_made:
            return
        try:
            with session_scope(self.factory) as db:
                have = set(db.scalars(select(JobLease.name)))
                for job in self.jobs:
                    if job.name not in have:
                        db.add(JobLease(name=job.name, next_run_at=now))
        except IntegrityError:  # another runner made them at the same moment
            return
        self._rows_made = True

    def _due_names(self, now: datetime) -> set[str]:
        # A read first: an UPDATE that matches nothing would still take SQLite's write lock.
        with session_scope(self.factory) as db:
            return set(
                db.scalars(
                    select(JobLease.name).where(
                        JobLease.next_run_at <= now,
                        or_(JobLease.locked_until.is_(None), JobLease.locked_until < now),
                    )
                )
            )

    def _claim(self, job: PeriodicJob, now: datetime) -> bool:
        """Compare-and-set: only one runner's UPDATE finds the row still due and unlocked."""
        with session_scope(self.factory) as db:
            claimed = db.execute(
                update(JobLease)
                .where(
                    JobLease.name == job.name,
                    JobLease.next_run_at <= now,
                    or_(JobLease.locked_until.is_(None), JobLease.locked_until < now),
                )
                .values(locked_until=now + job.lease, locked_by=self.owner, last_started_at=now)
                .execution_options(synchronize_session=False)
            )
            return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    def _release(self, job: PeriodicJob, due: datetime, outcome: str, error: str = "") -> None:
        with session_scope(self.factory) as db:
            db.execute(
                update(JobLease)
                .where(JobLease.name == job.name, JobLease.locked_by == self.owner)
                .values(
                    locked_until=None,
                    locked_by="",
                    next_run_at=due + job.every,
                    last_finished_at=self.clock(),
                    last_outcome=outcome,
                    last_error=error[:255],
                )
                .execution_options(synchronize_session=False)
            )

    def _run(self, job: PeriodicJob, now: datetime) -> Outcome:
        try:
            with session_scope(self.factory) as db:
                result = job.run(
                    JobRun(db=db, settings=self.settings, now=now, factory=self.factory)
                )
        except Exception as exc:
            log.exception("job %s failed", job.name)
            error = f"{type(exc).__name__}: {exc}"
            self._release(job, now, "failed", error)
            return Outcome(job.name, "failed", error=error)
        self._release(job, now, "ok")
        log.info("job %s done: %s", job.name, result)
        return Outcome(job.name, "ok", result=result)


def start_inline(*, factory: sessionmaker[Session], settings: Settings) -> JobRunner | None:
    """The web process's runner, when the settings say the jobs run inline: the timers, and
    on PostgreSQL a procrastinate worker for the queued jobs (on SQLite a timer runs those)."""
    if settings.jobs != "inline":
        return None
    runner = JobRunner(factory=factory, settings=settings, jobs=registered_jobs(settings))
    if settings.db_url.startswith("postgresql"):
        from walletdesk.jobqueue_pg import PgRunner

        runner.companions.append(PgRunner(factory=factory, settings=settings).start())
    return runner.start()
