"""Case state changes (filled in by the cases work)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from walletdesk.config import Settings


def seed_demo_cases(db: Session, *, settings: Settings) -> None:
    """Sample cases for the demo customer (idempotent)."""
