"""The complaint path: filed by the customer (or recorded by an agent from a phone call, or
turned from an unresolved case), acknowledged in writing with the committed deadline, a holding
reply that extends it within the rule's limits, the final written response with the customer's
escalation rights, and the customer accepting it or escalating.

Keyword-only, never commits. The acknowledgement is a queued job (complaint_jobs) written in
the caller's transaction: it leaves only once the complaint is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from walletdesk.cases import commitments, events, types
from walletdesk.cases import service as cases
from walletdesk.cases.attachments import Upload
from walletdesk.cases.lines import line
from walletdesk.cases.models import Case, CaseCommitment
from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, Forbidden, ValidationFailed
from walletdesk.i18n import N_
from walletdesk.identity import service as identity
from walletdesk.identity.models import User

# What the customer asks for; the labels are message ids.
REMEDIES = {
    "refund": N_("A refund"),
    "compensation": N_("Compensation"),
    "apology": N_("An apology"),
    "service_change": N_("A change to the service"),
}
ACKNOWLEDGED = N_(
    "We have received your complaint {number} and are looking into it. You will have our "
    "final response in writing by {due} ({rule})."
)
ACKNOWLEDGED_APPEAL = N_(
    "We have received your appeal {number} and will review it. You will have our decision in "
    "writing by {due} ({rule})."
)
HOLDING = N_(
    "We need more time for a full answer. Why: {reason} Our final response will reach you by {due}."
)
RIGHTS = N_(
    "This is our final response. If you are not satisfied with it, you may take your "
    "complaint to: {bodies}"
)
ESCALATED = N_(
    "You told us you are taking your complaint further. You may contact: {bodies}. Please "
    "give them the case number {number}."
)


def check_remedies(chosen: Sequence[str]) -> list[str]:
    picked = [r for r in REMEDIES if r in set(chosen)]
    if not picked:
        raise ValidationFailed("Tell us what you would like us to do.", field="remedies")
    return picked


def file_complaint(
    db: Session,
    *,
    customer: User,
    subject: str,
    description: str,
    remedies: Sequence[str],
    files: Sequence[Upload] = (),
    settings: Settings,
    recorded_by: User | None = None,
    ip: str = "",
) -> Case:
    """A complaint of `customer`; `recorded_by` is the agent who took it on the phone."""
    if recorded_by is not None and not recorded_by.is_staff:
        raise Forbidden()
    picked = check_remedies(remedies)
    case = cases.open_case(
        db,
        customer=customer,
        category="complaint",
        subject=subject,
        description=description,
        fields={"registered_phone": customer.phone or ""},
        files=files,
        settings=settings,
        channel="phone" if recorded_by is not None else "portal",
        force=True,
        case_type="complaint",
        ip=ip,
    )
    case.details = {**case.details, "remedies": picked}
    if recorded_by is not None:
        data = {"text": N_("{actor} recorded a complaint the customer made by phone")}
        events.record(db, case=case, actor=recorded_by, type="action", data=data, ip=ip)
    commit_and_acknowledge(db, case=case, customer=customer, settings=settings)
    return case


def make_complaint(
    db: Session,
    *,
    case: Case,
    customer: User,
    remedies: Sequence[str],
    reason: str,
    settings: Settings,
    ip: str = "",
) -> Case:
    """An unresolved case of the customer's becomes a complaint: from now on the legal clock
    runs (received now) and it follows the complaint path."""
    if case.customer_id != customer.id:
        raise Forbidden()
    if case.type != "inquiry" or case.status == "closed":
        raise Conflict("Only an open case can be made a complaint.", code="not_convertible")
    picked = check_remedies(remedies)
    why = reason.strip()
    if not why:
        raise ValidationFailed("Tell us what you are unhappy about.", field="reason")
    cases.post_reply(db, case=case, author=customer, body=why, settings=settings, ip=ip)
    data = {"from": case.type, "to": "complaint", "status_from": case.status}
    case.type, case.status = "complaint", "received"
    case.details = {**case.details, "remedies": picked}
    events.record(db, case=case, actor=customer, type="type", data=data, ip=ip)
    commit_and_acknowledge(db, case=case, customer=customer, settings=settings)
    return case


def commit_and_acknowledge(db: Session, *, case: Case, customer: User, settings: Settings) -> None:
    from walletdesk.cases.complaint_jobs import acknowledge_task  # the jobs import this module

    commitments.commit(db, case=case, customer=customer, received_at=utcnow(), settings=settings)
    acknowledge_task.enqueue(db, key=f"case-acknowledgement:{case.id}", case_id=case.id)
    db.flush()


def acknowledge(db: Session, *, case_id: int, settings: Settings) -> bool:
    """The written acknowledgement with the case number and the committed deadline, in the
    customer's language; sent once (a job that runs again finds it sent)."""
    case = db.get(Case, case_id, with_for_update=True)
    commitment = commitments.get_commitment(db, case_id=case_id)
    if case is None or commitment is None or commitment.acknowledged_at is not None:
        return False
    rule = commitments.rule_of(commitment, settings)
    text = ACKNOWLEDGED if case.type == "complaint" else ACKNOWLEDGED_APPEAL
    params = {
        "number": case.number,
        "due": commitments.due_text(commitment, settings),
        "rule": commitments.text(rule.title, commitment.lang),
    }
    cases.post_system_line(db, case=case, line=line(text, (), **params))
    commitment.acknowledged_at = utcnow()
    if case.type == "complaint" and case.status == "received":
        cases.step_case(db, case=case, actor=None, status="acknowledged", reason="acknowledged")
    db.flush()
    return True


