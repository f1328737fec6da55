"""The complaint and appeal clocks' background work: the written acknowledgement (queued in
the transaction that files the case, sent once after commit, retried until it is), and the
sweep that queues a reminder to staff when a committed deadline draws near.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from walletdesk.cases import commitments, complaints
from walletdesk.cases.models import Case, CaseCommitment
from walletdesk.cases.types import ACTIVE_STATES
from walletdesk.jobqueue import TaskRun, task
from walletdesk.jobs import JobRun, periodic


@task("cases.acknowledge", max_attempts=10, backoff=timedelta(seconds=15))
def acknowledge_task(run: TaskRun) -> bool:
    # Its line and state commit with the job's done mark: sent exactly once.
    return complaints.acknowledge(
        run.db, case_id=int(run.payload["case_id"]), settings=run.settings
    )


@task("cases.remind_deadline", max_attempts=10, backoff=timedelta(seconds=30))
def remind_task(run: TaskRun) -> bool:
    return complaints.remind(run.db, case_id=int(run.payload["case_id"]), settings=run.settings)


@periodic("remind_committed_deadlines", every=timedelta(minutes=10))
def remind_committed_deadlines(run: JobRun) -> int:
    """Queue one reminder per case and due date for the answers due soon or overdue."""
    found = run.db.scalars(
        select(CaseCommitment)
        .join(Case, Case.id == CaseCommitment.case_id)
        .where(
            CaseCommitment.responded_at.is_(None),
            CaseCommitment.reminded_at.is_(None),
            Case.status.in_(ACTIVE_STATES),
        )
        .order_by(CaseCommitment.due_at)
        .limit(500)
    )
    queued = 0
    for commitment in found:
        if commitments.needs_reminder(commitment, run.now):
            key = f"deadline-reminder:{commitment.case_id}:{commitment.due_at.isoformat()}"
            queued += remind_task.enqueue(run.db, key=key, case_id=commitment.case_id) is not None
    return queued
