"""Every change to a case: opening it, replies, internal notes, status, priority, assignee and
files. Each change writes a timeline event, and for staff an audit entry, in the same transaction.

Functions are keyword-only, check before they write, flush and never commit. Reads live in
`queries` and file keeping in `attachments`; both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.cases import events, states, types
from walletdesk.cases.attachments import Upload, add_attachment, check_files
from walletdesk.cases.categories import Category, get_category
from walletdesk.cases.lines import LINES_KEY, TITLE_KEY, Line, render_line
from walletdesk.cases.models import Case, CaseAttachment, CaseMessage
from walletdesk.cases.queries import (  # noqa: F401 (the read half of this service)
    CaseFilter,
    CasePage,
    case_files,
    conversation,
    get_readable_attachment,
    get_readable_case,
    list_cases,
    readable_cases,
    timeline,
    unanswered_counts,
)
from walletdesk.cases.samples import DEMO_CUSTOMER, SAMPLE_CASES
from walletdesk.cases.validation import CleanDetails, clean_body, clean_case
from walletdesk.config import Settings
from walletdesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from walletdesk.i18n import Translator
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.wallet.transactions import WalletTransaction


def check_new_case(
    *,
    category: str,
    subject: str,
    description: str,
    fields: Mapping[str, str],
    file_count: int,
    settings: Settings,
) -> tuple[Category, str, str, CleanDetails]:
    """What `open_case` would store, or FormInvalid naming every field that needs fixing."""
    kind = get_category(category)
    subject, description, clean = clean_case(
        category=kind,
        subject=subject,
        description=description,
        values=fields,
        file_count=file_count,
        tz=ZoneInfo(settings.timezone),
    )
    return kind, subject, description, clean


def open_case(
    db: Session,
    *,
    customer: User,
    category: str,
    subject: str,
    description: str,
    fields: Mapping[str, str],
    files: Sequence[Upload] = (),
    settings: Settings,
    channel: str = "portal",
    force: bool = False,
    case_type: str = types.DEFAULT_TYPE,
    ip: str = "",
) -> Case:
    """A new case of `customer`, with its files; nothing is written unless all of it is valid.
    It starts in the first state of its type's path.

    A case naming a transaction the customer already has an open case about is refused with
    DuplicateCase (pointing at that case) unless `force`: they meant to open a second one."""
    if customer.role != "customer":
        raise Forbidden("Cases are opened by customers.")
    path = types.get_type(case_type)
    checked = check_files(files, settings=settings)
    kind, subject, description, clean = check_new_case(
        category=category,
        subject=subject,
        description=description,
        fields=fields,
        file_count=len(checked),
        settings=settings,
    )
    named = clean.details.get("transaction_id")
    if named and not force:
        _check_no_open_case(db, customer=customer, transaction_id=named)
    case = Case(
        customer=customer,
        type=path.key,
        status=path.initial,
        category=kind.key,
        priority=kind.priority,
        channel=channel,
        subject=subject,
        description=description,
        details=clean.details,
        amount_minor=clean.amount_minor,
        currency=clean.currency,
    )
    db.add(case)
    db.flush()
    data = {"category": kind.key, **({"type": path.key} if path.key != types.DEFAULT_TYPE else {})}
    events.record(db, case=case, actor=customer, type="open", data=data, ip=ip)
    for file in checked:
        add_attachment(db, case=case, uploader=customer, file=file, settings=settings, ip=ip)
    db.flush()
    return case


class DuplicateCase(Conflict):
    """The customer already has an open case about this transaction: add to it instead."""

    code = "duplicate_case"

    def __init__(self, case: Case) -> None:
        super().__init__(
            "You already have an open case about this transaction: {number}.",
            field="transaction_id",
            number=case.number,
        )
        self.case_id = case.id


def open_case_about(db: Session, *, customer: User, transaction_id: str) -> Case | None:
    """The customer's most recent open case naming this transaction, if any."""
    found = db.scalars(
        select(Case)
        .where(Case.customer_id == customer.id, Case.status.in_(types.ACTIVE_STATES))
        .order_by(Case.id.desc())
    )
    wanted = transaction_id.strip().upper()
    for case in found:
        if str(case.details.get("transaction_id") or "").strip().upper() == wanted:
            return case
    return None


def _check_no_open_case(db: Session, *, customer: User, transaction_id: str) -> None:
    case = open_case_about(db, customer=customer, transaction_id=transaction_id)
    if case is not None:
        raise DuplicateCase(case)


