"""The only place conversations change: starting one, posting a message (redacted, numbered,
with the scam shield's warnings), handing over to a person, assigning, transferring, closing,
read receipts and linking a visitor to the customer who signs in.

Functions take keyword arguments, flush and never commit; staff actions are audited.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.conversations import queue
from walletdesk.conversations.models import AUTHORS, CHANNELS, Conversation, Message
from walletdesk.conversations.schemas import message_out
from walletdesk.conversations.signals import (
    ConversationChanged,
    CustomerWrote,
    MessagesStored,
)
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from walletdesk.events import publish
from walletdesk.helpcenter import registry
from walletdesk.i18n import N_, Translator
from walletdesk.identity.models import User
from walletdesk.identity.permissions import can, require_permission
from walletdesk.safety.asks import secret_asked
from walletdesk.safety.redaction import redact

LANGS = ("zh", "en")
MAX_CHARS = 4000
MAX_CHECKS = 3  # official-channel verdicts per message

SECRET_WARNING = N_(
    "We hid what looked like a secret in your message. Official support never asks for your "
    "recovery phrase, private keys, card numbers, card security code, passwords or one-time "
    "codes: never share them with anyone, whoever they say they are."
)
ASK_REFUSED = {
    "recovery_phrase": N_("Not sent: support never asks a customer for their recovery phrase."),
    "private_key": N_("Not sent: support never asks a customer for their private key."),
    "card_number": N_("Not sent: support never asks a customer for their full card number."),
    "cvv": N_("Not sent: support never asks a customer for their card security code."),
    "otp": N_("Not sent: support never asks a customer for a one-time or verification code."),
    "password": N_("Not sent: support never asks a customer for their password."),
}
CLOSED_NOTICE = N_(
    "This conversation has ended. Write again here at any time and we will pick it up."
)

# What a customer may quote that the official-channel checker answers: links, email
# addresses, phone numbers, @handles.
_QUOTED = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'，。！？]+"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
    r"|(?<![\w@])@[A-Za-z0-9_]{3,32}"
    r"|(?<![\d\w])\+?\d[\d\s\-]{5,16}\d(?![\d\w])"
    r"|(?<![\w@/.])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|cn|io|app|me|co|xyz|top|vip)"
    r"(?:/[^\s<>\"'，。]*)?(?![\w.])",
    re.I,
)


@dataclass(frozen=True)
class Reader:
    """Who asks to read or write a conversation: a signed-in user, or a visitor with the
    conversation's token (both may be there at once)."""

    user: User | None = None
    visitor_token: str | None = None

    @property
    def is_agent(self) -> bool:
        return can(self.user, "conversation.work")


class MessageRefused(ValidationFailed):
    code = "secret_asked"


class TooLong(ValidationFailed):
    code = "too_long"
    default_message = "The message is too long: at most {limit} characters."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- reading --------------------------------------------------------------------------------


def readable_conversations(reader: Reader) -> Select[Any]:
    """What `reader` may see: staff who work conversations every one; a customer their own; a
    visitor the one their token opens."""
    query = select(Conversation)
    if reader.is_agent:
        return query
    allowed = []
    if reader.user is not None and not reader.user.is_staff:
        allowed.append(Conversation.customer_id == reader.user.id)
    if reader.visitor_token:
        allowed.append(Conversation.visitor_token_hash == token_hash(reader.visitor_token))
    if not allowed:
        return query.where(Conversation.id.is_(None))
    return query.where(or_(*allowed))


