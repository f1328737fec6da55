"""account recovery and feedback: what a customer proved to recover an account (SMS code,
named transactions, ID document and selfie) and what staff decided; feedback's tags

Revision ID: 0032
Revises: 0031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_tags",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_feedback_tags_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "tag", name=op.f("pk_feedback_tags")),
    )
    with op.batch_alter_table("feedback_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "recovery_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_recovery_evidence_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_evidence")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_recovery_evidence_stored_name")),
    )
    with op.batch_alter_table("recovery_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_evidence_case_id"), ["case_id"], unique=False)

    op.create_table(
        "recovery_requests",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("phone_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("named", sa.JSON(), nullable=False),
        sa.Column("matched_count", sa.Integer(), nullable=False),
        sa.Column("freeze_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_recovery_requests_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_recovery_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["freeze_id"],
            ["account_freezes.id"],
            name=op.f("fk_recovery_requests_freeze_id_account_freezes"),
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_recovery_requests")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_recovery_requests_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("recovery_requests")
    with op.batch_alter_table("recovery_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_evidence_case_id"))

    op.drop_table("recovery_evidence")
    with op.batch_alter_table("feedback_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_tags_tag"))

    op.drop_table("feedback_tags")
