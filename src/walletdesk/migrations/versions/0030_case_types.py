"""case types: every case has a type (inquiry, complaint, transaction_appeal, account_recovery,
feedback) whose path it follows, older ones are inquiries; complaints and appeals keep the
deadline we committed to

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("type", sa.String(length=24), server_default="inquiry", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_cases_type"), ["type"], unique=False)
    op.create_table(
        "case_commitments",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extension", sa.String(length=32), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_commitments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_commitments")),
    )
    op.create_index(
        op.f("ix_case_commitments_due_at"), "case_commitments", ["due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_case_commitments_due_at"), table_name="case_commitments")
    op.drop_table("case_commitments")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_type"))
        batch_op.drop_column("type")
