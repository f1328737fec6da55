"""Writing and verifying the audit log.

Each entry's hash covers its content and the previous entry's hash, so an edited or deleted
entry breaks the chain; `verify_chain` finds where.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from walletdesk.audit.models import AuditEntry
from walletdesk.db import utcnow

GENESIS = "0" * 64
CHAIN_LOCK = 72_01_0001


def _digest(entry: AuditEntry) -> str:
    payload = json.dumps(
        [
            entry.prev_hash,
            entry.at.isoformat(),
            entry.actor_id,
            entry.action,
            entry.subject_type,
            entry.subject_id,
            entry.details,
            entry.ip,
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    db: Session,
    *,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: object,
    details: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditEntry:
    """Append one entry. Writers serialise on the chain head (a transaction-scoped advisory
    lock on PostgreSQL; SQLite serialises writers itself), and prev_hash is unique, so the
    chain can never fork."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    last = db.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    entry = AuditEntry(
        at=utcnow().replace(microsecond=0),
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        details=details or {},
        ip=ip[:64],
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = _digest(entry)
    db.add(entry)
    db.flush()
    return entry


def verify_chain(db: Session) -> int | None:
    """The id of the first entry that does not fit the chain, or None when all is intact."""
    prev = GENESIS
    for entry in db.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        if entry.prev_hash != prev or _digest(entry) != entry.hash:
            return entry.id
        prev = entry.hash
    return None
