"""The assistant in a conversation: it answers each customer message while the conversation
is in its hands, and hands over to a person (after a short line saying so) when it should.

The answer is a job queued in the customer's transaction (assistant/jobs.py): the customer's
message is committed and delivered first, and an answer that fails is tried again, never lost.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from walletdesk.assistant import service
from walletdesk.assistant.messages import say
from walletdesk.conversations import service as conversations
from walletdesk.conversations.signals import CustomerWrote
from walletdesk.events import Phase
from walletdesk.events import subscribe as listen


def queue_answer(db: Session, event: CustomerWrote) -> None:
    """Called in the customer's transaction, after their message (redacted) was stored."""
    if event.state != "assistant":
        return
    from walletdesk.assistant.jobs import answer

    answer.enqueue(
        db,
        key=f"assistant:{event.conversation_id}:{event.seq}",
        conversation_id=event.conversation_id,
        seq=event.seq,
    )


def answer_message(db: Session, *, conversation_id: int, seq: int) -> None:
    """The assistant's answer to the customer's message `seq`, while the conversation is
    still in its hands (a person may have taken it meanwhile: then it says nothing)."""
    conversation = conversations.assistant_conversation(db, conversation_id=conversation_id)
    if conversation.state != "assistant":
        return
    message = conversations.message_at(db, conversation=conversation, seq=seq)
    if message is None or message.author != "customer":
        return
    if _only_a_file(message.data, message.text):
        # A screenshot without a question: nothing to search for, and not a turn it missed.
        conversations.post_message(
            db,
            conversation=conversation,
            author="assistant",
            text=say("file_received", conversation.lang),
        )
        return
    reply = service.reply(
        db,
        text=message.text,
        lang=conversation.lang,
        memory=dict(conversation.assistant_memory or {}),
        customer_id=conversation.customer_id,
    )
    article = {"slug": reply.article[0], "title": reply.article[1]} if reply.article else None
    # Kept first: the message's own write of the conversation's row carries it (one UPDATE).
    conversations.remember(db, conversation=conversation, memory=reply.memory)
    conversations.post_message(
        db,
        conversation=conversation,
        author="assistant",
        text=reply.text,
        article=article,
        data=reply.data,
    )
    if reply.kind == "handover" and reply.handover_reason is not None:
        conversations.request_handover(
            db, conversation=conversation, reason=reply.handover_reason, collected=reply.collected
        )


def _only_a_file(data: dict[str, object] | None, text: str) -> bool:
    """A file sent with no words of the customer's (its caption is then its own name)."""
    if not data or data.get("kind") != "attachment":
        return False
    files = data.get("attachments")
    names = (
        {str(f.get("name")) for f in files if isinstance(f, dict)}
        if isinstance(files, list)
        else set()
    )
    return text.strip() in names


def subscribe() -> None:
    listen(CustomerWrote, queue_answer, phase=Phase.IN_TRANSACTION)
