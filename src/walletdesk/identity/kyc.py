"""Real-name verification: customers submit their name, ID number and document photos; staff
approve or reject with a reason (audited). Levels: unverified, basic, advanced.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.identity import events, kyc_files
from walletdesk.identity.kyc_models import ID_TYPES, KYC_LEVELS, KycDocument, KycSubmission
from walletdesk.identity.models import User
from walletdesk.identity.service import require

# The photos each level asks for; advanced builds on an approved basic verification.
LEVEL_DOCUMENTS = {"basic": ("id_front", "id_back"), "advanced": ("selfie",)}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")


def valid_id_number(id_type: str, number: str) -> bool:
    """Mainland resident ID cards carry a mod-11 check character (GB 11643)."""
    if id_type == "passport":
        return bool(_PASSPORT.match(number))
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17]


def submissions_of(db: Session, *, user_id: int) -> list[KycSubmission]:
    return list(
        db.scalars(
            select(KycSubmission)
            .where(KycSubmission.user_id == user_id)
            .order_by(KycSubmission.id.desc())
        )
    )


def _approved_basic(db: Session, *, user_id: int) -> KycSubmission | None:
    return db.scalar(
        select(KycSubmission)
        .where(
            KycSubmission.user_id == user_id,
            KycSubmission.level == "basic",
            KycSubmission.status == "approved",
        )
        .order_by(KycSubmission.id.desc())
        .limit(1)
    )


def _check_level(db: Session, *, user: User, level: str) -> None:
    if level not in LEVEL_DOCUMENTS:
        raise ValidationFailed("Choose a verification level.", field="level")
    if KYC_LEVELS.index(user.kyc_level) >= KYC_LEVELS.index(level):
        raise Conflict("You are already verified at this level.", field="level")
    if level == "advanced" and user.kyc_level != "basic":
        raise ValidationFailed("Complete basic verification first.", field="level")
    pending = select(KycSubmission.id).where(
        KycSubmission.user_id == user.id, KycSubmission.status == "pending"
    )
    if db.scalar(pending) is not None:
        raise Conflict("Your previous submission is still being reviewed.")


def _identity_fields(real_name: str, id_type: str, id_number: str) -> tuple[str, str, str]:
    name = " ".join(real_name.split())
    if not 2 <= len(name) <= 100:
        raise ValidationFailed("Enter your full name as on your ID document.", field="real_name")
    if id_type not in ID_TYPES:
        raise ValidationFailed("Choose a document type.", field="id_type")
    number = re.sub(r"\s", "", id_number).upper()
    if not valid_id_number(id_type, number):
        raise ValidationFailed(
            "This ID number is not valid. Check it and try again.", field="id_number"
        )
    return name, id_type, number


def submit(
    db: Session,
    *,
    settings: Settings,
    user: User,
    level: str,
    real_name: str = "",
    id_type: str = "",
    id_number: str = "",
    photos: dict[str, bytes],
    ip: str,
) -> KycSubmission:
    """A submission waiting for review; the photos are checked and stored first."""
    _check_level(db, user=user, level=level)
    basic = _approved_basic(db, user_id=user.id) if level == "advanced" else None
    if basic is not None:  # advanced adds a photo to what staff already verified
        name, kind, number = basic.real_name, basic.id_type, basic.id_number
    else:
        name, kind, number = _identity_fields(real_name, id_type, id_number)
    checked = {
        doc: kyc_files.checked_image(
            photos.get(doc, b""), field=doc, max_bytes=settings.upload_max_bytes
        )
        for doc in LEVEL_DOCUMENTS[level]
    }
    submission = KycSubmission(
        user_id=user.id, level=level, real_name=name, id_type=kind, id_number=number
    )
    db.add(submission)
    db.flush()
    for doc, (data, mime) in checked.items():
        db.add(
            KycDocument(
                submission_id=submission.id,
                kind=doc,
                stored_name=kyc_files.store(db, settings=settings, data=data, mime=mime),
                content_type=mime,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
    db.flush()
    db.refresh(submission)
    events.record_event(db, user_id=user.id, kind="kyc_submitted", ip=ip, details={"level": level})
    return submission


def review_queue(db: Session, *, staff: User, status: str = "pending") -> list[KycSubmission]:
    """Submissions for staff (agent and up), oldest waiting first."""
    require(staff, "agent")
    query = select(KycSubmission).where(KycSubmission.status == status)
    order = KycSubmission.submitted_at.asc() if status == "pending" else KycSubmission.id.desc()
    return list(db.scalars(query.order_by(order).limit(200)))


def submission_for_staff(db: Session, *, staff: User, submission_id: int) -> KycSubmission:
    require(staff, "agent")
    submission = db.get(KycSubmission, submission_id)
    if submission is None:
        raise NotFound()
    return submission


def document_for_staff(
    db: Session, *, settings: Settings, staff: User, submission_id: int, document_id: int
) -> tuple[KycDocument, bytes]:
    submission = submission_for_staff(db, staff=staff, submission_id=submission_id)
    document = next((d for d in submission.documents if d.id == document_id), None)
    if document is None:
        raise NotFound()
    try:
        return document, kyc_files.path_of(settings, document.stored_name).read_bytes()
    except (OSError, ValueError) as exc:
        raise NotFound("The file is missing.") from exc


def decide(
    db: Session,
    *,
    staff: User,
    submission_id: int,
    approve: bool,
    reason: str,
    ip: str,
) -> KycSubmission:
    """Approve (the customer's level rises) or reject with a reason the customer sees."""
    submission = submission_for_staff(db, staff=staff, submission_id=submission_id)
    if submission.status != "pending":
        raise Conflict("This submission was already reviewed.")
    reason = reason.strip()[:500]
    if not approve and not reason:
        raise ValidationFailed("Say why, so the customer can fix it.", field="reason")
    customer = db.get(User, submission.user_id)
    if customer is None:
        raise NotFound()
    submission.status = "approved" if approve else "rejected"
    submission.reason = reason
    submission.reviewed_at = utcnow()
    submission.reviewer_id = staff.id
    if approve:
        customer.kyc_level = submission.level
        events.raise_alert(db, user_id=customer.id, kind="kyc_approved", level=submission.level)
    else:
        events.raise_alert(db, user_id=customer.id, kind="kyc_rejected", reason=reason)
    audit.record(
        db,
        actor_id=staff.id,
        action="kyc.approve" if approve else "kyc.reject",
        subject_type="kyc_submission",
        subject_id=submission.id,
        details={"customer_id": customer.id, "level": submission.level, "reason": reason},
        ip=ip,
    )
    db.flush()
    return submission
