"""login guards: wrong passwords per login (known or not) and growing delays; theft self-locks;
step-ups of money leaving the wallet

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletdesk.db

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_guards",
        sa.Column("login", sa.String(length=254), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", walletdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delayed_until", walletdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_login_guards")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("self_lock_stolen", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("step_up_at", walletdesk.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_column("step_up_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("self_lock_stolen")
    op.drop_table("login_guards")
