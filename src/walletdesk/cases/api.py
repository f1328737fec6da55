"""JSON endpoints of cases under /api/v1/cases: categories, list, create, read, change,
messages (replies and staff notes), timeline and files. Thin: parse, call the service, shape.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from walletdesk.cases import service
from walletdesk.cases.attachments import Upload, file_response
from walletdesk.cases.categories import CATEGORIES, CURRENCIES, FIELDS, Category
from walletdesk.cases.lines import description_of, render_line, subject_of
from walletdesk.cases.models import Case, CaseAttachment, CaseEvent, CaseMessage, author_kind
from walletdesk.cases.schemas import (
    AttachmentOut,
    CaseChange,
    CaseCreate,
    CaseOut,
    CasePageOut,
    CaseSummary,
    CategoryField,
    CategoryOut,
    Customer,
    EventOut,
    MessageCreate,
    MessageOut,
    Person,
)
from walletdesk.identity.logins import mask_phone
from walletdesk.identity.models import User
from walletdesk.money import Money
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(ctx: Context) -> list[CategoryOut]:
    """The categories a customer can choose and what each one asks for, in the caller's language."""
    _ = ctx._
    return [
        CategoryOut(
            key=c.key,
            label=_(c.label),
            summary=_(c.summary),
            description_example=_(c.example),
            fields=[
                CategoryField(
                    name=name,
                    kind=FIELDS[name].kind,
                    label=_(FIELDS[name].label),
                    help=_(FIELDS[name].help),
                    required=name in c.required,
                    required_unless=_unless(c, name),
                )
                for name in c.fields
            ],
            currencies=list(CURRENCIES),
        )
        for c in CATEGORIES.values()
    ]


def _unless(category: Category, name: str) -> str | None:
    """The other field of the category's either-or pair, if `name` is one of the two."""
    if not category.either or name not in category.either:
        return None
    first, second = category.either
    return second if name == first else first


@router.get("", response_model=CasePageOut)
def list_cases(
    ctx: Context,
    status: str = Query("", description='A status, "active", or empty for all'),
    category: str = "",
    priority: str = "",
    assignee: Literal["anyone", "me", "unassigned"] = "anyone",
    q: str = Query("", max_length=100, description="Subject, description, case number, phone"),
    page: int = Query(1, ge=1),
    per_page: int = Query(20, ge=1, le=100),
    sort: Literal["updated", "due"] = Query(
        "updated", description='"updated": last update first; "due": SLA time left, least first'
    ),
    due: Literal["", "breached", "soon"] = Query(
        "", description='"breached": past an SLA target; "soon": due within the hour'
    ),
) -> CasePageOut:
    """Customers get their own cases; staff get every case, with the same filters as the inbox."""
    user = ctx.require()
    filters = service.CaseFilter(
        status, category, priority, assignee, q, page, per_page, sort=sort, due=due
    )
    found = service.list_cases(ctx.db, user=user, filters=filters)
    return CasePageOut(
        items=[_summary(ctx, c) for c in found.items],
        total=found.total,
        page=found.page,
        pages=found.pages,
    )


@router.post(
    "",
    response_model=CaseOut,
    status_code=201,
    responses={409: {"description": 'code "duplicate_case": error.case_id is the open case'}},
)
def open_case(body: CaseCreate, ctx: Context) -> CaseOut | JSONResponse:
    """Open a case as the signed-in customer; add files afterwards with .../attachments."""
    try:
        case = service.open_case(
            ctx.db,
            customer=ctx.require("customer"),
            category=body.category,
            subject=body.subject,
            description=body.description,
            fields={name: str(value) for name, value in body.details.items()},
            settings=ctx.settings,
            channel="api",
            force=body.force,
            ip=ctx.ip,
        )
    except service.DuplicateCase as exc:
        error = {
            "code": exc.code,
            "message": ctx._(exc.message, **exc.params),
            "field": exc.field,
            "case_id": exc.case_id,
        }
        return JSONResponse({"error": error}, status_code=409)
    return _case_out(ctx, case)


@router.get("/{case_id}", response_model=CaseOut)
def get_case(case_id: Id, ctx: Context) -> CaseOut:
    return _case_out(ctx, _case(ctx, case_id))


@router.patch("/{case_id}", response_model=CaseOut)
def change_case(case_id: Id, body: CaseChange, ctx: Context) -> CaseOut:
    """Staff: change status, priority and assignee (the status last, as closing is final)."""
    actor = ctx.require("agent")
    case = _case(ctx, case_id)
    given = body.model_fields_set
    if "assignee_id" in given:
        service.assign_case(ctx.db, case=case, actor=actor, assignee_id=body.assignee_id, ip=ctx.ip)
    if "priority" in given and body.priority is not None:
        service.set_priority(ctx.db, case=case, actor=actor, priority=body.priority, ip=ctx.ip)
    if "status" in given and body.status is not None:
        service.change_status(ctx.db, case=case, actor=actor, status=body.status, ip=ctx.ip)
    return _case_out(ctx, case)


