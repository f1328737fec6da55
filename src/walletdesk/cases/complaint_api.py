"""JSON endpoints of the case types and of the complaint and appeal paths: the types' definition,
filing a complaint or an appeal, a case's committed deadline, and each step of the paths.
Thin: parse, call complaints/appeals, shape. Listed before cases.api in app.ROUTER_MODULES
(/api/v1/cases/types must not be read as a case id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from walletdesk.cases import appeals, commitments, complaints, service, types
from walletdesk.cases.models import Case
from walletdesk.db import utcnow
from walletdesk.errors import ValidationFailed
from walletdesk.identity import service as identity
from walletdesk.money import parse_amount
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(prefix="/api/v1", tags=["complaints"])
Remedy = Literal["refund", "compensation", "apology", "service_change"]


class TransitionOut(BaseModel):
    source: str
    target: str
    by: list[str] = Field(description="customer | agent | supervisor | system")


class CaseTypeOut(BaseModel):
    key: str
    label: str
    summary: str
    states: list[str]
    labels: dict[str, str]
    customer_labels: dict[str, str]
    transitions: list[TransitionOut]
    deadline_kind: str | None = Field(description="The jurisdiction rule kind of its clock")


class CommitmentOut(BaseModel):
    rule: str
    jurisdiction: str
    received_at: datetime
    due_at: datetime
    seconds_left: int = Field(description="Negative once overdue")
    extension: str | None
    acknowledged_at: datetime | None
    responded_at: datetime | None


class PathOut(BaseModel):
    id: int
    number: str
    type: str
    status: str
    remedies: list[str]
    commitment: CommitmentOut | None
    decisions: list[dict[str, Any]]


class ComplaintCreate(BaseModel):
    subject: str = Field(max_length=500)
    description: str = Field(max_length=20_000)
    remedies: list[Remedy] = Field(min_length=1)
    customer_phone: str | None = Field(
        default=None, description="Staff only: the customer whose phone complaint this records"
    )


class AppealCreate(BaseModel):
    transaction: str = Field(max_length=32, description="The public id of one of your transactions")
    description: str = Field(max_length=20_000)


class MakeComplaint(BaseModel):
    remedies: list[Remedy] = Field(min_length=1)
    reason: str = Field(max_length=20_000)


class HoldingReply(BaseModel):
    extension: str = Field(max_length=32, description="One of the rule's extensions")
    reason: str = Field(max_length=5_000)


class FinalResponse(BaseModel):
    body: str = Field(max_length=20_000)


class Note(BaseModel):
    note: str = Field(default="", max_length=5_000)


class Decision(BaseModel):
    outcome: Literal["upheld", "rejected"]
    reason: str = Field(max_length=5_000)
    remedy: Literal["refund", "fee_refund", "none"] = "none"
    amount: str | None = Field(default=None, description="Empty: the whole amount or fee")


class Contest(BaseModel):
    reason: str = Field(max_length=5_000)


@router.get("/cases/types", response_model=list[CaseTypeOut])
def list_types(ctx: Context) -> list[CaseTypeOut]:
    """Every case type with its path, in the caller's language."""
    _ = ctx._
    return [
        CaseTypeOut(
            key=t.key,
            label=_(t.label),
            summary=_(t.summary),
            states=list(t.states),
            labels={k: _(v) for k, v in t.labels.items()},
            customer_labels={k: _(v) for k, v in t.customer_labels.items()},
            transitions=[
                TransitionOut(source=s.source, target=s.target, by=sorted(s.by))
                for s in t.transitions
            ],
            deadline_kind=t.deadline_kind,
        )
        for t in types.CASE_TYPES.values()
    ]


def _path(ctx: Ctx, case: Case) -> PathOut:
    commitment = commitments.get_commitment(ctx.db, case_id=case.id)
    shown = None
    if commitment is not None:
        shown = CommitmentOut(
            rule=commitment.rule,
            jurisdiction=commitment.jurisdiction,
            received_at=commitment.received_at,
            due_at=commitment.due_at,
            seconds_left=int((commitment.due_at - utcnow()).total_seconds()),
            extension=commitment.extension,
            acknowledged_at=commitment.acknowledged_at,
            responded_at=commitment.responded_at,
        )
    return PathOut(
        id=case.id,
        number=case.number,
        type=case.type,
        status=case.status,
        remedies=complaints.remedies_of(case),
        commitment=shown,
        decisions=appeals.decisions_of(case),
    )


def _case(ctx: Ctx, case_id: int) -> Case:
    return service.get_readable_case(ctx.db, user=ctx.require(), case_id=case_id)


