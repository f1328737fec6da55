"""Feedback and suggestions: the customer sends them with tags chosen from a list, staff
answer (the customer reads the answer on the case) and may correct the tags, and a report
counts feedback by tag over a period.

Keyword-only functions that flush and never commit; every change is on the timeline.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from walletdesk.cases import events, types
from walletdesk.cases import service as cases
from walletdesk.cases.feedback_models import FeedbackTag
from walletdesk.cases.models import Case, CaseMessage
from walletdesk.cases.validation import clean_body
from walletdesk.config import Settings
from walletdesk.errors import Forbidden, NotFound, ValidationFailed
from walletdesk.i18n import N_
from walletdesk.identity.models import User

TYPE = "feedback"
CATEGORY = "feedback"
SUBJECT_MAX = 120
# Tag → label (English msgid; translated when shown), in the order forms list them.
TAGS = {
    "app": N_("The app"),
    "fees": N_("Fees"),
    "speed": N_("Speed"),
    "support": N_("Customer support"),
    "feature-request": N_("Feature request"),
    "other": N_("Something else"),
}


def clean_tags(tags: Collection[str]) -> list[str]:
    """The chosen tags in the list's order; at least one, each from the list."""
    chosen = {t.strip() for t in tags if t.strip()}
    if not chosen:
        raise ValidationFailed("Choose at least one topic.", field="tags")
    if chosen - set(TAGS):
        raise ValidationFailed("Choose topics from the list.", field="tags")
    return [t for t in TAGS if t in chosen]


def send_feedback(
    db: Session, *, customer: User, subject: str, body: str, tags: Collection[str], ip: str = ""
) -> Case:
    """A feedback case of the customer, with its tags."""
    if customer.role != "customer":
        raise Forbidden("Cases are opened by customers.")
    chosen = clean_tags(tags)
    text = clean_body(body)
    title = clean_body(subject, field="subject") if subject.strip() else text.split("\n")[0]
    if len(title) > SUBJECT_MAX:
        raise ValidationFailed("Use at most {n} characters.", field="subject", n=SUBJECT_MAX)
    case = Case(
        customer=customer,
        type=TYPE,
        status=types.get_type(TYPE).initial,
        category=CATEGORY,
        priority="low",
        channel="portal",
        subject=title,
        description=text,
        details={},
    )
    db.add(case)
    db.flush()
    db.add_all(FeedbackTag(case_id=case.id, tag=t) for t in chosen)
    data = {"type": TYPE, "tags": chosen}
    events.record(db, case=case, actor=customer, type="open", data=data, ip=ip)
    db.flush()
    return case


def tags_of(db: Session, *, case: Case) -> list[str]:
    found = set(db.scalars(select(FeedbackTag.tag).where(FeedbackTag.case_id == case.id)))
    return [t for t in TAGS if t in found]


def set_tags(db: Session, *, case: Case, staff: User, tags: Collection[str], ip: str = "") -> None:
    """Staff correct what the feedback is about: on the timeline, audited."""
    _check(case, staff)
    chosen = clean_tags(tags)
    before = tags_of(db, case=case)
    if chosen == before:
        return
    db.execute(delete(FeedbackTag).where(FeedbackTag.case_id == case.id))
    db.add_all(FeedbackTag(case_id=case.id, tag=t) for t in chosen)
    cases.record_action(
        db,
        case_id=case.id,
        actor=staff,
        text=N_("{actor} changed the topics from {old} to {new}"),
        params={"old": ", ".join(before), "new": ", ".join(chosen)},
        ip=ip,
    )
    db.flush()


def answer(
    db: Session, *, settings: Settings, case: Case, staff: User, body: str, ip: str = ""
) -> CaseMessage:
    """Staff's answer, which the customer reads on the case; feedback not yet answered is
    now answered."""
    _check(case, staff)
    message = cases.post_reply(db, case=case, author=staff, body=body, settings=settings, ip=ip)
    if case.status == "received":
        types.get_type(TYPE).check(case.status, "answered", types.actor_of(staff.role))
        data = {"from": case.status, "to": "answered", "reason": "answer"}
        case.status = "answered"
        events.record(db, case=case, actor=staff, type="status", data=data, ip=ip)
    db.flush()
    return message


def _check(case: Case, staff: User) -> None:
    if not staff.is_staff:
        raise Forbidden()
    if case.type != TYPE:
        raise NotFound("This case is not feedback.")


@dataclass(frozen=True)
class TagCount:
    tag: str
    label: str  # msgid
    count: int


def count_by_tag(db: Session, *, since: date, until: date, tz: str) -> list[TagCount]:
    """How many feedback cases named each tag, opened from `since` to `until` (local days,
    both included); every tag is listed, most named first."""
    if until < since:
        raise ValidationFailed("The end of the period is before its start.", field="until")
    zone = ZoneInfo(tz)
    start = datetime.combine(since, time.min, tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
    rows = db.execute(
        select(FeedbackTag.tag, func.count(FeedbackTag.case_id))
        .join(Case, Case.id == FeedbackTag.case_id)
        .where(Case.type == TYPE, Case.created_at >= start, Case.created_at < end)
        .group_by(FeedbackTag.tag)
    ).all()
    counts: dict[str, int] = {str(tag): int(n) for tag, n in rows}
    ordered = sorted(TAGS, key=lambda t: -counts.get(t, 0))
    return [TagCount(t, TAGS[t], counts.get(t, 0)) for t in ordered]


def seed_feedback_demo(
    db: Session, *, customer: User, agent: User | None, settings: Settings
) -> None:
    """The demo customer's feedback: a suggestion answered, and a note on fees just received.
    Idempotent: nothing happens once the customer has sent feedback."""
    found = select(Case.id).where(Case.customer_id == customer.id, Case.type == TYPE)
    if db.scalar(found.limit(1)) is not None:
        return
    answered = send_feedback(
        db,
        customer=customer,
        subject="希望可以收藏常用收款人",
        body="我每周都给同几个朋友转账，每次都要重新输入手机号，希望可以把他们设为常用收款人。",
        tags=["feature-request", "app"],
    )
    if agent is not None:
        body = "谢谢您的建议！常用收款人功能已列入下个版本的计划，上线后我们会在公告中通知。"
        answer(db, settings=settings, case=answered, staff=agent, body=body)
    send_feedback(
        db,
        customer=customer,
        subject="提现手续费说明不够清楚",
        body="提现前只看到到账金额，没有单独列出手续费，建议在确认页写清楚。",
        tags=["fees"],
    )