def get_conversation(
    db: Session, *, reader: Reader, conversation_id: int, lock: bool = False
) -> Conversation:
    """The conversation, if `reader` may see it; NotFound otherwise (a foreign one looks the
    same as one that does not exist)."""
    query = readable_conversations(reader).where(Conversation.id == conversation_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found: Conversation | None = db.scalar(query)
    if found is None:
        raise NotFound("This conversation does not exist.", code="conversation_not_found")
    if lock:
        _held(db).add(found.id)
    return found


def _held(db: Session) -> set[int]:
    """The conversations whose rows this session's current transaction has locked (a
    savepoint counts apart: rolling it back releases what it locked)."""
    transaction = db.get_nested_transaction() or db.get_transaction()
    held = db.info.get("conversation_locks")
    if held is None or held[0] is not transaction:
        held = db.info["conversation_locks"] = (transaction, set())
    locked: set[int] = held[1]
    return locked


def messages_after(db: Session, *, conversation: Conversation, after: int = 0) -> list[Message]:
    return list(
        db.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.seq > after)
            .order_by(Message.seq)
        )
    )


def author_of(reader: Reader, conversation: Conversation) -> str:
    """customer or agent: who `reader` writes as in this conversation."""
    if reader.user is not None and reader.user.is_staff:
        require_permission(reader.user, "conversation.work")
        return "agent"
    return "customer"


# --- writing --------------------------------------------------------------------------------


def start_conversation(
    db: Session, *, channel: str, lang: str, customer: User | None = None
) -> tuple[Conversation, str | None]:
    """A new conversation in the assistant's hands. A visitor (no customer) gets a token that
    lets them continue; only its hash is kept."""
    if channel not in CHANNELS:
        raise ValidationFailed("This channel is not supported.", field="channel")
    if lang not in LANGS:
        raise ValidationFailed("Choose zh or en.", field="lang")
    if customer is not None and customer.is_staff:
        raise Forbidden("Conversations are started by customers.")
    token = None if customer is not None else secrets.token_urlsafe(32)
    conversation = Conversation(
        channel=channel,
        lang=lang,
        state="assistant",
        customer_id=customer.id if customer is not None else None,
        visitor_token_hash=token_hash(token) if token else None,
        assistant_memory={},
    )
    db.add(conversation)
    db.flush()
    return conversation, token


def lock(db: Session, *, conversation: Conversation) -> Conversation:
    """The conversation's row, locked until the transaction ends (SELECT ... FOR UPDATE on
    PostgreSQL; SQLite's write lock is already held), with its current values. Locked once
    per transaction: after that no one else can have changed it."""
    if conversation.id in _held(db) and conversation in db:
        return conversation
    return _locked_row(db, conversation_id=conversation.id)


def assistant_conversation(db: Session, *, conversation_id: int) -> Conversation:
    """The conversation a customer has just written in, locked, for the assistant: it answers
    for the service (no reader), in a job queued by CustomerWrote."""
    return _locked_row(db, conversation_id=conversation_id)


def _locked_row(db: Session, *, conversation_id: int) -> Conversation:
    locked = db.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise NotFound("This conversation does not exist.", code="conversation_not_found")
    _held(db).add(locked.id)
    return locked


def remember(db: Session, *, conversation: Conversation, memory: Mapping[str, Any]) -> None:
    """Keep the assistant's memory of the conversation (a JSON-serialisable dict: the details
    collected, the topic, its unsure turns in a row); written with the next flush."""
    conversation.assistant_memory = dict(memory)


def post_message(
    db: Session,
    *,
    conversation: Conversation,
    author: str,
    text: str,
    author_id: int | None = None,
    article: Mapping[str, str] | None = None,
    data: Mapping[str, Any] | None = None,
    agent_lang: str | None = None,
) -> Message:
    """Store a message, redacted, with the next sequence number of its conversation.

    A customer's message that held a secret is followed by a warning, one quoting a number,
    link, address or handle by the official-channel checker's verdict; then CustomerWrote
    tells the assistant, which answers after commit. An agent's message that asks for a
    secret is refused."""
    if author not in AUTHORS:
        raise ValidationFailed("Unknown author.", field="author")
    text = text.strip()
    if not text and not data:
        raise ValidationFailed("Write a message first.", field="text")
    if len(text) > MAX_CHARS:
        raise TooLong(field="text", limit=MAX_CHARS)
    if author == "agent":
        kind = secret_asked(text)
        if kind is not None:
            raise MessageRefused(ASK_REFUSED[kind], field="text")
    conversation = lock(db, conversation=conversation)
    redaction = redact(text, lang=conversation.lang)
    reopened = author == "customer" and conversation.state == "closed"
    if reopened:
        _reopen(db, conversation=conversation)
    message = _append(
        db,
        conversation=conversation,
        author=author,
        text=redaction.text,
        author_id=author_id,
        article=article,
        data=data,
    )
    if author == "customer":
        _shield(db, conversation=conversation, hid_secret=bool(redaction.findings), text=text)
        if reopened and conversation.state == "queued":
            queue.place(db, conversation=conversation, post=system_message)
        conversation.customer_last_read_seq = conversation.last_seq
    elif author == "agent":
        conversation.agent_last_read_seq = conversation.last_seq
    _stored(db, conversation=conversation, message=message)
    if author == "customer":  # after the fan-out above: the message reaches screens first
        publish(
            db,
            CustomerWrote(
                conversation_id=conversation.id,
                seq=message.seq,
                text=message.text,
                lang=conversation.lang,
                state=conversation.state,
            ),
        )
    return message


