"""Work promised for after commit (texts, provider calls) happens only for what was kept; the
migrations make the schema the models describe."""

from __future__ import annotations

import importlib

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from walletdesk.db import Base, after_commit, session_scope
from walletdesk.migrations import MODEL_MODULES, alembic_config, ours


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


def test_the_migrations_make_the_schema_the_models_describe(app):
    """A model changed without a migration would break on a database made by `migrate`."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    engine = app.state.engine
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": ours}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_the_migration_history_has_one_head():
    """So the next migration has one parent and `migrate` has one target."""
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads
