"""Reading cases: who may see which case (in the query itself), the inbox with its filters,
search, pages and SLA time left, and a case's conversation, files and timeline with what they
show loaded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from walletdesk.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseMessage,
    parse_case_number,
)
from walletdesk.cases.sla.timeleft import DUE_SOON, NextDue, next_due_of
from walletdesk.cases.types import ACTIVE_STATES
from walletdesk.db import utcnow
from walletdesk.errors import NotFound
from walletdesk.identity.models import User

PER_PAGE = 20
ASSIGNEE_FILTERS = ("anyone", "me", "unassigned")
SORTS = ("updated", "due")  # last update first | time left: due soonest first
DUE_FILTERS = ("", "breached", "soon")  # any | past due | due within DUE_SOON
_PHONE_PUNCTUATION = re.compile(r"[\s\-+()]")


def readable_cases(db: Session, *, user: User | None) -> Select[Case]:
    """The cases `user` may see: staff see all, a customer only their own, nobody else any.

    Every read of cases starts here, so no page or endpoint can forget the owner check."""
    query = select(Case)
    if user is None or not user.is_active:
        return query.where(false())
    if user.is_staff:
        return query
    return query.where(Case.customer_id == user.id)


def get_readable_case(db: Session, *, user: User | None, case_id: int) -> Case:
    """The case with its customer and assignee, or NotFound — also when it exists but is
    someone else's, so a changed URL does not tell whether a case exists."""
    query = readable_cases(db, user=user).where(Case.id == case_id)
    case = db.scalar(query.options(joinedload(Case.customer), joinedload(Case.assignee)))
    if case is None:
        raise NotFound("This case does not exist or is not yours.", code="case_not_found")
    return case


@dataclass(frozen=True)
class CaseFilter:
    status: str = "all"  # a status, "active" (not resolved or closed), or "all"
    category: str = ""
    priority: str = ""
    assignee: str = "anyone"  # anyone | me | unassigned
    q: str = ""
    page: int = 1
    per_page: int = PER_PAGE
    sort: str = "updated"  # one of SORTS
    due: str = ""  # one of DUE_FILTERS


@dataclass(frozen=True)
class CasePage:
    items: list[Case]
    total: int
    page: int
    per_page: int
    # Per case of the page with open SLA clocks: the earliest due, and whether one is paused.
    clocks: Mapping[int, NextDue] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_cases(db: Session, *, user: User, filters: CaseFilter) -> CasePage:
    """One page of the cases `user` may read, newest update first or (sort "due") the one
    whose SLA clock is due soonest first, cases with no running clock last; customer and
    assignee are loaded in the same query, the page's clocks in one more."""
    query = _filtered(readable_cases(db, user=user), user=user, filters=filters)
    counted = query  # a LEFT JOIN that filters nothing changes no count: not joined for it
    order: list[ColumnElement[Any]] = [Case.updated_at.desc(), Case.id.desc()]
    if filters.sort == "due" or filters.due:
        query, due_at = _with_next_due(query, filters.due, now=utcnow())
        counted = query if filters.due else counted
        if filters.sort == "due":
            order = [due_at.asc().nulls_last(), Case.id.asc()]
    total = db.scalar(select(func.count()).select_from(counted.order_by(None).subquery())) or 0
    last = max(1, -(-total // filters.per_page))
    page = min(max(1, filters.page), last)  # past the end: the last page
    rows = list(
        db.scalars(
            query.options(joinedload(Case.customer), joinedload(Case.assignee))
            .order_by(*order)
            .offset((page - 1) * filters.per_page)
            .limit(filters.per_page)
        )
    )
    clocks = next_due_of(db, case_ids=[case.id for case in rows])
    return CasePage(rows, total, page, filters.per_page, clocks)


def _with_next_due(
    query: Select[Case], due: str, *, now: datetime
) -> tuple[Select[Case], ColumnElement[datetime | None]]:
    """The query with each case's earliest running SLA clock (kept on the case, indexed),
    filtered by time left."""
    due_at: ColumnElement[datetime | None] = Case.sla_due_at.expression
    if due == "breached":
        query = query.where(due_at <= now)
    elif due == "soon":
        query = query.where(due_at > now, due_at <= now + DUE_SOON)
    return query, due_at


def unanswered_counts(db: Session, *, case_ids: list[int]) -> dict[int, int]:
    """case id → how many customer messages came since staff last wrote on it (a reply or a
    note): the queue's unread count. One query for the whole page of cases."""
    if not case_ids:
        return {}
    staff = select(User.id).where(User.role != "customer")
    last_staff = (
        select(CaseMessage.case_id, func.max(CaseMessage.id).label("last_id"))
        .where(CaseMessage.case_id.in_(case_ids), CaseMessage.author_id.in_(staff))
        .group_by(CaseMessage.case_id)
        .subquery()
    )
    rows = db.execute(
        select(CaseMessage.case_id, func.count())
        .join(Case, Case.id == CaseMessage.case_id)
        .outerjoin(last_staff, last_staff.c.case_id == CaseMessage.case_id)
        .where(
            CaseMessage.case_id.in_(case_ids),
            CaseMessage.author_id == Case.customer_id,
            or_(last_staff.c.last_id.is_(None), CaseMessage.id > last_staff.c.last_id),
        )
        .group_by(CaseMessage.case_id)
    )
    return {case_id: int(count) for case_id, count in rows}


def _filtered(query: Select[Case], *, user: User, filters: CaseFilter) -> Select[Case]:
    if filters.status == "active":
        query = query.where(Case.status.in_(ACTIVE_STATES))
    elif filters.status and filters.status != "all":
        query = query.where(Case.status == filters.status)
    if filters.category:
        query = query.where(Case.category == filters.category)
    if filters.priority:
        query = query.where(Case.priority == filters.priority)
    if filters.assignee == "me":
        query = query.where(Case.assignee_id == user.id)
    elif filters.assignee == "unassigned":
        query = query.where(Case.assignee_id.is_(None))
    if filters.q.strip():
        query = _searched(query, filters.q.strip())
    return query


def _searched(query: Select[Case], text: str) -> Select[Case]:
    """Subject and description contain the text, or it is the case number, or (four or more
    digits) part of the customer's phone number."""
    text = text[:100]
    matches = [Case.subject.icontains(text, autoescape=True)]
    matches.append(Case.description.icontains(text, autoescape=True))
    number = parse_case_number(text)
    if number is not None:
        matches.append(Case.id == number)
    digits = _PHONE_PUNCTUATION.sub("", text)
    if len(digits) >= 4 and digits.isdigit():
        phones = select(User.id).where(User.phone.contains(digits, autoescape=True))
        matches.append(Case.customer_id.in_(phones))
    return query.where(or_(*matches))


def conversation(db: Session, *, case: Case, user: User) -> list[CaseMessage]:
    """The messages `user` may read, oldest first, with authors and files: customers never
    get internal notes."""
    query = (
        select(CaseMessage)
        .where(CaseMessage.case_id == case.id)
        .options(joinedload(CaseMessage.author), selectinload(CaseMessage.attachments))
        .order_by(CaseMessage.created_at, CaseMessage.id)
    )
    if not user.is_staff:
        query = query.where(CaseMessage.internal.is_(False))
    return list(db.scalars(query))


def readable_attachments(db: Session, *, user: User | None) -> Select[CaseAttachment]:
    """Files of the cases `user` may read, minus files of internal notes for customers."""
    cases = readable_cases(db, user=user).with_only_columns(Case.id)
    query = select(CaseAttachment).where(CaseAttachment.case_id.in_(cases))
    if user is None or not user.is_staff:
        query = query.outerjoin(CaseMessage, CaseAttachment.message_id == CaseMessage.id).where(
            or_(CaseAttachment.message_id.is_(None), CaseMessage.internal.is_(False))
        )
    return query


def case_files(db: Session, *, case: Case, user: User) -> list[CaseAttachment]:
    """Files attached to the case itself (with the case or on their own), not to a message."""
    query = readable_attachments(db, user=user).where(
        CaseAttachment.case_id == case.id, CaseAttachment.message_id.is_(None)
    )
    return list(db.scalars(query.order_by(CaseAttachment.id)))


def get_readable_attachment(
    db: Session, *, user: User | None, case_id: int, attachment_id: int
) -> CaseAttachment:
    query = readable_attachments(db, user=user).where(
        CaseAttachment.id == attachment_id, CaseAttachment.case_id == case_id
    )
    attachment = db.scalar(query)
    if attachment is None:
        raise NotFound()
    return attachment


def timeline(db: Session, *, case: Case) -> list[CaseEvent]:
    """Every event of the case with its actor, oldest first. Staff only: it shows notes."""
    query = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .options(joinedload(CaseEvent.actor))
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    return list(db.scalars(query))