def message_at(db: Session, *, conversation: Conversation, seq: int) -> Message | None:
    return db.scalar(
        select(Message).where(Message.conversation_id == conversation.id, Message.seq == seq)
    )


def _stored(db: Session, *, conversation: Conversation, message: Message) -> None:
    """Tell the live clients after commit, with the message itself (the usual case needs no
    read of the database)."""
    frame = message_out(message).model_dump(mode="json")
    publish(
        db,
        MessagesStored(
            conversation_id=conversation.id,
            last_seq=conversation.last_seq,
            message=json.dumps(frame, ensure_ascii=False),
        ),
    )


def reply_as_agent(
    db: Session,
    *,
    conversation: Conversation,
    agent: User,
    text: str,
    ip: str = "",
    data: Mapping[str, Any] | None = None,
) -> Message:
    """An agent answers; a conversation no one holds becomes theirs first (so the customer
    sees who joined), one held by another agent stays theirs. `data`: e.g. the file sent."""
    require_permission(agent, "conversation.work")
    if conversation.state == "closed":
        raise Conflict("This conversation has ended.", code="conversation_closed")
    if secret_asked(text) is None and conversation.assignee_id is None:
        assign(db, conversation=conversation, agent=agent, by=agent, ip=ip)
    message = post_message(
        db, conversation=conversation, author="agent", text=text, author_id=agent.id, data=data
    )
    _audit(db, agent, "conversation.reply", conversation, {"seq": message.seq}, ip)
    return message


def system_message(
    db: Session, *, conversation: Conversation, text: str, data: Mapping[str, Any] | None = None
) -> Message:
    """A message of the service itself, already in the conversation's language."""
    message = _append(db, conversation=conversation, author="system", text=text, data=data)
    _stored(db, conversation=conversation, message=message)
    return message


def _append(
    db: Session,
    *,
    conversation: Conversation,
    author: str,
    text: str,
    author_id: int | None = None,
    article: Mapping[str, str] | None = None,
    data: Mapping[str, Any] | None = None,
) -> Message:
    """Called with the conversation's row locked: the next number is this one's alone. Its
    author has read it (set here, so that one UPDATE of the conversation's row carries both)."""
    conversation.last_seq += 1
    conversation.updated_at = utcnow()
    if author == "customer":
        conversation.customer_last_read_seq = conversation.last_seq
    elif author == "agent":
        conversation.agent_last_read_seq = conversation.last_seq
    message = Message(
        conversation_id=conversation.id,
        seq=conversation.last_seq,
        author=author,
        author_id=author_id,
        text=text,
        article_slug=(article or {}).get("slug"),
        article_title=(article or {}).get("title"),
        data=dict(data) if data else None,
    )
    db.add(message)
    db.flush()
    return message


