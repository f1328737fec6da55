"""JSON endpoints of conversations under /api/v1/conversations: a customer or visitor starts
one, writes and reads it; agents list, take, transfer and close them and say whether they are
available. Thin: parse, call the service, shape. The live transports are in streams.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import selectinload

from walletdesk.conversations import attachments, queue, service
from walletdesk.conversations.models import Conversation
from walletdesk.conversations.schemas import (
    AssignIn,
    ConversationCreate,
    ConversationOut,
    ConversationStarted,
    ConversationSummary,
    HandoverIn,
    MessageCreate,
    MessageOut,
    PresenceIn,
    PresenceOut,
    ReadIn,
    TransferIn,
    message_out,
)
from walletdesk.db import utcnow
from walletdesk.errors import NotFound
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.identity.permissions import require_permission
from walletdesk.ratelimit import enforce
from walletdesk.uploads import Upload
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])
MAX_SEQ = 2**31 - 1
TOKEN_HEADER = "x-conversation-token"  # noqa: S105 (a header name)


def reader_of(ctx: Ctx) -> service.Reader:
    return service.Reader(user=ctx.user, visitor_token=ctx.request.headers.get(TOKEN_HEADER))


def _conversation(ctx: Ctx, conversation_id: int) -> Conversation:
    return service.get_conversation(ctx.db, reader=reader_of(ctx), conversation_id=conversation_id)


@router.post("", response_model=ConversationStarted, status_code=201)
def start(body: ConversationCreate, ctx: Context) -> ConversationStarted:
    """A visitor gets a token (send it as X-Conversation-Token); a signed-in customer's
    conversation is theirs and needs none."""
    customer = ctx.user if ctx.user is not None and not ctx.user.is_staff else None
    conversation, token = service.start_conversation(
        ctx.db, channel=body.channel, lang=body.lang, customer=customer
    )
    return ConversationStarted(id=conversation.id, token=token)


@router.get("", response_model=list[ConversationSummary])
def list_conversations(
    ctx: Context,
    state: Literal["", "active", "assistant", "queued", "assigned", "closed"] = "active",
    channel: str = Query("", max_length=16),
    lang: Literal["", "zh", "en"] = "",
    assignee: str = Query(
        "anyone",
        pattern=r"^(anyone|me|unassigned|\d{1,9})$",
        description="anyone | me | unassigned | <id>",
    ),
    waiting_minutes: int = Query(0, ge=0, le=10**6, description="Queued at least this long"),
    limit: int = Query(50, ge=1, le=200),
) -> list[ConversationSummary]:
    """Agents: the inbox, with unread counts (customer messages after the agents' last read)."""
    agent = require_permission(ctx.require(), "conversation.work")
    query = service.readable_conversations(reader_of(ctx)).options(
        selectinload(Conversation.customer), selectinload(Conversation.assignee)
    )
    if state == "active":
        query = query.where(Conversation.state != "closed")
    elif state:
        query = query.where(Conversation.state == state)
    if channel:
        query = query.where(Conversation.channel == channel)
    if lang:
        query = query.where(Conversation.lang == lang)
    if assignee == "me":
        query = query.where(Conversation.assignee_id == agent.id)
    elif assignee == "unassigned":
        query = query.where(Conversation.assignee_id.is_(None))
    elif assignee.isdigit():
        query = query.where(Conversation.assignee_id == int(assignee))
    now = utcnow()
    if waiting_minutes:
        since = now - timedelta(minutes=waiting_minutes)
        query = query.where(Conversation.state == "queued", Conversation.queued_at <= since)
    found: list[Conversation] = list(
        ctx.db.scalars(query.order_by(Conversation.updated_at.desc()).limit(limit))
    )
    return [
        ConversationSummary(
            id=c.id,
            state=c.state,
            channel=c.channel,
            lang=c.lang,
            customer_name=c.customer.display_name if c.customer else None,
            assignee_id=c.assignee_id,
            assignee_name=c.assignee.display_name if c.assignee else None,
            last_seq=c.last_seq,
            unread=max(0, c.last_seq - c.agent_last_read_seq),
            waiting_minutes=(
                int((now - c.queued_at).total_seconds() // 60)
                if c.state == "queued" and c.queued_at
                else None
            ),
            handover_reason=c.handover_reason,
            case_id=c.case_id,
            updated_at=c.updated_at,
        )
        for c in found
    ]


@router.put("/presence", response_model=PresenceOut)
def set_presence(body: PresenceIn, ctx: Context) -> PresenceOut:
    """Agents: available (takes waiting conversations at once) or away; limit and languages."""
    agent = ctx.require()
    service.set_presence(
        ctx.db,
        agent=agent,
        status=body.status,
        max_concurrent=body.max_concurrent,
        languages=body.languages,
        ip=ctx.ip,
    )
    presence = queue.presence_of(ctx.db, agent=agent)
    return PresenceOut(
        status=presence.status,
        max_concurrent=presence.max_concurrent,
        languages=presence.languages,
    )


@router.get("/{conversation_id}", response_model=ConversationOut)
def get_conversation(
    conversation_id: Id,
    ctx: Context,
    after: int = Query(0, ge=0, le=MAX_SEQ, description="Only messages after this sequence number"),
) -> ConversationOut:
    conversation = _conversation(ctx, conversation_id)
    return conversation_out(ctx, conversation, after=after)


def conversation_out(ctx: Ctx, conversation: Conversation, *, after: int) -> ConversationOut:
    position = queue.queue_position(ctx.db, conversation=conversation)
    as_agent = reader_of(ctx).is_agent
    return ConversationOut(
        id=conversation.id,
        state=conversation.state,
        queue_position=position,
        eta_minutes=queue.eta_minutes(ctx.db, position=position) if position else None,
        channel=conversation.channel,
        lang=conversation.lang,
        last_seq=conversation.last_seq,
        read_seq=(
            conversation.customer_last_read_seq if as_agent else conversation.agent_last_read_seq
        ),
        case_id=conversation.case_id if as_agent else None,
        messages=[
            message_out(m)
            for m in service.messages_after(ctx.db, conversation=conversation, after=after)
        ],
    )


@router.post("/{conversation_id}/messages", response_model=MessageOut, status_code=201)
def post_message(conversation_id: Id, body: MessageCreate, ctx: Context) -> MessageOut:
    """The customer (or visitor) writes, or an agent answers: who writes is who calls."""
    reader = reader_of(ctx)
    conversation = _conversation(ctx, conversation_id)
    limiter = ctx.request.app.state.limiter
    enforce(limiter, settings=ctx.settings, name="chat", key=sender_key(reader, conversation))
    if service.author_of(reader, conversation) == "agent":
        assert ctx.user is not None
        message = service.reply_as_agent(
            ctx.db, conversation=conversation, agent=ctx.user, text=body.text, ip=ctx.ip
        )
    else:
        message = service.post_message(
            ctx.db,
            conversation=conversation,
            author="customer",
            text=body.text,
            author_id=ctx.user.id if ctx.user else None,
        )
    return message_out(message)


@router.post("/{conversation_id}/attachments", response_model=MessageOut, status_code=201)
def send_file(
    conversation_id: Id,
    ctx: Context,
    file: UploadFile = File(...),
    text: str = Form("", max_length=4000),
) -> MessageOut:
    """A screenshot or PDF (multipart: `file`, optional caption `text`), checked by its
    content like case files, as a message of whoever sends it."""
    reader = reader_of(ctx)
    conversation = _conversation(ctx, conversation_id)
    limiter = ctx.request.app.state.limiter
    enforce(limiter, settings=ctx.settings, name="chat", key=sender_key(reader, conversation))
    service.author_of(reader, conversation)  # staff need conversation.work
    upload = Upload(file.filename or "", file.file.read(ctx.settings.upload_max_bytes + 1))
    message = attachments.send_file(
        ctx.db,
        conversation=conversation,
        sender=ctx.user,
        upload=upload,
        text=text,
        settings=ctx.settings,
    )
    return message_out(message)


@router.get("/{conversation_id}/attachments/{attachment_id}", response_class=FileResponse)
def download_file(conversation_id: Id, attachment_id: Id, ctx: Context) -> FileResponse:
    conversation = _conversation(ctx, conversation_id)
    row = attachments.readable_file(ctx.db, conversation=conversation, attachment_id=attachment_id)
    return attachments.file_response(row, uploads_dir=ctx.settings.uploads_dir)


def sender_key(reader: service.Reader, conversation: Conversation) -> str:
    """Whose messages count together against the limit: the user, else the visitor's
    conversation."""
    if reader.user is not None:
        return f"user:{reader.user.id}"
    return f"visitor:{conversation.id}"


@router.post("/{conversation_id}/handover", response_model=ConversationOut)
def handover(conversation_id: Id, body: HandoverIn, ctx: Context) -> ConversationOut:
    """The customer asks for a person (the widget's button; the assistant does it in chat)."""
    conversation = _conversation(ctx, conversation_id)
    before = conversation.last_seq
    service.request_handover(ctx.db, conversation=conversation, reason=body.reason)
    return conversation_out(ctx, conversation, after=before)


@router.post("/{conversation_id}/read", response_model=ReadIn)
def mark_read(conversation_id: Id, body: ReadIn, ctx: Context) -> ReadIn:
    conversation = _conversation(ctx, conversation_id)
    seq = service.mark_read(ctx.db, conversation=conversation, reader=reader_of(ctx), seq=body.seq)
    return ReadIn(seq=seq)


@router.post("/{conversation_id}/link", response_model=ConversationOut)
def link(conversation_id: Id, ctx: Context, request: Request) -> ConversationOut:
    """A visitor signed in: with their token and their session, the conversation becomes the
    customer's."""
    customer = ctx.require("customer")
    token = request.headers.get(TOKEN_HEADER)
    reader = service.Reader(visitor_token=token)
    conversation = service.get_conversation(ctx.db, reader=reader, conversation_id=conversation_id)
    service.link_customer(ctx.db, conversation=conversation, customer=customer)
    return conversation_out(ctx, conversation, after=0)


@router.post("/{conversation_id}/assign", response_model=ConversationOut)
def assign(conversation_id: Id, body: AssignIn, ctx: Context) -> ConversationOut:
    by = require_permission(ctx.require(), "conversation.work")
    conversation = _conversation(ctx, conversation_id)
    agent = _staff(ctx, body.agent_id) if body.agent_id else by
    before = conversation.last_seq
    service.assign(ctx.db, conversation=conversation, agent=agent, by=by, ip=ctx.ip)
    return conversation_out(ctx, conversation, after=before)


@router.post("/{conversation_id}/transfer", response_model=ConversationOut)
def transfer(conversation_id: Id, body: TransferIn, ctx: Context) -> ConversationOut:
    by = require_permission(ctx.require(), "conversation.work")
    conversation = _conversation(ctx, conversation_id)
    to_agent = _staff(ctx, body.agent_id) if body.agent_id else None
    before = conversation.last_seq
    service.transfer(ctx.db, conversation=conversation, to_agent=to_agent, by=by, ip=ctx.ip)
    return conversation_out(ctx, conversation, after=before)


@router.post("/{conversation_id}/close", response_model=ConversationOut)
def close(conversation_id: Id, ctx: Context) -> ConversationOut:
    by = require_permission(ctx.require(), "conversation.work")
    conversation = _conversation(ctx, conversation_id)
    before = conversation.last_seq
    service.close(ctx.db, conversation=conversation, by=by, ip=ctx.ip)
    return conversation_out(ctx, conversation, after=before)


def _staff(ctx: Ctx, user_id: int) -> User:
    try:
        user = identity.get_user(ctx.db, user_id=user_id)
    except NotFound:
        raise NotFound("No such agent.", field="agent_id") from None
    if not user.is_staff:
        raise NotFound("No such agent.", field="agent_id")
    return user
