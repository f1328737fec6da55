"""Alembic migrations: the only way the schema is made."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent

# Every module that defines tables; env.py imports them so autogenerate sees the whole schema.
MODEL_MODULES = (
    "walletdesk.identity.models",
    "walletdesk.identity.kyc_models",
    "walletdesk.helpcenter.models",
    "walletdesk.cases.models",
    "walletdesk.conversations.models",
    "walletdesk.audit.models",
    "walletdesk.wallet.models",
    "walletdesk.wallet.transactions",
    "walletdesk.payments.models",
    "walletdesk.approvals.models",
    "walletdesk.risk.models",
    "walletdesk.cases.sla.models",
    "walletdesk.jobs",
    "walletdesk.jobqueue",
)


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """What autogenerate compares: not procrastinate's tables (its schema is its own, made by
    migration 0028 from the version it ships)."""
    return not (name or "").startswith("procrastinate")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)
