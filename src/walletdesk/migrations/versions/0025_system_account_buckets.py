"""system account buckets: each system account is split into rows summed by its code, so that
deposits and fees of different customers do not queue on one row

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

WHERE = {
    "sqlite_where": sa.text("user_id IS NULL"),
    "postgresql_where": sa.text("user_id IS NULL"),
}


def upgrade() -> None:
    with op.batch_alter_table("wallet_accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bucket", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch_op.drop_index("uq_wallet_accounts_system_code", **WHERE)
        batch_op.create_index(
            "uq_wallet_accounts_system_code", ["code", "currency", "bucket"], unique=True, **WHERE
        )


def downgrade() -> None:
    # Folding buckets back into one row per code would rewrite postings: refuse instead.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM wallet_accounts WHERE bucket <> 0")).scalar():
        raise RuntimeError("system accounts are split into buckets: cannot downgrade")
    with op.batch_alter_table("wallet_accounts", schema=None) as batch_op:
        batch_op.drop_index("uq_wallet_accounts_system_code", **WHERE)
        batch_op.create_index(
            "uq_wallet_accounts_system_code", ["code", "currency"], unique=True, **WHERE
        )
        batch_op.drop_column("bucket")
