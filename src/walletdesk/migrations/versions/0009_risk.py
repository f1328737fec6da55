"""risk control: account freezes and risk hits

Revision ID: 0009
Revises: 0010 (freezes name the approval that lifted them; approvals follow cases)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletdesk.db

revision = "0009"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_freezes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", walletdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", walletdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lift_approval_id", sa.Integer(), nullable=True),
        sa.Column("lift_note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_freezes_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_account_freezes_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_account_freezes_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"], ["users.id"], name=op.f("fk_account_freezes_lifted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["lift_approval_id"],
            ["approvals.id"],
            name=op.f("fk_account_freezes_lift_approval_id_approvals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_freezes")),
    )
    op.create_index("ix_account_freezes_user_lifted", "account_freezes", ["user_id", "lifted_at"])
    op.create_index(op.f("ix_account_freezes_case_id"), "account_freezes", ["case_id"])
    op.create_table(
        "risk_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("at", walletdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_risk_hits_user_id_users")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_risk_hits_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_hits")),
    )
    op.create_index("ix_risk_hits_user_at", "risk_hits", ["user_id", "at"])
    op.create_index("ix_risk_hits_subject", "risk_hits", ["subject_type", "subject_id"])
    op.create_index(op.f("ix_risk_hits_case_id"), "risk_hits", ["case_id"])


def downgrade() -> None:
    op.drop_table("risk_hits")
    op.drop_table("account_freezes")
