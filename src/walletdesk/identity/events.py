"""The security event log (a customer's own sign-ins and security changes, with address and
device) and the security alerts shown to them on their security page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from walletdesk.db import utcnow
from walletdesk.identity.messages import ALERT_LABELS, EVENT_LABELS
from walletdesk.identity.models import SecurityAlert, SecurityEvent


def record_event(
    db: Session,
    *,
    user_id: int,
    kind: str,
    ip: str = "",
    device: str = "",
    details: dict[str, Any] | None = None,
) -> SecurityEvent:
    if kind not in EVENT_LABELS:
        raise ValueError(kind)
    event = SecurityEvent(
        user_id=user_id, kind=kind, ip=ip[:64], device=device[:100], details=details or {}
    )
    db.add(event)
    db.flush()
    return event


def events_of(db: Session, *, user_id: int, limit: int = 50) -> list[SecurityEvent]:
    """Newest first; customers see their own, agents (later) any customer's."""
    return list(
        db.scalars(
            select(SecurityEvent)
            .where(SecurityEvent.user_id == user_id)
            .order_by(SecurityEvent.id.desc())
            .limit(limit)
        )
    )


def raise_alert(db: Session, *, user_id: int, kind: str, **params: Any) -> SecurityAlert:
    if kind not in ALERT_LABELS:
        raise ValueError(kind)
    alert = SecurityAlert(user_id=user_id, kind=kind, params=params)
    db.add(alert)
    db.flush()
    return alert


def alerts_of(db: Session, *, user_id: int, limit: int = 20) -> list[SecurityAlert]:
    return list(
        db.scalars(
            select(SecurityAlert)
            .where(SecurityAlert.user_id == user_id)
            .order_by(SecurityAlert.id.desc())
            .limit(limit)
        )
    )


def unread_alerts(db: Session, *, user_id: int) -> int:
    count = db.scalar(
        select(func.count(SecurityAlert.id)).where(
            SecurityAlert.user_id == user_id, SecurityAlert.read_at.is_(None)
        )
    )
    return int(count or 0)


def mark_alerts_read(db: Session, *, user_id: int) -> None:
    db.execute(
        update(SecurityAlert)
        .where(SecurityAlert.user_id == user_id, SecurityAlert.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.flush()