def _shield(db: Session, *, conversation: Conversation, hid_secret: bool, text: str) -> None:
    """The scam shield's answers to a customer's message, in the conversation's language."""
    _ = Translator(conversation.lang)
    if hid_secret:
        system_message(
            db, conversation=conversation, text=_(SECRET_WARNING), data={"kind": "warning"}
        )
    for value in quoted_values(redact(text, lang=conversation.lang).text):
        try:
            check = registry.check_value(db, value=value)
        except ValidationFailed:
            continue
        system_message(
            db,
            conversation=conversation,
            text=f"{value}: {registry.advice(check, _)}",
            data={"kind": "channel_check", "value": value, "official": check.official},
        )


def quoted_values(text: str) -> list[str]:
    """The numbers, links, addresses and handles quoted in `text` (redacted text: a hidden
    secret is never echoed), at most MAX_CHECKS, each once."""
    found: list[str] = []
    for match in _QUOTED.finditer(text):
        value = match.group(0).strip().rstrip(".,;:)")
        digits = re.sub(r"\D", "", value)
        if (value[0].isdigit() or value[0] == "+") and len(digits) < 7:
            continue
        if value not in found:
            found.append(value)
    return found[:MAX_CHECKS]


def _reopen(db: Session, *, conversation: Conversation) -> None:
    """A customer writes after the end: a conversation a person had answered goes back to
    the queue (they likely answer that person); otherwise the assistant takes it again."""
    had_person = conversation.assignee_id is not None
    conversation.closed_at = None
    conversation.assignee_id = None
    conversation.assigned_at = None
    conversation.state = "queued" if had_person else "assistant"
    if had_person:
        conversation.queued_at = utcnow()
    _changed(db, conversation)


def _changed(db: Session, conversation: Conversation) -> None:
    publish(
        db,
        ConversationChanged(
            conversation_id=conversation.id,
            state=conversation.state,
            assignee_id=conversation.assignee_id,
        ),
    )


def request_handover(
    db: Session,
    *,
    conversation: Conversation,
    reason: str,
    collected: Mapping[str, str] | None = None,
) -> Conversation:
    """A person is asked for: the least busy available agent who speaks the conversation's
    language takes it, or it waits in the queue and the customer is told their position.
    Outside support hours the customer is told when a person answers, and a case follows."""
    conversation = lock(db, conversation=conversation)
    if conversation.state in ("queued", "assigned"):
        return conversation
    conversation.handover_reason = reason[:32]
    if collected:
        memory = dict(conversation.assistant_memory or {})
        memory["collected"] = {**memory.get("collected", {}), **dict(collected)}
        conversation.assistant_memory = memory
    conversation.state = "queued"
    conversation.queued_at = utcnow()
    conversation.closed_at = None
    _changed(db, conversation)
    queue.place(db, conversation=conversation, post=system_message)
    return conversation


def assign(db: Session, *, conversation: Conversation, agent: User, by: User, ip: str = "") -> None:
    """`by` gives the conversation to `agent` (themself, picking it from the queue)."""
    require_permission(by, "conversation.work")
    require_permission(agent, "conversation.work")
    conversation = lock(db, conversation=conversation)
    if conversation.state == "closed":
        raise Conflict("This conversation has ended.", code="conversation_closed")
    queue.give(db, conversation=conversation, agent=agent, post=system_message)
    _audit(db, by, "conversation.assign", conversation, {"agent_id": agent.id}, ip)
    _changed(db, conversation)


def transfer(
    db: Session, *, conversation: Conversation, to_agent: User | None, by: User, ip: str = ""
) -> None:
    """To another agent, or (None) back to the queue, where the next available agent takes it."""
    require_permission(by, "conversation.work")
    conversation = lock(db, conversation=conversation)
    if conversation.state == "closed":
        raise Conflict("This conversation has ended.", code="conversation_closed")
    previous = conversation.assignee_id
    if to_agent is not None:
        require_permission(to_agent, "conversation.work")
        queue.give(db, conversation=conversation, agent=to_agent, post=system_message)
    else:
        conversation.assignee_id = None
        conversation.assigned_at = None
        conversation.state = "queued"
        conversation.queued_at = utcnow()
        queue.place(db, conversation=conversation, post=system_message, exclude=previous)
    details = {"from": previous, "to": to_agent.id if to_agent else None}
    _audit(db, by, "conversation.transfer", conversation, details, ip)
    _changed(db, conversation)
    queue.drain(db, post=system_message)


