"""Staff management by admins (creating agents, supervisors and admins, and deactivating
them) and the retry of failed background jobs. Identity owns people and the core owns jobs;
this adds the admin's checks and the audit entry.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from walletdesk import jobqueue
from walletdesk.audit import service as audit
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.identity import service as identity
from walletdesk.identity.models import STAFF_ROLES, User
from walletdesk.identity.permissions import require_permission
from walletdesk.jobqueue import QueuedJob


def create_staff(
    db: Session,
    *,
    role: str,
    email: str,
    display_name: str,
    password: str,
    lang: str,
    actor: User,
    ip: str = "",
) -> User:
    if role not in STAFF_ROLES:
        raise ValidationFailed("Choose a role.", field="role")
    if not email.strip():
        raise ValidationFailed("Enter an email address.", field="email")
    user = identity.create_user(
        db,
        role=role,
        email=email,
        password=password,
        display_name=display_name,
        lang=lang if lang in ("zh", "en") else "zh",
    )
    audit.record(
        db,
        actor_id=actor.id,
        action="staff.created",
        subject_type="user",
        subject_id=user.id,
        details={"role": role, "email": user.email},
        ip=ip,
    )
    return user


def set_staff_active(db: Session, *, user_id: int, active: bool, actor: User, ip: str = "") -> User:
    """Deactivated staff cannot sign in, and their open sessions stop working at once
    (sessions are only honoured for active people)."""
    user = identity.get_user(db, user_id=user_id)
    if not user.is_staff:
        raise NotFound()
    if user.id == actor.id and not active:
        raise Conflict("You cannot deactivate your own account.")
    if user.is_active == active:
        return user
    user.is_active = active
    db.flush()
    audit.record(
        db,
        actor_id=actor.id,
        action="staff.reactivated" if active else "staff.deactivated",
        subject_type="user",
        subject_id=user.id,
        details={"email": user.email},
        ip=ip,
    )
    return user


def retry_job(db: Session, *, job_id: int, actor: User, ip: str = "") -> QueuedJob:
    """A failed background job gets a fresh set of tries, the first once this commits."""
    require_permission(actor, "jobs.retry")
    job = jobqueue.retry(db, job_id=job_id)
    if job is None:
        raise Conflict("This job is not failed: it is done or still being tried.", code="job")
    audit.record(
        db,
        actor_id=actor.id,
        action="job.retried",
        subject_type="queued_job",
        subject_id=job.id,
        details={"name": job.name, "key": job.key},
        ip=ip,
    )
    return job
