"""Alembic environment: runs migrations on the URL the caller configured."""

from __future__ import annotations

import importlib

from alembic import context
from sqlalchemy import engine_from_config, pool

from walletdesk.db import Base
from walletdesk.migrations import MODEL_MODULES, ours

for name in MODEL_MODULES:
    importlib.import_module(name)

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(
            connection=connectable,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=ours,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section)
        or {"sqlalchemy.url": config.get_main_option("sqlalchemy.url")},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=ours,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
