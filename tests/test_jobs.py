"""Periodic jobs: a due job runs once per interval, a failing job neither stops the others nor
undoes their work, a leased job runs in one runner at a time, and the registered payments jobs
do their work through the runner, the inline runner of the app and `walletdesk worker --once`.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from tests.conftest import sign_in
from walletdesk import cli
from walletdesk.app import create_app
from walletdesk.db import session_scope, utcnow
from walletdesk.identity.models import SmsOutboxMessage
from walletdesk.jobs import JobLease, JobRun, JobRunner, PeriodicJob, registered_jobs
from walletdesk.wallet.transactions import WalletTransaction, record_transaction

HOUR = timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def _runner(app, jobs: list[PeriodicJob], clock: Clock | None = None) -> JobRunner:
    return JobRunner(
        factory=app.state.sessionmaker,
        settings=app.state.settings,
        jobs=jobs,
        clock=clock or utcnow,
    )


def _lease(app, name: str) -> JobLease:
    with session_scope(app.state.sessionmaker) as db:
        found = db.get(JobLease, name)
        assert found is not None
        return found


def test_a_due_job_runs_once_per_interval(app):
    clock, runs = Clock(), []
    job = PeriodicJob("count", every=HOUR, run=lambda run: runs.append(run.now) or len(runs))
    runner = _runner(app, [job], clock)
    assert [(o.name, o.status, o.result) for o in runner.run_due()] == [("count", "ok", 1)]
    assert runner.run_due() == []  # not due again yet
    clock.now += timedelta(minutes=59)
    assert runner.run_due() == []
    clock.now += timedelta(minutes=1)
    assert [o.result for o in runner.run_due()] == [2]
    lease = _lease(app, "count")
    assert lease.last_outcome == "ok" and lease.locked_until is None
    assert lease.next_run_at == clock.now + HOUR


def _note(db, body: str) -> None:
    db.add(SmsOutboxMessage(to_phone="+8613000000000", kind="job-test", body=body))
    db.flush()


def test_a_failing_job_is_rolled_back_and_the_others_keep_their_work(app):
    def fails(run: JobRun) -> None:
        _note(run.db, "written by the failing job")
        raise RuntimeError("provider exploded")

    def works(run: JobRun) -> str:
        _note(run.db, "written by the working job")
        return "done"

    jobs = [
        PeriodicJob("a_fails", every=HOUR, run=fails),
        PeriodicJob("b_works", every=HOUR, run=works),
    ]
    outcomes = _runner(app, jobs).run_due()
    assert [(o.name, o.status) for o in outcomes] == [("a_fails", "failed"), ("b_works", "ok")]
    assert "provider exploded" in outcomes[0].error
    with session_scope(app.state.sessionmaker) as db:
        written = select(SmsOutboxMessage.body).where(SmsOutboxMessage.kind == "job-test")
        assert list(db.scalars(written)) == ["written by the working job"]
    failed = _lease(app, "a_fails")
    assert failed.last_outcome == "failed" and "provider exploded" in failed.last_error
    assert failed.locked_until is None  # released: it runs again at its next due time


def test_two_runners_never_run_a_leased_job_at_the_same_time(app):
    inside, release, runs = threading.Event(), threading.Event(), []

    def slow(run: JobRun) -> None:
        runs.append(run.now)
        inside.set()
        assert release.wait(10)

    job = PeriodicJob("slow", every=timedelta(seconds=0), run=slow, lease=HOUR)
    first, second = _runner(app, [job]), _runner(app, [job])
    thread = threading.Thread(target=first.run_due)
    thread.start()
    try:
        assert inside.wait(10)
        assert second.run_due() == []  # due (every 0 s), but leased by the first runner
    finally:
        release.set()
        thread.join(10)
    assert len(runs) == 1
    assert [o.status for o in second.run_due()] == ["ok"]  # released: the next one may run it
    assert len(runs) == 2


def test_a_lease_left_by_a_dead_runner_expires(app):
    clock, runs = Clock(), []
    job = PeriodicJob(
        "sweep", every=HOUR, run=lambda run: runs.append(1), lease=timedelta(minutes=5)
    )
    dead = _runner(app, [job], clock)
    dead._make_rows(clock.now)
    assert dead._claim(job, clock.now)  # took the lease, then its process died
    survivor = _runner(app, [job], clock)
    assert survivor.run_due() == []
    clock.now += timedelta(minutes=6)
    assert [o.status for o in survivor.run_due()] == ["ok"] and runs == [1]


def _old_unconfirmed_deposit(app, user_id: int) -> str:
    with session_scope(app.state.sessionmaker) as db:
        tx = record_transaction(
            db,
            user_id=user_id,
            kind="deposit",
            amount_minor=500_00,
            currency="CNY",
            status="processing",
            method="payment_app",
        )
        tx.created_at = utcnow() - timedelta(hours=25)
        tx.provider_ref = "sbx_ch_never_confirmed"
        return tx.public_id


def _status(app, public_id: str) -> tuple[str, str | None]:
    with session_scope(app.state.sessionmaker) as db:
        tx = db.scalars(select(WalletTransaction).where(WalletTransaction.public_id == public_id))
        found = tx.one()
        return found.status, found.failure_code


def test_the_runner_turns_an_old_unconfirmed_deposit_into_not_received(app, client, people):
    public_id = _old_unconfirmed_deposit(app, people.customer.id)
    outcomes = {o.name: o for o in _runner(app, registered_jobs()).run_due()}
    assert outcomes["expire_unconfirmed_deposits"].result == 1
    assert outcomes["resend_unanswered_payments"].status == "ok"
    assert _status(app, public_id) == ("failed", "not_received")
    sign_in(client, people.customer)
    page = client.get(f"/wallet/deposit/{public_id}?lang=en")
    assert "We have not received this deposit" in page.text


def test_the_app_runs_the_jobs_inline_and_stops_them_on_shutdown(settings, people, app):
    public_id = _old_unconfirmed_deposit(app, people.customer.id)
    inline = create_app(settings.model_copy(update={"jobs": "inline"}))
    try:
        with TestClient(inline):
            deadline = time.monotonic() + 10
            while _status(app, public_id)[0] != "failed":
                assert time.monotonic() < deadline, "the inline runner did not expire the deposit"
                time.sleep(0.05)
        assert not [t for t in threading.enumerate() if t.name == "walletdesk-jobs"]
    finally:
        inline.state.engine.dispose()


def test_worker_once_runs_the_due_jobs_and_exits(settings, people, app, monkeypatch):
    public_id = _old_unconfirmed_deposit(app, people.customer.id)
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "SECRET_KEY": settings.secret_key,
    }.items():
        monkeypatch.setenv(f"WALLETDESK_{name}", value)
    first = CliRunner().invoke(cli.app, ["worker", "--once"])
    assert first.exit_code == 0, first.output
    assert '"job": "expire_unconfirmed_deposits", "status": "ok", "result": 1' in first.output
    assert '"job": "resend_unanswered_payments", "status": "ok"' in first.output
    assert _status(app, public_id) == ("failed", "not_received")
    again = CliRunner().invoke(cli.app, ["worker", "--once"])
    assert again.exit_code == 0 and again.output == ""  # nothing due for a minute