def open_review_case(
    db: Session,
    *,
    customer_id: int,
    category: str,
    subject: str,
    description: str,
    details: Mapping[str, object] | None = None,
    amount_minor: int | None = None,
    currency: str | None = None,
    title: Line | None = None,
    lines: Sequence[Line] = (),
    ip: str = "",
    channel: str = "risk",
    priority: str = "high",
) -> Case:
    """A case opened by the system (risk control, a chat that needs follow-up) for staff to
    review, not by the customer: so none of the category's required fields are asked for.
    High priority, channel "risk" unless told otherwise;
    the timeline says "System" opened it and its description is shown as the system's.
    `subject` and `description` are kept in the customer's language (search finds them);
    `title` and `lines` (message ids and parameters) show them in each reader's language."""
    kind = get_category(category)
    customer = identity.get_user(db, user_id=customer_id)
    if customer.role != "customer":
        raise Forbidden("Cases are opened by customers.")
    case = Case(
        customer=customer,
        category=kind.key,
        priority=priority,
        channel=channel,
        subject=subject.strip()[:200],
        description=description.strip(),
        details={
            **dict(details or {}),
            **({TITLE_KEY: dict(title)} if title else {}),
            **({LINES_KEY: [dict(line) for line in lines]} if lines else {}),
        },
        amount_minor=amount_minor,
        currency=currency,
    )
    db.add(case)
    db.flush()
    data = {"category": kind.key, "channel": channel}
    events.record(db, case=case, actor=None, type="open", data=data, ip=ip)
    db.flush()
    return case


def post_reply(
    db: Session,
    *,
    case: Case,
    author: User,
    body: str,
    files: Sequence[Upload] = (),
    settings: Settings,
    ip: str = "",
) -> CaseMessage:
    """A reply the customer sees. A customer's reply reopens a waiting or resolved case; the
    first staff reply takes a new case into work."""
    _check_participant(case, author)
    target = types.get_type(case.type).after_reply(case.status, staff=author.is_staff)
    message = _add_message(
        db,
        case=case,
        author=author,
        body=body,
        files=files,
        internal=False,
        settings=settings,
        ip=ip,
    )
    if target != case.status:
        _set_status(db, case=case, actor=author, status=target, reason="reply", ip=ip)
    db.flush()
    return message


def add_internal_note(
    db: Session,
    *,
    case: Case,
    author: User,
    body: str,
    files: Sequence[Upload] = (),
    settings: Settings,
    ip: str = "",
) -> CaseMessage:
    """A note for staff only; customers never see it or its files."""
    _require_staff(author)
    return _add_message(
        db,
        case=case,
        author=author,
        body=body,
        files=files,
        internal=True,
        settings=settings,
        ip=ip,
    )


def change_status(db: Session, *, case: Case, actor: User, status: str, ip: str = "") -> None:
    _require_staff(actor)
    if status == case.status:
        return
    check_plain_transition(case, actor=actor, status=status)
    _set_status(db, case=case, actor=actor, status=status, reason="", ip=ip)
    db.flush()


def check_plain_transition(case: Case, *, actor: User, status: str) -> None:
    """A change the plain status form may make: allowed to this actor on this type's path,
    and not a step that has its own function (a final response, a decision)."""
    case_type = types.get_type(case.type)
    case_type.check(case.status, status, types.actor_of(actor.role))
    if status in case_type.guarded:
        raise Conflict(
            "This step has its own form on the case page.", field="status", code="guarded_step"
        )


def step_case(
    db: Session, *, case: Case, actor: User | None, status: str, reason: str = "", ip: str = ""
) -> None:
    """A step along the case's path taken by the function that owns it (a complaint's final
    response, an appeal's decision): checked against the path for `actor` (None: the system)."""
    who = types.actor_of(actor.role) if actor is not None else "system"
    types.get_type(case.type).check(case.status, status, who)
    _set_status(db, case=case, actor=actor, status=status, reason=reason, ip=ip)
    db.flush()


def set_priority(db: Session, *, case: Case, actor: User, priority: str, ip: str = "") -> None:
    _require_staff(actor)
    states.check_priority(priority)
    states.ensure_not_closed(case.status)
    if priority == case.priority:
        return
    data = {"from": case.priority, "to": priority}
    case.priority = priority
    events.record(db, case=case, actor=actor, type="priority", data=data, ip=ip)
    db.flush()


def assign_case(
    db: Session, *, case: Case, actor: User, assignee_id: int | None, ip: str = ""
) -> None:
    """Give the case to a member of staff, or (None) back to the unassigned queue."""
    _require_staff(actor)
    states.ensure_not_closed(case.status)
    if assignee_id == case.assignee_id:
        return
    assignee = _staff_member(db, assignee_id) if assignee_id is not None else None
    previous = identity.get_user(db, user_id=case.assignee_id) if case.assignee_id else None
    data = {
        "from": previous.id if previous else None,
        "from_name": previous.display_name if previous else "",
        "to": assignee.id if assignee else None,
        "to_name": assignee.display_name if assignee else "",
    }
    case.assignee = assignee
    events.record(db, case=case, actor=actor, type="assign", data=data, ip=ip)
    db.flush()


def record_action(
    db: Session,
    *,
    case_id: int,
    actor: User | None,
    text: str,
    params: Mapping[str, object] | None = None,
    translated: Sequence[str] = (),
    tell_customer: str = "",
    ip: str = "",
) -> None:
    """A line on the case's timeline written by another domain about this customer (an
    account unlocked, a refund approved); `text` is a message id marked with N_ there.

    `tell_customer`, a message id with the same parameters, is also written in the
    conversation as the system's (never as the customer's), shown in the reader's language;
    the case then waits on staff, not on the customer."""
    case = db.get(Case, case_id)
    if case is None:
        raise NotFound("This case does not exist or is not yours.", code="case_not_found")
    data = {"text": text, "params": dict(params or {}), "translated": list(translated)}
    events.record(db, case=case, actor=actor, type="action", data=data, ip=ip)
    if tell_customer:
        line = {**data, "text": tell_customer}
        post_system_line(db, case=case, line=line, ip=ip)