@router.post("/complaints", response_model=PathOut, status_code=201)
def file_complaint(body: ComplaintCreate, ctx: Context) -> PathOut:
    """A complaint of the signed-in customer, or (staff, with customer_phone) one received by
    phone. It is acknowledged in writing with its deadline right after it is kept."""
    user = ctx.require()
    recorded_by = None
    customer = user
    if user.is_staff:
        recorded_by = user
        found = identity.find_by_login(ctx.db, body.customer_phone or "")
        if found is None or found.role != "customer":
            raise ValidationFailed("No customer has this phone number.", field="customer_phone")
        customer = found
    case = complaints.file_complaint(
        ctx.db,
        customer=customer,
        subject=body.subject,
        description=body.description,
        remedies=list(body.remedies),
        settings=ctx.settings,
        recorded_by=recorded_by,
        ip=ctx.ip,
    )
    return _path(ctx, case)


@router.post("/appeals", response_model=PathOut, status_code=201)
def file_appeal(body: AppealCreate, ctx: Context) -> PathOut:
    """An appeal about one of the signed-in customer's transactions; add evidence with
    /api/v1/cases/{id}/attachments."""
    case = appeals.file_appeal(
        ctx.db,
        customer=ctx.require("customer"),
        transaction=body.transaction,
        description=body.description,
        settings=ctx.settings,
        ip=ctx.ip,
    )
    return _path(ctx, case)


@router.get("/cases/{case_id}/path", response_model=PathOut)
def read_path(case_id: Id, ctx: Context) -> PathOut:
    """The case's type, state, committed deadline (if its type has one) and decisions."""
    return _path(ctx, _case(ctx, case_id))


@router.post("/cases/{case_id}/complaint", response_model=PathOut)
def make_complaint(case_id: Id, body: MakeComplaint, ctx: Context) -> PathOut:
    case = _case(ctx, case_id)
    complaints.make_complaint(
        ctx.db,
        case=case,
        customer=ctx.require("customer"),
        remedies=list(body.remedies),
        reason=body.reason,
        settings=ctx.settings,
        ip=ctx.ip,
    )
    return _path(ctx, case)


@router.post("/cases/{case_id}/holding-reply", response_model=PathOut)
def holding_reply(case_id: Id, body: HoldingReply, ctx: Context) -> PathOut:
    case = _case(ctx, case_id)
    complaints.send_holding_reply(
        ctx.db,
        case=case,
        staff=ctx.require("agent"),
        extension=body.extension,
        reason=body.reason,
        settings=ctx.settings,
        ip=ctx.ip,
    )
    return _path(ctx, case)


@router.post("/cases/{case_id}/final-response", response_model=PathOut)
def final_response(case_id: Id, body: FinalResponse, ctx: Context) -> PathOut:
    case = _case(ctx, case_id)
    complaints.send_final_response(
        ctx.db,
        case=case,
        staff=ctx.require("agent"),
        body=body.body,
        settings=ctx.settings,
        ip=ctx.ip,
    )
    return _path(ctx, case)


@router.post("/cases/{case_id}/accept", response_model=PathOut)
def accept(case_id: Id, ctx: Context) -> PathOut:
    case = _case(ctx, case_id)
    complaints.accept_response(ctx.db, case=case, customer=ctx.require("customer"), ip=ctx.ip)
    return _path(ctx, case)


@router.post("/cases/{case_id}/escalate", response_model=PathOut)
def escalate(case_id: Id, body: Note, ctx: Context) -> PathOut:
    case = _case(ctx, case_id)
    complaints.escalate(
        ctx.db,
        case=case,
        customer=ctx.require("customer"),
        note=body.note,
        settings=ctx.settings,
        ip=ctx.ip,
    )
    return _path(ctx, case)


@router.post("/cases/{case_id}/appeal-decision", response_model=PathOut)
def decide(case_id: Id, body: Decision, ctx: Context) -> PathOut:
    case = _case(ctx, case_id)
    amount = parse_amount(body.amount, case.currency or "CNY") if body.amount else None
    appeals.decide(
        ctx.db,
        case=case,
        staff=ctx.require("agent"),
        outcome=body.outcome,
        reason=body.reason,
        remedy=body.remedy,
        amount_minor=amount,
        settings=ctx.settings,
        ip=ctx.ip,
    )
    return _path(ctx, case)


@router.post("/cases/{case_id}/contest", response_model=PathOut)
def contest(case_id: Id, body: Contest, ctx: Context) -> PathOut:
    case = _case(ctx, case_id)
    appeals.contest(
        ctx.db,
        case=case,
        customer=ctx.require("customer"),
        reason=body.reason,
        settings=ctx.settings,
        ip=ctx.ip,
    )
    return _path(ctx, case)
