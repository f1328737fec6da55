"""queued jobs: one-off background work written in the transaction that asks for it (SMS
through the HTTP provider, transaction alerts, provider calls), retried until done; on
PostgreSQL also procrastinate's schema, whose workers run them

Revision ID: 0028
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queued_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=80), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queued_jobs")),
        sa.UniqueConstraint("key", name=op.f("uq_queued_jobs_key")),
    )
    op.create_index("ix_queued_jobs_due", "queued_jobs", ["status", "run_after"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # Procrastinate's own schema, as its version ships it (% doubled, as its apply_schema).
        bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    op.drop_index("ix_queued_jobs_due", table_name="queued_jobs")
    op.drop_table("queued_jobs")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            DO $$ DECLARE r record; BEGIN
              FOR r IN SELECT tablename FROM pg_tables
                       WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%'
              LOOP EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename); END LOOP;
              FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
                       JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%'
              LOOP EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.f); END LOOP;
              FOR r IN SELECT t.typname FROM pg_type t
                       JOIN pg_namespace n ON n.oid = t.typnamespace
                       WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
                         AND t.typtype IN ('e', 'c')
              LOOP EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname); END LOOP;
            END $$;
            """
        )