def post_system_line(db: Session, *, case: Case, line: Line, ip: str = "") -> CaseMessage:
    """A message of the system in the conversation: no author, `line` rendered per reader.
    The body keeps it in the customer's language for search. A case waiting for the customer
    is not any more: what happened is for staff to follow up."""
    lang = identity.get_user(db, user_id=case.customer_id).lang
    body = render_line(Translator(lang), line)
    message = CaseMessage(case_id=case.id, author=None, body=body, line=dict(line), attachments=[])
    db.add(message)
    db.flush()
    events.record(db, case=case, actor=None, type="reply", data={"message_id": message.id}, ip=ip)
    if case.status == "pending_customer":
        _set_status(db, case=case, actor=None, status="open", reason="system", ip=ip)
    db.flush()
    return message


def attach_files(
    db: Session,
    *,
    case: Case,
    uploader: User,
    files: Sequence[Upload],
    settings: Settings,
    ip: str = "",
) -> list[CaseAttachment]:
    """Files added to the case on their own (not with a message); all checked before any is kept."""
    _check_participant(case, uploader)
    states.ensure_not_closed(case.status)
    checked = check_files(files, settings=settings)
    if not checked:
        raise ValidationFailed("Choose at least one file.", field="attachments")
    return [
        add_attachment(db, case=case, uploader=uploader, file=file, settings=settings, ip=ip)
        for file in checked
    ]


def _add_message(
    db: Session,
    *,
    case: Case,
    author: User,
    body: str,
    files: Sequence[Upload],
    internal: bool,
    settings: Settings,
    ip: str,
) -> CaseMessage:
    text = clean_body(body)
    checked = check_files(files, settings=settings)
    message = CaseMessage(
        case_id=case.id, author=author, body=text, internal=internal, attachments=[]
    )
    db.add(message)
    db.flush()
    kind = "note" if internal else "reply"
    events.record(db, case=case, actor=author, type=kind, data={"message_id": message.id}, ip=ip)
    for file in checked:
        add_attachment(
            db, case=case, uploader=author, file=file, settings=settings, message=message, ip=ip
        )
    db.flush()
    return message


def _set_status(
    db: Session, *, case: Case, actor: User | None, status: str, reason: str, ip: str
) -> None:
    data = {"from": case.status, "to": status}
    if reason:
        data["reason"] = reason
    case.status = status
    events.record(db, case=case, actor=actor, type="status", data=data, ip=ip)


def _check_participant(case: Case, user: User) -> None:
    if not user.is_staff and case.customer_id != user.id:
        raise NotFound("This case does not exist or is not yours.", code="case_not_found")


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden()


def _staff_member(db: Session, user_id: int) -> User:
    try:
        user = identity.get_user(db, user_id=user_id)
    except NotFound:
        user = None
    if user is None or not user.is_staff or not user.is_active:
        raise ValidationFailed("Choose a member of staff.", field="assignee_id")
    return user


def seed_demo_cases(db: Session, *, settings: Settings) -> None:
    """Sample cases for the demo customer, answered by the demo agent (idempotent: nothing
    happens once the customer has any case)."""
    try:
        customer = identity.find_by_login(db, DEMO_CUSTOMER)
    except ValidationFailed:
        customer = None
    if customer is None or db.scalar(readable_cases(db, user=customer).limit(1)) is not None:
        return
    agents = [u for u in identity.list_staff(db) if u.role == "agent" and u.is_active]
    for sample in SAMPLE_CASES:
        about = _sample_transaction(db, customer_id=customer.id, about=sample.about)
        fields = sample.fields(ZoneInfo(settings.timezone), about)
        case = open_case(
            db,
            customer=customer,
            category=sample.category,
            subject=sample.subject,
            description=sample.description,
            fields=fields,
            settings=settings,
        )
        if agents and sample.reply:
            body = sample.reply.format(transaction_id=fields.get("transaction_id", ""))
            post_reply(db, case=case, author=agents[0], body=body, settings=settings)
        if agents and sample.status != case.status:
            change_status(db, case=case, actor=agents[0], status=sample.status)


def _sample_transaction(
    db: Session, *, customer_id: int, about: tuple[str, str] | None
) -> WalletTransaction | None:
    """The demo customer's latest transaction of this (kind, failure code), if any."""
    if about is None:
        return None
    kind, failure_code = about
    return db.scalar(
        select(WalletTransaction)
        .where(
            WalletTransaction.user_id == customer_id,
            WalletTransaction.kind == kind,
            WalletTransaction.failure_code == failure_code,
        )
        .order_by(WalletTransaction.id.desc())
        .limit(1)
    )
