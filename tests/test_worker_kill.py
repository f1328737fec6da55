"""A `walletdesk worker` killed (SIGKILL) in the middle of a job: another worker started after
it completes the job, and its work is done exactly once. On SQLite the in-process runner takes
the job when its lease expires; on PostgreSQL procrastinate gives the dead worker's job back
(its heartbeat stopped) and the row's lease has expired by then.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from tests.jobs_support import slow
from walletdesk.db import session_scope
from walletdesk.jobqueue import QueuedJob

ROOT = Path(__file__).resolve().parent.parent


def _worker(settings, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "WALLETDESK_DATABASE_URL": settings.database_url,
        "WALLETDESK_DATA_DIR": str(settings.data_dir),
        "WALLETDESK_SECRET_KEY": settings.secret_key,
        "WALLETDESK_JOBS_MODULES": "tests.jobs_support",
        "WALLETDESK_JOBS_STALLED_SECONDS": "2",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
    }
    command = [sys.executable, "-c", "from walletdesk.cli import app; app()", "worker"]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def _job(app, key: str) -> QueuedJob:
    with session_scope(app.state.sessionmaker) as db:
        found = db.query(QueuedJob).filter_by(key=key).one()
        db.expunge(found)
        return found


def _wait(condition, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.2)


def _slow_job_writes(app, key: str) -> int:
    with session_scope(app.state.sessionmaker) as db:
        query = text("SELECT count(*) FROM sms_outbox WHERE kind = 'slow-job' AND body = :key")
        return int(db.execute(query, {"key": key}).scalar_one())


def test_a_job_of_a_killed_worker_is_completed_once_by_another(app, settings, tmp_path):
    key, started, log = f"slow-{uuid.uuid4().hex[:8]}", tmp_path / "started", tmp_path / "log"
    with session_scope(app.state.sessionmaker) as db:
        slow.enqueue(db, key=key, started=str(started))
    first = _worker(settings, log)
    try:
        _wait(started.exists, 60, log)  # the first try is under way
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert int(started.read_text()) == first.pid
    killed = _job(app, key)
    assert (killed.status, killed.attempts) == ("pending", 1)  # its lease still held
    assert _slow_job_writes(app, key) == 0

    second = _worker(settings, log)
    try:
        _wait(lambda: _job(app, key).status == "done", 60, log)
    finally:
        second.terminate()
        second.wait(30)
    done = _job(app, key)
    assert done.attempts == 2
    assert _slow_job_writes(app, key) == 1  # done once, by the second worker
    if settings.database_url.startswith("postgresql"):
        with session_scope(app.state.sessionmaker) as db:
            left = db.execute(
                text("SELECT status FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
            ).all()
        assert left == []  # no wake-up left behind, none stuck with the dead worker
