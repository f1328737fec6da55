"""help questions: every search (and assistant question) with what followed and its label

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletdesk.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "help_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_key", sa.String(length=300), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("top_slug", sa.String(length=80), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("opened_slug", sa.String(length=80), nullable=True),
        sa.Column("feedback", sa.String(length=16), nullable=True),
        sa.Column("opened_case", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=80), nullable=True),
        sa.Column("labelled_by", sa.Integer(), nullable=True),
        sa.Column("labelled_at", walletdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", walletdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["labelled_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_help_questions_key", "help_questions", ["lang", "text_key"])
    op.create_index("ix_help_questions_created_at", "help_questions", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_help_questions_created_at", table_name="help_questions")
    op.drop_index("ix_help_questions_key", table_name="help_questions")
    op.drop_table("help_questions")
