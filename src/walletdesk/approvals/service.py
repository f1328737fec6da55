"""Asking for and deciding approvals. A kind (unfreeze, fee refund, compensation) is
registered by the domain that carries it out; the decision runs it in the same transaction.

The rules hold here, not in pages: the requester needs the kind's request permission, the
approver its approve permission and must be another person; a request is decided once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.approvals import signals
from walletdesk.approvals.models import Approval
from walletdesk.audit import service as audit
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from walletdesk.events import publish
from walletdesk.identity.models import User
from walletdesk.identity.permissions import require_permission

# Carries out an approved request; returns what it produced (stored in Approval.result).
Execute = Callable[[Session, Approval, User], dict[str, Any]]


@dataclass(frozen=True)
class ApprovalKind:
    kind: str
    label: str  # message id, e.g. "Unfreeze the account"
    request_permission: str
    approve_permission: str
    execute: Execute
    # Describes the payload for people: "{amount} fee refund", in the reader's language.
    describe: Callable[[Approval], dict[str, str]] = lambda approval: {}


KINDS: dict[str, ApprovalKind] = {}


def register_kind(kind: ApprovalKind) -> None:
    KINDS[kind.kind] = kind


def get_kind(kind: str) -> ApprovalKind:
    found = KINDS.get(kind)
    if found is None:
        raise ValidationFailed("Unknown kind of approval.", field="kind")
    return found


def request_approval(
    db: Session,
    *,
    kind: str,
    staff: User,
    customer_id: int,
    payload: dict[str, Any],
    reason: str,
    case_id: int | None = None,
    ip: str = "",
) -> Approval:
    """A pending request for a second member of staff to approve."""
    spec = get_kind(kind)
    require_permission(staff, spec.request_permission)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why, for the approver and the audit log.", field="reason")
    approval = Approval(
        kind=kind,
        customer_id=customer_id,
        case_id=case_id,
        payload=payload,
        reason=reason[:500],
        requested_by_id=staff.id,
    )
    db.add(approval)
    db.flush()
    details = {"kind": kind, "customer_id": customer_id, "case_id": case_id, **payload}
    audit.record(
        db,
        actor_id=staff.id,
        action="approval.request",
        subject_type="approval",
        subject_id=approval.id,
        details=details,
        ip=ip,
    )
    requested = signals.ApprovalRequested(
        approval_id=approval.id,
        kind=kind,
        label=spec.label,
        staff_id=staff.id,
        customer_id=customer_id,
        reason=approval.reason,
        case_id=case_id,
        ip=ip,
    )
    publish(db, requested)
    return approval


def decide(
    db: Session, *, approval_id: int, staff: User, approve: bool, note: str = "", ip: str = ""
) -> Approval:
    """Approve (and carry out) or reject a pending request, as a different member of staff."""
    approval = db.scalars(
        select(Approval).where(Approval.id == approval_id).with_for_update()
    ).first()
    if approval is None:
        raise NotFound("This approval request does not exist.")
    spec = get_kind(approval.kind)
    require_permission(staff, spec.approve_permission)
    if approval.status != "pending":
        raise Conflict("This request has already been decided.")
    if approval.requested_by_id == staff.id:
        raise Forbidden(
            "A second member of staff must approve what you asked for.", code="same_person"
        )
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed("Say why you reject it.", field="note")
    approval.decided_by_id = staff.id
    approval.decided_at = utcnow()
    approval.decision_note = note[:500]
    approval.status = "approved" if approve else "rejected"
    if approve:
        approval.result = spec.execute(db, approval, staff)
    db.flush()
    audit.record(
        db,
        actor_id=staff.id,
        action=f"approval.{approval.status}",
        subject_type="approval",
        subject_id=approval.id,
        details={"kind": approval.kind, "note": approval.decision_note, **approval.result},
        ip=ip,
    )
    decided = signals.ApprovalDecided(
        approval_id=approval.id,
        kind=approval.kind,
        label=spec.label,
        staff_id=staff.id,
        customer_id=approval.customer_id,
        approved=approve,
        note=approval.decision_note,
        case_id=approval.case_id,
        ip=ip,
    )
    publish(db, decided)
    return approval


def pending_approvals(db: Session, *, limit: int = 100) -> list[Approval]:
    return list(
        db.scalars(
            select(Approval)
            .where(Approval.status == "pending")
            .order_by(Approval.requested_at)
            .limit(limit)
        )
    )


def recent_decisions(db: Session, *, limit: int = 20) -> list[Approval]:
    """The latest approved or rejected requests, newest decision first."""
    return list(
        db.scalars(
            select(Approval)
            .where(Approval.status != "pending")
            .order_by(Approval.decided_at.desc(), Approval.id.desc())
            .limit(limit)
        )
    )


def pending_for(db: Session, *, customer_id: int, kind: str) -> list[Approval]:
    """The customer's requests of one kind still waiting for a decision."""
    return list(
        db.scalars(
            select(Approval).where(
                Approval.customer_id == customer_id,
                Approval.kind == kind,
                Approval.status == "pending",
            )
        )
    )


def approvals_of(
    db: Session, *, customer_id: int | None = None, case_id: int | None = None, limit: int = 50
) -> list[Approval]:
    """Newest first, of one customer or one case."""
    query = select(Approval).order_by(Approval.id.desc()).limit(limit)
    if customer_id is not None:
        query = query.where(Approval.customer_id == customer_id)
    if case_id is not None:
        query = query.where(Approval.case_id == case_id)
    return list(db.scalars(query))
