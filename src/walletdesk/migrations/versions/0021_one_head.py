"""one head: joins the branches each domain grew from 0001 (help center, identity security,
payments, risk and approvals, job leases), so the next migration has a single parent

Revision ID: 0021
Revises: 0002, 0005, 0007, 0009, 0020
"""

from __future__ import annotations

revision = "0021"
down_revision = ("0002", "0005", "0007", "0009", "0020")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
