"""job leases (periodic jobs: when each is due and who runs it)

Revision ID: 0020
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletdesk.db

revision = "0020"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("next_run_at", walletdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", walletdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=80), nullable=False),
        sa.Column("last_started_at", walletdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", walletdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
