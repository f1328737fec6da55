"""Queued jobs: written in the transaction that asks for them (a rollback drops them), tried
right after commit, retried with growing pauses until they succeed (their work done once), kept
as failed for admins when every try fails, and run again by the admin's retry; on PostgreSQL,
procrastinate's worker runs the retries.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import csrf_of, sign_in
from tests.jobs_support import FAILURES, RUNS, flaky, flaky_later
from walletdesk import jobqueue
from walletdesk.app import create_app
from walletdesk.db import session_scope, utcnow
from walletdesk.identity.models import SmsOutboxMessage
from walletdesk.jobqueue import QueuedJob


def _key(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"  # the tasks' counters are shared by all tests


def _job(app, key: str) -> QueuedJob:
    with session_scope(app.state.sessionmaker) as db:
        found = db.scalar(select(QueuedJob).where(QueuedJob.key == key))
        assert found is not None
        return found


def _effects(app, key: str, kind: str = "flaky-job") -> int:
    with session_scope(app.state.sessionmaker) as db:
        query = select(func.count()).where(
            SmsOutboxMessage.kind == kind, SmsOutboxMessage.body == key
        )
        return int(db.scalar(query) or 0)


def _run_due(app, *, after: timedelta) -> dict[str, int]:
    return jobqueue.run_due(app.state.sessionmaker, app.state.settings, now=utcnow() + after)


def test_a_job_of_a_rolled_back_transaction_never_runs(app):
    key = _key("rolled-back")
    with session_scope(app.state.sessionmaker) as db:
        assert flaky.enqueue(db, key=key) is not None
        db.rollback()  # the request failed after asking for the work
    assert RUNS.get(key) is None
    assert _run_due(app, after=timedelta(days=1)) == {}
    with session_scope(app.state.sessionmaker) as db:
        assert db.scalar(select(QueuedJob).where(QueuedJob.key == key)) is None
        if db.get_bind().dialect.name == "postgresql":  # nor was it handed to procrastinate
            assert db.execute(_procrastinate_jobs()).all() == []


def test_a_committed_job_runs_at_once_and_only_once(app):
    key = _key("committed-once")
    with session_scope(app.state.sessionmaker) as db:
        flaky.enqueue(db, key=key)
        assert flaky.enqueue(db, key=key) is None  # the same work asked for twice
    assert RUNS[key] == 1 and _job(app, key).status == "done"
    assert _run_due(app, after=timedelta(days=1)) == {}
    assert RUNS[key] == 1 and _effects(app, key) == 1


def test_a_failing_job_is_retried_with_growing_pauses_and_its_work_done_once(app):
    key = _key("backoff")
    FAILURES[key] = 2
    with session_scope(app.state.sessionmaker) as db:
        flaky.enqueue(db, key=key)
    first = _job(app, key)  # the try right after commit failed
    assert (first.status, first.attempts) == ("pending", 1)
    assert "provider down (try 1)" in first.last_error
    assert timedelta(seconds=9) < first.run_after - first.created_at < timedelta(seconds=12)
    assert _run_due(app, after=timedelta(seconds=5)) == {}  # not due yet
    assert _run_due(app, after=timedelta(seconds=11)) == {"retry": 1}
    second = _job(app, key)
    pause = second.run_after - utcnow()  # doubled: 20 s after the second try
    assert timedelta(seconds=18) < pause < timedelta(seconds=21)
    assert _run_due(app, after=timedelta(seconds=15)) == {}
    assert _run_due(app, after=timedelta(seconds=25)) == {"done": 1}
    done = _job(app, key)
    assert (done.status, done.attempts, done.last_error, done.payload) == ("done", 3, "", {})
    assert RUNS[key] == 3 and _effects(app, key) == 1  # three tries, the work once


def test_a_job_failing_every_try_is_shown_to_admins_and_retry_runs_it(app, client, people):
    key = _key("hopeless")
    FAILURES[key] = 99
    with session_scope(app.state.sessionmaker) as db:
        flaky.enqueue(db, key=key)
    for hours in (1, 2, 3):
        _run_due(app, after=timedelta(hours=hours))
    failed = _job(app, key)
    assert (failed.status, failed.attempts) == ("failed", 4)
    assert _run_due(app, after=timedelta(days=1)) == {}  # no more tries by itself

    sign_in(client, people.agent)
    assert client.get("/admin/jobs").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    sign_in(client, people.admin)
    assert "1 failed, 0 waiting for a try" in client.get("/admin?lang=en").text
    page = client.get("/admin/jobs?lang=en").text
    row = page[page.index('id="failed-jobs"') : page.index('id="pending-jobs"')]
    assert key in row and "provider down (try 4)" in row and "4 / 4" in row
    assert f"/admin/jobs/{failed.id}/retry" in row

    FAILURES[key] = 0  # the provider is back
    retried = client.post(
        f"/admin/jobs/{failed.id}/retry",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert retried.status_code == 303
    assert _job(app, key).status == "done" and _effects(app, key) == 1
    page = client.get("/admin/jobs?lang=en").text
    assert key not in page and "No failed jobs." in page
    again = client.post(f"/admin/jobs/{failed.id}/retry", data={"csrf_token": csrf_of(client)})
    assert again.status_code == 409  # done: nothing to retry


def test_the_jobs_page_is_in_chinese_too(app, client, people):
    sign_in(client, people.admin)
    page = client.get("/admin/jobs?lang=zh").text
    assert "后台任务" in page and "没有失败的任务。" in page


@pytest.mark.postgres
def test_procrastinate_runs_the_retries_on_postgresql(app, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("procrastinate runs on PostgreSQL only")
    from walletdesk.jobqueue_pg import PgRunner, run_to_end

    key = _key("pg-retry")
    FAILURES[key] = 1
    with session_scope(app.state.sessionmaker) as db:
        flaky_later.enqueue(db, key=key)
    assert RUNS.get(key) is None  # not eager: only the worker runs it
    runner = PgRunner(factory=app.state.sessionmaker, settings=app.state.settings)
    run_to_end(runner.serve(wait=False))
    assert RUNS[key] == 1 and _job(app, key).status == "pending"  # failed; next try in 10 s
    with session_scope(app.state.sessionmaker) as db:
        scheduled = db.execute(_procrastinate_jobs()).all()
    # The first wake-up succeeded (and was deleted); the next waits for the row's next try.
    assert [(row.status, row.job_id) for row in scheduled] == [("todo", _job(app, key).id)]
    # As if the pause had passed: the waiting wake-up is due now.
    with session_scope(app.state.sessionmaker) as db:
        db.execute(
            _text("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
        )
        db.execute(_text("UPDATE queued_jobs SET run_after = now()"))
    run_to_end(runner.serve(wait=False))
    assert RUNS[key] == 2 and _job(app, key).status == "done" and _effects(app, key) == 1


def _text(sql: str):
    from sqlalchemy import text

    return text(sql)


def _procrastinate_jobs():
    return _text(
        "SELECT status, (args->>'job_id')::int AS job_id FROM procrastinate_jobs ORDER BY id"
    )


def test_no_code_in_the_queue_once_sent(app):
    """The SMS payload (with its code) is dropped when the job is done."""
    with session_scope(app.state.sessionmaker) as db:
        flaky.enqueue(db, key=(key := _key("secret")), code="123456")
    assert not re.search("123456", str(_job(app, key).payload))


def test_the_inline_runner_of_the_web_process_runs_queued_jobs(settings, app):
    """WALLETDESK_JOBS=inline: the web process runs what no request tried (on PostgreSQL with a
    procrastinate worker in a thread, on SQLite with the timers' runner), and stops with it."""
    key = _key("inline")
    with session_scope(app.state.sessionmaker) as db:
        flaky_later.enqueue(db, key=key)
    inline = create_app(settings.model_copy(update={"jobs": "inline"}))
    try:
        with TestClient(inline):
            deadline = time.monotonic() + 30
            while _job(app, key).status != "done":
                assert time.monotonic() < deadline, "the inline runner did not run the job"
                time.sleep(0.1)
        names = {t.name for t in threading.enumerate()}
        assert not names & {"walletdesk-jobs", "walletdesk-queue"}
    finally:
        inline.state.engine.dispose()
    assert RUNS[key] == 1 and _effects(app, key) == 1


@pytest.mark.postgres
def test_a_row_whose_wake_up_was_lost_is_handed_over_again(app, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("procrastinate runs on PostgreSQL only")
    from walletdesk.jobqueue_pg import PgRunner, run_to_end
    from walletdesk.jobs import JobRunner, registered_jobs

    key = _key("lost-wake-up")
    with session_scope(app.state.sessionmaker) as db:
        flaky_later.enqueue(db, key=key)
    with session_scope(app.state.sessionmaker) as db:  # as if a database outage lost it
        db.execute(_text("DELETE FROM procrastinate_jobs"))
        db.execute(_text("UPDATE queued_jobs SET run_after = now() - interval '10 minutes'"))
    timers = JobRunner(
        factory=app.state.sessionmaker, settings=app.state.settings, jobs=registered_jobs()
    )
    outcomes = {o.name: o.result for o in timers.run_due()}
    assert outcomes["run_queued_jobs"] == {"handed over": 1}
    runner = PgRunner(factory=app.state.sessionmaker, settings=app.state.settings)
    run_to_end(runner.serve(wait=False))
    assert _job(app, key).status == "done" and RUNS[key] == 1


def test_done_jobs_are_deleted_after_a_week_and_failed_ones_kept(app):
    from walletdesk.jobs import JobRunner, registered_jobs

    done_key, failed_key = _key("old-done"), _key("old-failed")
    FAILURES[failed_key] = 99
    with session_scope(app.state.sessionmaker) as db:
        flaky.enqueue(db, key=done_key)
        flaky.enqueue(db, key=failed_key)
    for hours in (1, 2, 3):
        _run_due(app, after=timedelta(hours=hours))
    with session_scope(app.state.sessionmaker) as db:
        for job in db.scalars(select(QueuedJob).where(QueuedJob.key.in_((done_key, failed_key)))):
            job.finished_at = utcnow() - timedelta(days=8)
    [sweep] = [j for j in registered_jobs() if j.name == "delete_finished_jobs"]
    timers = JobRunner(factory=app.state.sessionmaker, settings=app.state.settings, jobs=[sweep])
    assert [o.result for o in timers.run_due()] == [1]
    with session_scope(app.state.sessionmaker) as db:
        left = db.scalars(select(QueuedJob.key).where(QueuedJob.key.in_((done_key, failed_key))))
        assert list(left) == [failed_key]
