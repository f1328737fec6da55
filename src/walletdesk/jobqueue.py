"""One-off background jobs (an SMS to send, a provider to call): the `queued_jobs` outbox row
written in the transaction that asks for the work, the registry of tasks, and how a job runs.

A job is a row added in the caller's transaction, so a rollback drops it and a commit keeps it.
Right after commit the process that enqueued it tries it once (as the after-commit callbacks
did before, so a customer's SMS code leaves at once); a failed try is retried with exponential
backoff until `max_attempts`, then the job stays `failed`, listed at /admin/jobs with its error
and a retry button. Who retries: on PostgreSQL procrastinate (jobqueue_pg: the row is handed to
it in the same transaction), on SQLite the in-process runner of jobs.py (`run_queued_jobs`).

Every try first claims the row by compare-and-set (status pending, lease free), and the `done`
mark commits in the same transaction as the task's own writes: two runners never run one job at
once, a done job never runs again, and a runner that dies mid-job leaves its lease to expire.
A job's key names the work (the SMS code, the transaction and its alert, the provider call): a
key already queued is not queued again.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.expression import Executable

from walletdesk.config import Settings, settings_of
from walletdesk.db import Base, UTCDateTime, after_commit, make_sessionmaker, session_scope, utcnow
from walletdesk.jobs import JobRun, load_job_modules, periodic

log = logging.getLogger("walletdesk.jobs")

MAX_BACKOFF = timedelta(hours=1)
# How long procrastinate leaves an eager job to the process that enqueued it.
EAGER_GRACE = timedelta(seconds=5)
# PostgreSQL: a pending row this long past its due time has lost its procrastinate wake-up.
OVERDUE = timedelta(minutes=5)
KEEP_DONE = timedelta(days=7)
OWNER = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class QueuedJob(Base):
    """One piece of one-off work: pending until a try succeeds (done) or the tries run out
    (failed); `run_after` is when the next try is due, `locked_until` the running try's lease."""

    __tablename__ = "queued_jobs"
    __table_args__ = (Index("ix_queued_jobs_due", "status", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_by: Mapped[str] = mapped_column(String(80), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class TaskRun:
    """What a task gets: a session committed together with the job's `done` mark (so writes
    made here happen exactly once), the settings, the payload and the try's number."""

    db: Session
    settings: Settings
    factory: sessionmaker[Session]
    payload: dict[str, Any]
    key: str
    attempt: int


@dataclass(frozen=True)
class Task:
    """A kind of one-off job. `backoff` is the wait before the second try, doubled for each
    further one (at most an hour); `lease` must outlast one try; `eager` tries it right after
    the enqueuing transaction commits, in that process."""

    name: str
    run: Callable[[TaskRun], object]
    max_attempts: int = 8
    backoff: timedelta = timedelta(seconds=10)
    lease: timedelta = timedelta(minutes=2)
    eager: bool = True

    def enqueue(self, db: Session, *, key: str, **payload: Any) -> int | None:
        return enqueue(db, self, key=key, payload=payload)

    def delay(self, attempts: int) -> timedelta:
        return min(self.backoff * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


_TASKS: dict[str, Task] = {}


def task(
    name: str,
    *,
    max_attempts: int = 8,
    backoff: timedelta = timedelta(seconds=10),
    lease: timedelta = timedelta(minutes=2),
    eager: bool = True,
) -> Callable[[Callable[[TaskRun], object]], Task]:
    """Register the decorated function as the task `name`; it becomes a `Task` to enqueue."""

    def register(func: Callable[[TaskRun], object]) -> Task:
        found = _TASKS.get(name)
        if found is not None and found.run is not func:
            raise ValueError(f"task {name} is registered twice")
        made = Task(name, func, max_attempts, backoff, lease, eager)
        _TASKS[name] = made
        return made

    return register


def registered_tasks(settings: Settings | None = None) -> list[Task]:
    load_job_modules(settings)
    return sorted(_TASKS.values(), key=lambda t: t.name)


def enqueue(db: Session, task: Task, *, key: str, payload: dict[str, Any]) -> int | None:
    """Queue `task` in `db`'s transaction; None when a job with this key was queued before.
    Call with the caller's session: the job exists exactly when the caller's work commits."""
    values = {
        "key": key[:200],
        "name": task.name,
        "payload": payload,
        "max_attempts": task.max_attempts,
        "run_after": utcnow(),
    }
    queued: Executable
    if db.get_bind().dialect.name == "postgresql":
        pg = pg_insert(QueuedJob).values(values).on_conflict_do_nothing(index_elements=["key"])
        queued = pg.returning(QueuedJob.id)
    else:
        lite = (
            sqlite_insert(QueuedJob).values(values).on_conflict_do_nothing(index_elements=["key"])
        )
        queued = lite.returning(QueuedJob.id)
    job_id: int | None = db.scalar(queued)
    if job_id is None:
        return None
    hand_over(db, job_id=job_id, eager=task.eager, task=task)
    return job_id


def hand_over(db: Session, *, job_id: int, eager: bool, task: Task | None = None) -> None:
    """Give the pending job to whoever retries it (procrastinate on PostgreSQL, in this same
    transaction), and try it once after commit when `eager`."""
    if db.get_bind().dialect.name == "postgresql":
        from walletdesk import jobqueue_pg

        # Eager jobs are tried here first: procrastinate looks at them a little later.
        jobqueue_pg.defer(db, job_id=job_id, delay=EAGER_GRACE if eager else timedelta(0))
    settings = settings_of(db)
    if eager and settings is not None:  # a bare session (scripts) leaves it to the runner
        factory = make_sessionmaker(db.get_bind().engine, info={"settings": settings})

        def try_now() -> None:
            run_job(factory, settings, job_id=job_id, task=task)

        after_commit(db, try_now)


def run_job(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    job_id: int,
    now: datetime | None = None,
    owner: str = OWNER,
    task: Task | None = None,
) -> str:
    """One try of job `job_id` if it is due and free: "done", "retry" (it failed and will be
    tried again), "failed" (out of tries), or "skipped" (not due, running elsewhere, finished).
    Never raises for the task's failure: it is recorded on the row."""
    now = now or utcnow()
    claimed = _claim(factory, job_id=job_id, now=now, owner=owner, task=task)
    if claimed is None:
        return "skipped"
    try:
        task = _TASKS[claimed.name]
        with session_scope(factory) as db:
            task.run(TaskRun(db, settings, factory, claimed.payload, claimed.key, claimed.attempts))
            _finish(db, job_id=job_id, owner=owner)
    except Exception as exc:
        log.exception("job %s (%s) failed on try %s", claimed.key, claimed.name, claimed.attempts)
        return _record_failure(factory, job=claimed, error=_describe(exc), owner=owner)
    log.info("job %s (%s) done", claimed.key, claimed.name)
    return "done"


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _claim(
    factory: sessionmaker[Session],
    *,
    job_id: int,
    now: datetime,
    owner: str,
    task: Task | None = None,
) -> QueuedJob | None:
    """Compare-and-set: only one runner's UPDATE finds the job pending, due and unleased.
    `task`: the job's task when the caller knows it (it just queued it): one statement then."""
    with session_scope(factory) as db:
        if task is None:
            name = db.scalar(select(QueuedJob.name).where(QueuedJob.id == job_id))
            task = _TASKS.get(name or "")
            if task is None:  # a process of another version: left to one that knows the task
                log.warning("job %s: task %s is not registered here", job_id, name)
                return None
        claimed: QueuedJob | None = db.scalar(
            update(QueuedJob)
            .where(QueuedJob.id == job_id, QueuedJob.name == task.name, *_due(now))
            .values(
                locked_until=now + task.lease,
                locked_by=owner,
                attempts=QueuedJob.attempts + 1,
            )
            .returning(QueuedJob)
            .execution_options(synchronize_session=False)
        )
        return claimed


def _due(now: datetime) -> tuple[Any, ...]:
    return (
        QueuedJob.status == "pending",
        QueuedJob.run_after <= now,
        or_(QueuedJob.locked_until.is_(None), QueuedJob.locked_until < now),
    )


class LeaseLost(Exception):
    """The try outlasted its lease and another runner took the job: this try's work is undone."""


def _finish(db: Session, *, job_id: int, owner: str) -> None:
    marked = db.execute(
        update(QueuedJob)
        .where(QueuedJob.id == job_id, QueuedJob.locked_by == owner, QueuedJob.status == "pending")
        # The payload goes: it may hold a code texted to a customer.
        .values(status="done", finished_at=utcnow(), locked_until=None, last_error="", payload={})
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(f"job {job_id}")


def _record_failure(
    factory: sessionmaker[Session], *, job: QueuedJob, error: str, owner: str
) -> str:
    task = _TASKS.get(job.name)
    out_of_tries = task is None or job.attempts >= job.max_attempts
    now = utcnow()
    values: dict[str, Any] = {"locked_until": None, "last_error": error}
    if out_of_tries:
        values |= {"status": "failed", "finished_at": now}
    else:
        assert task is not None
        values["run_after"] = now + task.delay(job.attempts)
    with session_scope(factory) as db:
        db.execute(
            update(QueuedJob)
            .where(QueuedJob.id == job.id, QueuedJob.locked_by == owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return "failed" if out_of_tries else "retry"


def run_due(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None = None,
    limit: int = 50,
) -> dict[str, int]:
    """The in-process runner's pass: one try of each due job, oldest first."""
    now = now or utcnow()
    load_job_modules(settings)
    with session_scope(factory) as db:
        ids = list(
            db.scalars(
                select(QueuedJob.id).where(*_due(now)).order_by(QueuedJob.run_after).limit(limit)
            )
        )
    counts: dict[str, int] = {}
    for job_id in ids:
        outcome = run_job(factory, settings, job_id=job_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# A short lease: each job is claimed on its own, so two passes at once are safe, and a runner
# killed mid-pass must not keep the others from the queue for long.
@periodic("run_queued_jobs", every=timedelta(0), lease=timedelta(seconds=15))
def run_queued_jobs(run: JobRun) -> dict[str, int]:
    """On SQLite, the retries' runner. On PostgreSQL procrastinate's workers run the jobs, and
    this only hands over again the rows long overdue (a wake-up lost to a database outage)."""
    if run.db.get_bind().dialect.name != "postgresql":
        return run_due(run.factory, run.settings, now=run.now)
    from walletdesk import jobqueue_pg

    overdue = list(
        run.db.scalars(
            select(QueuedJob.id).where(*_due(run.now - OVERDUE)).order_by(QueuedJob.id).limit(100)
        )
    )
    for job_id in overdue:  # a no-op for a row whose wake-up is waiting (its queueing lock)
        jobqueue_pg.defer(run.db, job_id=job_id)
    return {"handed over": len(overdue)} if overdue else {}


@periodic("delete_finished_jobs", every=timedelta(hours=1))
def delete_finished_jobs(run: JobRun) -> int:
    """Done jobs are kept a week (what was sent, when), then deleted; failed ones stay until an
    admin retries them."""
    deleted = run.db.execute(
        delete(QueuedJob)
        .where(QueuedJob.status == "done", QueuedJob.finished_at < run.now - KEEP_DONE)
        .execution_options(synchronize_session=False)
    )
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]


def retry(db: Session, *, job_id: int) -> QueuedJob | None:
    """Give a failed job a fresh set of tries, the first right after commit; None if it is not
    failed (done, still being tried, or unknown)."""
    job = db.get(QueuedJob, job_id, with_for_update=True)
    if job is None or job.status != "failed":
        return None
    job.status, job.attempts, job.finished_at = "pending", 0, None
    job.run_after, job.locked_until, job.locked_by = utcnow(), None, ""
    db.flush()
    hand_over(db, job_id=job.id, eager=True)
    return job


def unfinished(db: Session, *, limit: int = 200) -> list[QueuedJob]:
    """Failed jobs first, then those still pending, newest first within each."""
    query = (
        select(QueuedJob)
        .where(QueuedJob.status.in_(("failed", "pending")))
        .order_by(QueuedJob.status, QueuedJob.id.desc())
        .limit(limit)
    )
    return list(db.scalars(query))


def count(db: Session, *, status: str) -> int:
    return int(db.scalar(select(func.count()).where(QueuedJob.status == status)) or 0)
