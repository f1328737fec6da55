"""Conversations in the agent's workspace: one conversation with its transcript, what the
assistant collected and the customer beside it; answering (by the form, or live over the
conversation's WebSocket from workspace-chat.js), taking, transferring, returning to the queue
and ending it; the agent's presence; and a stream that tells the workspace when any
conversation changed (so the queue and its counts refresh at once).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from walletdesk.cases import queue, service
from walletdesk.cases.console import DONE, _choices
from walletdesk.cases.models import Case
from walletdesk.cases.webforms import display_for, field_errors, read_form
from walletdesk.conversations import attachments, realtime
from walletdesk.conversations import service as conversations
from walletdesk.conversations.models import Conversation
from walletdesk.errors import DomainError, NotFound, ValidationFailed
from walletdesk.i18n import N_
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.identity.permissions import require_permission
from walletdesk.uploads import ALLOWED
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(include_in_schema=False)
LIVE_SECONDS = 55.0  # a stream ends now and then; the browser reconnects (proxies like that)
Action = Callable[[Conversation, User, dict[str, str]], None]

CHAT_DONE = {
    "chat_reply": N_("Reply sent."),
    "chat_file": N_("File sent."),
    "chat_assign": N_("The conversation is yours."),
    "chat_transfer": N_("Conversation handed on."),
    "chat_close": N_("Conversation ended; the customer was told."),
}


def _agent(ctx: Ctx) -> User:
    return require_permission(ctx.require("agent"), "conversation.work")


def _load(ctx: Ctx, agent: User, conversation_id: int) -> Conversation:
    reader = conversations.Reader(user=agent)
    return conversations.get_conversation(ctx.db, reader=reader, conversation_id=conversation_id)


@router.get("/console/conversations/{conversation_id}")
def conversation_page(conversation_id: Id, ctx: Context, done: str = "") -> Response:
    agent = _agent(ctx)
    conversation = _load(ctx, agent, conversation_id)
    return _page(ctx, agent, conversation, done=done)


def _page(
    ctx: Ctx,
    agent: User,
    conversation: Conversation,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    messages = conversations.messages_after(ctx.db, conversation=conversation, after=0)
    customer = (
        identity.get_user(ctx.db, user_id=conversation.customer_id)
        if conversation.customer_id
        else None
    )
    past = (
        list(
            ctx.db.scalars(
                service.readable_cases(ctx.db, user=agent)
                .where(Case.customer_id == customer.id)
                .order_by(Case.updated_at.desc())
                .limit(5)
            )
        )
        if customer is not None
        else []
    )
    assignee = (
        identity.get_user(ctx.db, user_id=conversation.assignee_id)
        if conversation.assignee_id
        else None
    )
    return ctx.render(
        "cases/console_conversation.html",
        status_code=status_code,
        conversation=conversation,
        messages=messages,
        customer=customer,
        assignee=assignee,
        past_cases=past,
        collected=_collected(conversation.assistant_memory),
        staff=[u for u in identity.list_staff(ctx.db) if u.is_active and u.id != agent.id],
        queue=queue.load(ctx, queue.remembered(ctx)),
        current=conversation.id,
        current_kind="conversation",
        **_choices(),
        accept=",".join(ALLOWED),
        show=display_for(ctx),
        errors=errors or {},
        values=values or {},
        done=done if done in CHAT_DONE else "",
        done_text=ctx._(CHAT_DONE.get(done, DONE["reply"])) if done in CHAT_DONE else "",
    )


def _collected(memory: dict[str, Any] | None) -> list[tuple[str, str]]:
    """What the assistant learned (the details the problem needs), as label and value."""
    if not memory:
        return []
    found = memory.get("collected", memory)
    if not isinstance(found, dict):
        return []
    return [
        (str(key), str(value))
        for key, value in found.items()
        if isinstance(value, str | int | float) and not isinstance(value, bool) and value != ""
    ]


def act(ctx: Ctx, conversation_id: int, form_name: str, action: Action) -> Response:
    """Run one form on a conversation: back to it with a word that it worked, or the page
    again with the reason it was refused (nothing of it kept)."""
    agent = _agent(ctx)
    values = {k: v for k, v in ctx.form().items() if isinstance(v, str)}
    conversation = _load(ctx, agent, conversation_id)
    try:
        action(conversation, agent, values)
    except DomainError as exc:
        ctx.db.rollback()
        conversation = _load(ctx, agent, conversation_id)
        errors = {form_name: " ".join(field_errors(ctx, exc).values())}
        return _page(ctx, agent, conversation, errors=errors, values=values, status_code=exc.status)
    target = f"/console/conversations/{conversation_id}?done={form_name}#action-{form_name}"
    return RedirectResponse(target, status_code=303)


@router.post("/console/conversations/{conversation_id}/reply")
def reply(conversation_id: Id, ctx: Context) -> Response:
    def action(conversation: Conversation, agent: User, values: dict[str, str]) -> None:
        conversations.reply_as_agent(
            ctx.db, conversation=conversation, agent=agent, text=values.get("text", ""), ip=ctx.ip
        )

    return act(ctx, conversation_id, "chat_reply", action)


@router.post("/console/conversations/{conversation_id}/file")
def send_file(conversation_id: Id, ctx: Context) -> Response:
    """A screenshot or PDF for the customer, checked like theirs, with an optional caption."""
    _values, uploads = read_form(ctx, files_field="file")

    def action(conversation: Conversation, agent: User, values: dict[str, str]) -> None:
        if not uploads or not uploads[0].data:
            raise ValidationFailed("Choose a file to send.", field="file")
        attachments.send_file(
            ctx.db,
            conversation=conversation,
            sender=agent,
            upload=uploads[0],
            text=values.get("caption", ""),
            settings=ctx.settings,
        )

    return act(ctx, conversation_id, "chat_file", action)


@router.post("/console/conversations/{conversation_id}/assign")
def take(conversation_id: Id, ctx: Context) -> Response:
    def action(conversation: Conversation, agent: User, _values: dict[str, str]) -> None:
        conversations.assign(ctx.db, conversation=conversation, agent=agent, by=agent, ip=ctx.ip)

    return act(ctx, conversation_id, "chat_assign", action)


@router.post("/console/conversations/{conversation_id}/transfer")
def transfer(conversation_id: Id, ctx: Context) -> Response:
    """To another agent, or (no agent chosen) back to the queue."""

    def action(conversation: Conversation, agent: User, values: dict[str, str]) -> None:
        raw = values.get("agent_id", "").strip()
        to_agent = _staff(ctx, int(raw)) if raw.isdigit() else None
        conversations.transfer(
            ctx.db, conversation=conversation, to_agent=to_agent, by=agent, ip=ctx.ip
        )

    return act(ctx, conversation_id, "chat_transfer", action)


@router.post("/console/conversations/{conversation_id}/close")
def close(conversation_id: Id, ctx: Context) -> Response:
    def action(conversation: Conversation, agent: User, _values: dict[str, str]) -> None:
        conversations.close(ctx.db, conversation=conversation, by=agent, ip=ctx.ip)

    return act(ctx, conversation_id, "chat_close", action)


def _staff(ctx: Ctx, user_id: int) -> User:
    user = identity.get_user(ctx.db, user_id=user_id)
    if not user.is_staff:
        raise NotFound("No such agent.", field="agent_id")
    return user


@router.post("/console/presence")
def presence(ctx: Context) -> Response:
    """Available (takes waiting conversations at once) or away; back where the agent was."""
    agent = _agent(ctx)
    status = str(ctx.form().get("status", ""))
    conversations.set_presence(ctx.db, agent=agent, status=status, ip=ctx.ip)
    back = urlsplit(ctx.request.headers.get("referer", ""))
    path = back.path + (f"?{back.query}" if back.query else "")
    target = path if back.path.startswith("/console") and back.path != "/console/queue" else ""
    return RedirectResponse(target or "/console", status_code=303)


@router.get("/console/live")
def live(ctx: Context) -> StreamingResponse:
    """Server-sent events: `inbox` whenever a conversation changed (a message, a handover,
    an assignment). The workspace then fetches its queue again."""
    _agent(ctx)
    hub: realtime.MemoryHub = ctx.request.app.state.chat_hub
    return StreamingResponse(
        _inbox(hub), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
    )


async def _inbox(hub: realtime.MemoryHub) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    deadline = anyio.current_time() + LIVE_SECONDS
    async with hub.subscribe(realtime.INBOX) as subscription:
        while (remaining := deadline - anyio.current_time()) > 0:
            try:
                with anyio.fail_after(min(remaining, 15.0)):
                    notice = await subscription.queue.get()
            except TimeoutError:
                yield ": still here\n\n"
                continue
            data = {"conversation_id": notice.get("conversation_id"), "type": notice.get("type")}
            yield f"event: inbox\ndata: {json.dumps(data)}\n\n"