def _complaint_commitment(db: Session, case: Case) -> CaseCommitment:
    commitment = commitments.get_commitment(db, case_id=case.id)
    if case.type != "complaint" or commitment is None:
        raise Conflict("This case is not a complaint.", code="not_a_complaint")
    return commitment


def send_holding_reply(
    db: Session,
    *,
    case: Case,
    staff: User,
    extension: str,
    reason: str,
    settings: Settings,
    ip: str = "",
) -> CaseCommitment:
    """Tell the customer why the answer takes longer and the new date (one of the rule's
    extensions); the case is under investigation from then on."""
    _require_staff(staff)
    commitment = _complaint_commitment(db, case)
    why = reason.strip()
    if not why:
        raise ValidationFailed("Give the reason for the delay.", field="reason")
    if case.status not in ("received", "acknowledged", "investigating"):
        raise Conflict("The final response has already been sent.", code="already_responded")
    old_due = commitment.due_at
    commitments.extend(db, commitment=commitment, extension=extension, settings=settings)
    due = commitments.due_text(commitment, settings)
    cases.post_system_line(db, case=case, line=line(HOLDING, reason=why, due=due))
    data = {
        "text": N_("{actor} sent a holding reply: due {due} ({extension})"),
        "params": {"due": due, "extension": extension, "reason": why},
        "from": old_due.isoformat(),
    }
    events.record(db, case=case, actor=staff, type="action", data=data, ip=ip)
    if case.status == "acknowledged":
        cases.step_case(db, case=case, actor=staff, status="investigating", ip=ip)
    return commitment


def send_final_response(
    db: Session, *, case: Case, staff: User, body: str, settings: Settings, ip: str = ""
) -> CaseCommitment:
    """The final written response: the agent's words, then the customer's escalation rights
    (the regulator and consumer bodies from the rules file) in the customer's language."""
    _require_staff(staff)
    commitment = _complaint_commitment(db, case)
    if case.status == "received":  # the acknowledgement job has not run yet: it is sent first
        acknowledge(db, case_id=case.id, settings=settings)
    types.get_type(case.type).check(case.status, "responded", "agent")
    cases.post_reply(db, case=case, author=staff, body=body, settings=settings, ip=ip)
    bodies = commitments.escalation_text(commitment, settings, commitment.lang)
    cases.post_system_line(db, case=case, line=line(RIGHTS, bodies=bodies))
    commitment.responded_at = utcnow()
    cases.step_case(db, case=case, actor=staff, status="responded", reason="final_response", ip=ip)
    return commitment


def accept_response(db: Session, *, case: Case, customer: User, ip: str = "") -> None:
    _require_owner(case, customer)
    _complaint_commitment(db, case)
    cases.step_case(db, case=case, actor=customer, status="accepted", ip=ip)


def escalate(
    db: Session, *, case: Case, customer: User, note: str, settings: Settings, ip: str = ""
) -> None:
    """The customer takes the complaint further: they are given the bodies again, and staff
    see their words."""
    _require_owner(case, customer)
    commitment = _complaint_commitment(db, case)
    cases.step_case(db, case=case, actor=customer, status="escalated", ip=ip)
    if note.strip():
        cases.post_reply(db, case=case, author=customer, body=note, settings=settings, ip=ip)
    bodies = commitments.escalation_text(commitment, settings, commitment.lang)
    cases.post_system_line(db, case=case, line=line(ESCALATED, bodies=bodies, number=case.number))


def remind(db: Session, *, case_id: int, settings: Settings) -> bool:
    """A line for staff on the timeline: the answer is due soon (once per due date)."""
    commitment = commitments.get_commitment(db, case_id=case_id)
    case = db.get(Case, case_id)
    if case is None or commitment is None or not commitments.needs_reminder(commitment, utcnow()):
        return False
    data = {
        "text": N_("Reminder: the written answer to this case is due {due}"),
        "params": {"due": commitments.due_text(commitment, settings)},
    }
    events.record(db, case=case, actor=None, type="action", data=data, ip="")
    commitment.reminded_at = utcnow()
    db.flush()
    return True


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden()


def _require_owner(case: Case, customer: User) -> None:
    if case.customer_id != customer.id:
        raise Forbidden()


def remedies_of(case: Case) -> list[str]:
    chosen = case.details.get("remedies") if isinstance(case.details, Mapping) else None
    return [r for r in chosen or [] if r in REMEDIES]


def customer_of(db: Session, case: Case) -> User:
    return identity.get_user(db, user_id=case.customer_id)
