"""The assistant in a conversation: it answers each customer message while the conversation
is in its hands, and hands over to a person (after a short line saying so) when it should.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from walletdesk.assistant import service
from walletdesk.conversations import service as conversations
from walletdesk.conversations.signals import CustomerWrote
from walletdesk.events import Phase
from walletdesk.events import subscribe as listen


def answer(db: Session, event: CustomerWrote) -> None:
    """Called in the customer's transaction, after their message (redacted) was stored."""
    if event.state != "assistant":
        return
    conversation = conversations.assistant_conversation(db, conversation_id=event.conversation_id)
    if conversation.state != "assistant":
        return
    reply = service.reply(
        db,
        text=event.text,
        lang=conversation.lang,
        memory=dict(conversation.assistant_memory or {}),
        customer_id=conversation.customer_id,
    )
    article = {"slug": reply.article[0], "title": reply.article[1]} if reply.article else None
    conversations.post_message(
        db,
        conversation=conversation,
        author="assistant",
        text=reply.text,
        article=article,
        data=reply.data,
    )
    conversations.remember(db, conversation=conversation, memory=reply.memory)
    if reply.kind == "handover" and reply.handover_reason is not None:
        conversations.request_handover(
            db, conversation=conversation, reason=reply.handover_reason, collected=reply.collected
        )


def subscribe() -> None:
    listen(CustomerWrote, answer, phase=Phase.IN_TRANSACTION)
