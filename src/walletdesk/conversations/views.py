"""Chat pages: the customer's chats in the portal (their transcripts, and the same live
component as the widget), and the widget's texts in the page's language for any site.
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import selectinload

from walletdesk.conversations import service
from walletdesk.conversations.models import Conversation
from walletdesk.i18n import N_, gettext
from walletdesk.web.deps import Context

router = APIRouter()
pages = APIRouter(include_in_schema=False)

# What the widget says, as msgids; the widget asks for them in the page's language.
WIDGET_TEXTS = {
    "open": N_("Chat with us"),
    "title": N_("WalletDesk support chat"),
    "close": N_("Close the chat"),
    "placeholder": N_("Type your message"),
    "send": N_("Send"),
    "person": N_("Talk to a person"),
    "typing": N_("Support is typing…"),
    "read": N_("Read"),
    "you": N_("You"),
    "assistant": N_("Assistant"),
    "agent": N_("Support"),
    "system": N_("Notice"),
    "article": N_("Help article"),
    "attach": N_("Send a file"),
    "file": N_("File"),
    "sending_file": N_("Sending the file…"),
    "queue": N_("You are number {position} in the queue. Estimated wait: about {minutes} min."),
    "queue_hours": N_(
        "You are number {position} in the queue. Estimated wait: about {hours} h {minutes} min."
    ),
    "assigned": N_("A member of our support team has joined."),
    "offline": N_("Connection lost. Reconnecting…"),
    "failed": N_("The message could not be sent. Please try again."),
    "closed": N_("This conversation has ended. Write again to reopen it."),
    "intro": N_(
        "Ask us anything about your wallet. Support never asks for your recovery phrase, "
        "private keys, card numbers or codes."
    ),
}

# A conversation's state in the customer's words.
STATES = {
    "assistant": N_("With the assistant"),
    "queued": N_("Waiting for a person"),
    "assigned": N_("With our support team"),
    "closed": N_("Ended"),
}


@router.get("/api/v1/chat/texts", tags=["conversations"])
def widget_texts(lang: str = Query("zh", pattern="^(zh|en)$")) -> JSONResponse:
    """The chat widget's texts in zh or en (the same for everyone: cacheable)."""
    texts = {key: gettext(lang, msgid) for key, msgid in WIDGET_TEXTS.items()}
    return JSONResponse(texts, headers={"Cache-Control": "public, max-age=300"})


@pages.get("/portal/chat")
def portal_chat(ctx: Context, id: int = Query(0, ge=0)) -> Response:
    """The customer's chats: the chosen one (or the newest) live, the others as links."""
    customer = ctx.require("customer")
    reader = service.Reader(user=customer)
    chats = list(
        ctx.db.scalars(
            service.readable_conversations(reader)
            .options(selectinload(Conversation.assignee))
            .order_by(Conversation.updated_at.desc())
            .limit(50)
        )
    )
    current = next((c for c in chats if c.id == id), chats[0] if chats else None)
    return ctx.render(
        "conversations/portal_chat.html", chats=chats, current=current, chat_states=STATES
    )


router.include_router(pages)
