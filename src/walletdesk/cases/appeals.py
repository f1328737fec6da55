"""The transaction appeal path: the customer picks one of their own transactions, says what
went wrong and adds evidence; staff review it and decide with a reason; money to put right goes
through the wallet's approved actions (one asks, a second approves; the case is the
reference); the customer is told the outcome and why, and may contest it once.

Keyword-only, never commits. The acknowledgement with the deadline is the complaints' job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.cases import commitments, complaints, events, types
from walletdesk.cases import service as cases
from walletdesk.cases.attachments import Upload
from walletdesk.cases.lines import line
from walletdesk.cases.models import Case
from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, Forbidden, ValidationFailed
from walletdesk.i18n import N_, Translator
from walletdesk.identity.models import User
from walletdesk.money import format_minor
from walletdesk.wallet import adjustments, history
from walletdesk.wallet.transactions import WalletTransaction

OUTCOMES = {"upheld": N_("Upheld"), "rejected": N_("Not upheld")}
# How an upheld appeal is put right: the wallet action asked for (approved by a second person).
REMEDIES = {
    "refund": N_("Credit the amount back (compensation account)"),
    "fee_refund": N_("Refund the fee of the transaction"),
    "none": N_("No money to move (corrected otherwise, or explained)"),
}
# The case category an appealed transaction belongs to (others: "transaction").
CATEGORY_OF_KIND = {
    "deposit": "deposit_withdrawal",
    "withdrawal": "deposit_withdrawal",
    "fee": "fees",
}
SUBJECT = N_("Appeal about {kind} {id}")
DECIDED = N_("Our decision on your appeal: {outcome}. Why: {reason}")
MONEY_ASKED = N_(
    "We asked for {amount} to be put back in your wallet. A second member of staff approves "
    "it; you will see it here and in your history."
)
MAY_CONTEST = N_("If you disagree, you can contest this decision once, on this page.")


def appealable(db: Session, *, customer: User, limit: int = 50) -> list[WalletTransaction]:
    """The customer's own recent transactions, newest first: what the form lets them pick."""
    found = history.list_transactions(
        db, user_id=customer.id, filters=history.Filters(), per_page=limit
    )
    return found.items


def file_appeal(
    db: Session,
    *,
    customer: User,
    transaction: str,
    description: str,
    files: Sequence[Upload] = (),
    settings: Settings,
    ip: str = "",
) -> Case:
    """An appeal about one of the customer's own transactions (another's is not found)."""
    tx = history.get_transaction(db, user_id=customer.id, public_id=transaction.strip())
    earlier = open_appeal_about(db, customer=customer, public_id=tx.public_id)
    if earlier is not None:
        raise Conflict(
            "You already have an open appeal about this transaction: {number}.",
            field="transaction",
            code="duplicate_appeal",
            number=earlier.number,
        )
    _ = Translator(customer.lang)
    when = tx.created_at.astimezone(ZoneInfo(settings.timezone))
    kind = history.kind_label(tx.kind, _)
    case = cases.open_case(
        db,
        customer=customer,
        category=CATEGORY_OF_KIND.get(tx.kind, "transaction"),
        subject=_(SUBJECT, kind=kind, id=tx.public_id),
        description=description,
        fields={
            "transaction_id": tx.public_id,
            "occurred_at": f"{when:%Y-%m-%dT%H:%M}",
            "amount": format_minor(tx.amount_minor, tx.currency),
            "currency": tx.currency,
        },
        files=files,
        settings=settings,
        force=True,
        case_type="transaction_appeal",
        ip=ip,
    )
    complaints.commit_and_acknowledge(db, case=case, customer=customer, settings=settings)
    return case


def open_appeal_about(db: Session, *, customer: User, public_id: str) -> Case | None:
    found = db.scalars(
        select(Case).where(
            Case.customer_id == customer.id,
            Case.type == "transaction_appeal",
            Case.status != "closed",
        )
    )
    return next((c for c in found if c.details.get("transaction_id") == public_id), None)


def start_review(db: Session, *, case: Case, staff: User, ip: str = "") -> None:
    _check_appeal(case)
    _require_staff(staff)
    cases.step_case(db, case=case, actor=staff, status="under_review", ip=ip)


