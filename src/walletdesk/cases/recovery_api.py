"""JSON endpoints of account recovery and feedback, for the wallet app: report an account
(a stolen one's outgoing money is frozen at once), read the recovery's state, send feedback
with its topics, and count feedback by topic. Thin: parse, call the service, shape.
Listed before cases.api in app.ROUTER_MODULES (/api/v1/cases/recovery is not a case id).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from pydantic import BaseModel, Field

from walletdesk.cases import feedback, recovery, service
from walletdesk.cases.models import Case
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(prefix="/api/v1/cases", tags=["recovery", "feedback"])


class RecoveryIn(BaseModel):
    reason: Literal["locked", "frozen", "stolen"]
    description: str = Field("", max_length=5000)


class RecoveryOut(BaseModel):
    case_id: int
    number: str
    status: str
    reason: str
    frozen_at_once: bool = Field(description="a stolen report froze outgoing money at once")
    phone_verified: bool
    named: int = Field(description="how many recent transactions the customer named")
    evidence: list[str] = Field(description="id_document | selfie, as uploaded")
    outcome: str | None = Field(None, description="unlock | unfreeze | freeze | decline")


@router.post("/recovery", response_model=RecoveryOut, status_code=201)
def report(body: RecoveryIn, ctx: Context) -> RecoveryOut:
    user = ctx.require("customer")
    case = recovery.report(
        ctx.db,
        settings=ctx.settings,
        customer=user,
        reason=body.reason,
        description=body.description,
        channel="api",
        ip=ctx.ip,
    )
    return _recovery_out(ctx, case)


@router.get("/recovery/{case_id}", response_model=RecoveryOut)
def read_recovery(case_id: Id, ctx: Context) -> RecoveryOut:
    user = ctx.require()
    case = service.get_readable_case(ctx.db, user=user, case_id=case_id)
    return _recovery_out(ctx, case)


def _recovery_out(ctx: Ctx, case: Case) -> RecoveryOut:
    request = recovery.request_of(ctx.db, case=case)
    return RecoveryOut(
        case_id=case.id,
        number=case.number,
        status=case.status,
        reason=request.reason,
        frozen_at_once=request.freeze_id is not None,
        phone_verified=request.phone_verified_at is not None,
        named=len(request.named or []),
        evidence=[e.kind for e in recovery.evidence_of(ctx.db, case=case)],
        outcome=request.outcome,
    )


class Topic(BaseModel):
    key: str
    label: str


class FeedbackIn(BaseModel):
    subject: str = Field("", max_length=200)
    body: str = Field(max_length=5000)
    tags: list[str] = Field(max_length=len(feedback.TAGS))


class FeedbackOut(BaseModel):
    case_id: int
    number: str
    status: str
    tags: list[str]


class TopicCount(BaseModel):
    tag: str
    label: str
    count: int


@router.get("/feedback/topics", response_model=list[Topic])
def topics(ctx: Context) -> list[Topic]:
    """The topics feedback is tagged with, labelled in the reader's language."""
    return [Topic(key=k, label=ctx._(label)) for k, label in feedback.TAGS.items()]


@router.post("/feedback", response_model=FeedbackOut, status_code=201)
def send(body: FeedbackIn, ctx: Context) -> FeedbackOut:
    user = ctx.require("customer")
    case = feedback.send_feedback(
        ctx.db, customer=user, subject=body.subject, body=body.body, tags=body.tags, ip=ctx.ip
    )
    return FeedbackOut(
        case_id=case.id,
        number=case.number,
        status=case.status,
        tags=feedback.tags_of(ctx.db, case=case),
    )


@router.get("/feedback/counts", response_model=list[TopicCount])
def counts(ctx: Context, since: date | None = None, until: date | None = None) -> list[TopicCount]:
    """Feedback counted by topic, opened from `since` to `until` (local days; the last 30
    days unless given). Staff only."""
    ctx.require("agent")
    end = until or datetime.now(ZoneInfo(ctx.settings.timezone)).date()
    start = since or end - timedelta(days=29)
    found = feedback.count_by_tag(ctx.db, since=start, until=end, tz=ctx.settings.timezone)
    return [TopicCount(tag=c.tag, label=ctx._(c.label), count=c.count) for c in found]