@router.get("/{case_id}/messages", response_model=list[MessageOut])
def list_messages(case_id: Id, ctx: Context) -> list[MessageOut]:
    """The conversation, oldest first; internal notes only for staff."""
    user = ctx.require()
    case = _case(ctx, case_id)
    return [_message_out(ctx, m) for m in service.conversation(ctx.db, case=case, user=user)]


@router.post("/{case_id}/messages", response_model=MessageOut, status_code=201)
def post_message(case_id: Id, body: MessageCreate, ctx: Context) -> MessageOut:
    user = ctx.require()
    case = _case(ctx, case_id)
    write = service.add_internal_note if body.internal else service.post_reply
    message = write(
        ctx.db, case=case, author=user, body=body.body, settings=ctx.settings, ip=ctx.ip
    )
    return _message_out(ctx, message)


@router.get("/{case_id}/events", response_model=list[EventOut])
def list_events(case_id: Id, ctx: Context) -> list[EventOut]:
    """Staff: the timeline, every change with who and when."""
    ctx.require("agent")
    case = _case(ctx, case_id)
    return [_event_out(e) for e in service.timeline(ctx.db, case=case)]


@router.get("/{case_id}/attachments", response_model=list[AttachmentOut])
def list_attachments(case_id: Id, ctx: Context) -> list[AttachmentOut]:
    """Files added with the case or on their own; files of messages come with the messages."""
    user = ctx.require()
    case = _case(ctx, case_id)
    return [_attachment_out(a) for a in service.case_files(ctx.db, case=case, user=user)]


@router.post("/{case_id}/attachments", response_model=list[AttachmentOut], status_code=201)
def upload_attachments(
    case_id: Id, ctx: Context, files: list[UploadFile] = File(...)
) -> list[AttachmentOut]:
    """Add screenshots or PDFs to the case (multipart, field `files`, several allowed)."""
    user = ctx.require()
    case = _case(ctx, case_id)
    limit = ctx.settings.upload_max_bytes + 1
    uploads = [Upload(f.filename or "", f.file.read(limit)) for f in files]
    rows = service.attach_files(
        ctx.db, case=case, uploader=user, files=uploads, settings=ctx.settings, ip=ctx.ip
    )
    return [_attachment_out(a) for a in rows]


@router.get("/{case_id}/attachments/{attachment_id}", response_class=FileResponse)
def download_attachment(case_id: Id, attachment_id: Id, ctx: Context) -> FileResponse:
    user = ctx.require()
    attachment = service.get_readable_attachment(
        ctx.db, user=user, case_id=case_id, attachment_id=attachment_id
    )
    return file_response(attachment, uploads_dir=ctx.settings.uploads_dir)


def _case(ctx: Ctx, case_id: int) -> Case:
    return service.get_readable_case(ctx.db, user=ctx.require(), case_id=case_id)


def _person(user: User | None) -> Person | None:
    return Person(id=user.id, display_name=user.display_name) if user else None


def _summary(ctx: Context, case: Case) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        number=case.number,
        type=case.type,
        category=case.category,
        subject=subject_of(ctx._, case),
        status=case.status,
        priority=case.priority,
        customer=Customer(
            id=case.customer.id,
            display_name=case.customer.display_name,
            phone_masked=mask_phone(case.customer.phone),
        ),
        assignee=_person(case.assignee),
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


def _case_out(ctx: Context, case: Case) -> CaseOut:
    amount = None
    if case.amount_minor is not None and case.currency:
        amount = Money(case.amount_minor, case.currency).shown("en")
    return CaseOut(
        **_summary(ctx, case).model_dump(),
        description=description_of(ctx._, case),
        opened_by=case.opened_by,
        details=case.details,
        amount_minor=case.amount_minor,
        currency=case.currency,
        amount=amount,
        channel=case.channel,
    )


def _attachment_out(attachment: CaseAttachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.id,
        file_name=attachment.file_name,
        content_type=attachment.content_type,
        size_bytes=attachment.size_bytes,
        url=f"/api/v1/cases/{attachment.case_id}/attachments/{attachment.id}",
        created_at=attachment.created_at,
    )


def _message_out(ctx: Context, message: CaseMessage) -> MessageOut:
    author = message.author
    return MessageOut(
        id=message.id,
        author=_person(author),
        author_kind=author_kind(message),
        from_staff=author_kind(message) != "customer",
        body=render_line(ctx._, message.line) if message.line else message.body,
        internal=message.internal,
        attachments=[_attachment_out(a) for a in message.attachments],
        created_at=message.created_at,
    )


def _event_out(event: CaseEvent) -> EventOut:
    return EventOut(
        id=event.id, type=event.type, actor=_person(event.actor), data=event.data, at=event.at
    )