def decide(
    db: Session,
    *,
    case: Case,
    staff: User,
    outcome: str,
    reason: str,
    remedy: str = "none",
    amount_minor: int | None = None,
    settings: Settings,
    ip: str = "",
) -> dict[str, Any]:
    """The decision with its reason, told to the customer; an upheld appeal's money is asked
    for through the wallet's approvals with this case as reference."""
    _check_appeal(case)
    _require_staff(staff)
    if outcome not in OUTCOMES:
        raise ValidationFailed("Choose the outcome.", field="outcome")
    if remedy not in REMEDIES or (outcome == "rejected" and remedy != "none"):
        raise ValidationFailed("Choose how to put it right.", field="remedy")
    why = reason.strip()
    if not why:
        raise ValidationFailed("Give the reason for the decision.", field="reason")
    if case.status == "received":
        start_review(db, case=case, staff=staff, ip=ip)
    types.get_type(case.type).check(case.status, "decided", types.actor_of(staff.role))
    tx = history.get_transaction(
        db, user_id=case.customer_id, public_id=str(case.details.get("transaction_id") or "")
    )
    decision: dict[str, Any] = {
        "outcome": outcome,
        "reason": why[:1000],
        "remedy": remedy,
        "by": staff.id,
        "at": utcnow().isoformat(),
    }
    if remedy != "none":
        decision.update(
            _ask_for_money(
                db,
                case=case,
                staff=staff,
                tx=tx,
                remedy=remedy,
                amount_minor=amount_minor,
                reason=why,
                ip=ip,
            )
        )
    case.details = {**case.details, "decisions": [*decisions_of(case), decision]}
    told = [line(DECIDED, ("outcome",), outcome=OUTCOMES[outcome], reason=why)]
    if "amount_minor" in decision:
        amount = f"{format_minor(decision['amount_minor'], tx.currency)} {tx.currency}"
        told.append(line(MONEY_ASKED, amount=amount))
    if not case.details.get("contested_at"):
        told.append(line(MAY_CONTEST))
    for item in told:
        cases.post_system_line(db, case=case, line=item)
    commitment = commitments.get_commitment(db, case_id=case.id)
    if commitment is not None and commitment.responded_at is None:
        commitment.responded_at = utcnow()
    cases.step_case(db, case=case, actor=staff, status="decided", reason=outcome, ip=ip)
    return decision


def _ask_for_money(
    db: Session,
    *,
    case: Case,
    staff: User,
    tx: WalletTransaction,
    remedy: str,
    amount_minor: int | None,
    reason: str,
    ip: str,
) -> dict[str, Any]:
    if remedy == "fee_refund":
        amount = amount_minor or adjustments.refundable_fee(db, tx=tx)
        approval = adjustments.request_fee_refund(
            db,
            staff=staff,
            customer_id=case.customer_id,
            public_id=tx.public_id,
            amount_minor=amount,
            reason=reason,
            case_id=case.id,
            ip=ip,
        )
    else:
        amount = amount_minor or tx.amount_minor
        if amount > tx.amount_minor:
            raise ValidationFailed(
                "The amount cannot be more than the transaction's: {amount}.",
                field="amount",
                amount=f"{format_minor(tx.amount_minor, tx.currency)} {tx.currency}",
            )
        approval = adjustments.request_compensation(
            db,
            staff=staff,
            customer_id=case.customer_id,
            amount_minor=amount,
            currency=tx.currency,
            reason=reason,
            case_id=case.id,
            ip=ip,
        )
    return {"amount_minor": amount, "currency": tx.currency, "approval_id": approval.id}


def contest(
    db: Session, *, case: Case, customer: User, reason: str, settings: Settings, ip: str = ""
) -> None:
    """The customer disagrees with the decision (once): a supervisor decides again."""
    _check_appeal(case)
    if case.customer_id != customer.id:
        raise Forbidden()
    if case.details.get("contested_at"):
        raise Conflict("You have already contested this decision once.", code="contested_once")
    if not reason.strip():
        raise ValidationFailed("Tell us why you disagree.", field="reason")
    cases.step_case(db, case=case, actor=customer, status="contested", ip=ip)
    cases.post_reply(db, case=case, author=customer, body=reason, settings=settings, ip=ip)
    case.details = {**case.details, "contested_at": utcnow().isoformat()}
    data = {"text": N_("{actor} contested the decision: a supervisor decides again")}
    events.record(db, case=case, actor=customer, type="action", data=data, ip=ip)


def decisions_of(case: Case) -> list[dict[str, Any]]:
    found = case.details.get("decisions") if isinstance(case.details, dict) else None
    return list(found or [])


def _check_appeal(case: Case) -> None:
    if case.type != "transaction_appeal":
        raise Conflict("This case is not a transaction appeal.", code="not_an_appeal")


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden()
