"""system case messages: a line with no author (risk control, an approved refund) is kept as
a message id with its parameters, shown in the reader's language

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.alter_column("author_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("line", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.drop_column("line")
        batch_op.alter_column("author_id", existing_type=sa.Integer(), nullable=False)
