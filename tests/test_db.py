"""Work promised for after commit (texts, provider calls) happens only for what was kept."""

from __future__ import annotations

from walletdesk.db import after_commit, session_scope


def test_work_after_commit_runs_once_committed_and_never_for_what_was_rolled_back(app):
    done: list[str] = []
    with session_scope(app.state.sessionmaker) as db:
        db.connection()  # a real transaction to roll back
        after_commit(db, lambda: done.append("rolled back"))
        db.rollback()
        after_commit(db, lambda: done.append("kept"))
    assert done == ["kept"]


def test_work_after_commit_is_dropped_when_the_scope_fails(app):
    done: list[str] = []
    try:
        with session_scope(app.state.sessionmaker) as db:
            after_commit(db, lambda: done.append("sent"))
            raise RuntimeError("the request failed")
    except RuntimeError:
        pass
    assert done == []
