"""The case timeline as it is written: one typed event per change, with who and when, an
audit entry in the same transaction when a member of staff made the change, and the SLA
clocks kept in step with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.cases.models import Case, CaseEvent
from walletdesk.cases.sla import tracking as sla
from walletdesk.db import utcnow
from walletdesk.identity.models import User


def record(
    db: Session, *, case: Case, actor: User | None, type: str, data: dict[str, Any], ip: str
) -> None:
    """The timeline event of a change, and the audit entry when staff made it."""
    now = utcnow()
    db.add(CaseEvent(case_id=case.id, actor=actor, type=type, data=data, at=now))
    case.updated_at = now
    sla.follow(db, case=case, actor=actor, type=type, data=data, at=now)
    if actor is not None and actor.is_staff:
        audit.record(
            db,
            actor_id=actor.id,
            action=f"case.{type}",
            subject_type="case",
            subject_id=case.id,
            details={"number": case.number, **data},
            ip=ip,
        )
