"""cases.sla_due_at: when the case's earliest running SLA clock is due, kept with the clocks,
so that the inbox sorted and filtered by time left reads an index instead of every clock

Revision ID: 0033
Revises: 0032
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE cases SET sla_due_at = running.due_at
FROM (
    SELECT case_id, min(due_at) AS due_at FROM case_sla_clocks
    WHERE met_at IS NULL AND paused_at IS NULL GROUP BY case_id
) AS running
WHERE running.case_id = cases.id
"""


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(BACKFILL)
    op.create_index("ix_cases_sla_due", "cases", ["sla_due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_sla_due", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("sla_due_at")