def close(db: Session, *, conversation: Conversation, by: User, ip: str = "") -> None:
    """End the conversation; the customer is told and may reopen it by writing again."""
    require_permission(by, "conversation.work")
    conversation = lock(db, conversation=conversation)
    if conversation.state == "closed":
        return
    conversation.state = "closed"
    conversation.closed_at = utcnow()
    _ = Translator(conversation.lang)
    system_message(db, conversation=conversation, text=_(CLOSED_NOTICE), data={"kind": "closed"})
    _audit(db, by, "conversation.close", conversation, {}, ip)
    _changed(db, conversation)
    queue.drain(db, post=system_message)


def set_presence(
    db: Session,
    *,
    agent: User,
    status: str,
    max_concurrent: int | None = None,
    languages: str | None = None,
    ip: str = "",
) -> None:
    """Available or away; becoming available takes waiting conversations at once."""
    require_permission(agent, "conversation.work")
    if status not in ("available", "away"):
        raise ValidationFailed("Choose available or away.", field="status")
    if max_concurrent is not None and not 1 <= max_concurrent <= 20:
        raise ValidationFailed("Between 1 and 20.", field="max_concurrent")
    presence = queue.presence_of(db, agent=agent)
    presence.status = status
    if max_concurrent is not None:
        presence.max_concurrent = max_concurrent
    if languages is not None:
        chosen = [lang for lang in LANGS if lang in languages.split(",")]
        if not chosen:
            raise ValidationFailed("Choose zh or en.", field="languages")
        presence.languages = ",".join(chosen)
    presence.updated_at = utcnow()
    db.flush()
    details = {"status": status, "max_concurrent": presence.max_concurrent}
    audit.record(
        db,
        actor_id=agent.id,
        action="conversation.presence",
        subject_type="user",
        subject_id=agent.id,
        details=details,
        ip=ip,
    )
    if status == "available":
        queue.drain(db, post=system_message)


def mark_read(db: Session, *, conversation: Conversation, reader: Reader, seq: int) -> int:
    """The reader's side has read up to `seq` (never backwards, never past the last)."""
    seq = max(0, min(seq, conversation.last_seq))
    if reader.is_agent:
        conversation.agent_last_read_seq = max(conversation.agent_last_read_seq, seq)
        return conversation.agent_last_read_seq
    conversation.customer_last_read_seq = max(conversation.customer_last_read_seq, seq)
    return conversation.customer_last_read_seq


def link_customer(db: Session, *, conversation: Conversation, customer: User) -> None:
    """A visitor signed in: the conversation becomes the customer's, the token stops counting."""
    if customer.is_staff:
        raise Forbidden("Conversations belong to customers.")
    if conversation.customer_id not in (None, customer.id):
        raise Conflict("This conversation belongs to someone else.")
    conversation.customer_id = customer.id
    conversation.visitor_token_hash = None
    db.flush()


def link_case(db: Session, *, conversation_id: int, case_id: int) -> None:
    """The case that follows this conversation up (set by cases when it opens one)."""
    conversation = db.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound()
    conversation.case_id = case_id
    db.flush()


def _audit(
    db: Session, by: User, action: str, conversation: Conversation, details: dict[str, Any], ip: str
) -> None:
    audit.record(
        db,
        actor_id=by.id,
        action=action,
        subject_type="conversation",
        subject_id=conversation.id,
        details=details,
        ip=ip,
    )


def transcript(db: Session, *, conversation_id: int) -> str:
    """The conversation as text, one message a line (redacted, as stored), for a case."""
    conversation = db.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound()
    lines = [
        f"[{m.created_at:%Y-%m-%d %H:%M} UTC] {m.author}: {m.text}"
        for m in messages_after(db, conversation=conversation)
    ]
    return "\n".join(lines)
