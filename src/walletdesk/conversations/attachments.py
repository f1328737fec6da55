"""Files sent in a conversation: the same content checks as case files (walletdesk.uploads),
kept outside the web root under random names, each shown as a message that refers to it.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import FileResponse

from walletdesk.config import Settings
from walletdesk.conversations import service
from walletdesk.conversations.models import Conversation, ConversationAttachment, Message
from walletdesk.errors import NotFound
from walletdesk.identity.models import User
from walletdesk.uploads import Upload, inspect, write_in_transaction


def stored_path(uploads_dir: Path, stored_name: str) -> Path:
    return uploads_dir / "chat" / stored_name


def send_file(
    db: Session,
    *,
    conversation: Conversation,
    sender: User | None,
    upload: Upload,
    text: str,
    settings: Settings,
) -> Message:
    """A checked file as a message of the customer (or visitor), or of an agent when the
    sender is staff; its caption passes the same redaction as any message."""
    checked = inspect(upload, max_bytes=settings.upload_max_bytes)
    stored_name = secrets.token_hex(16)
    write_in_transaction(db, path=stored_path(settings.uploads_dir, stored_name), data=checked.data)
    row = ConversationAttachment(
        conversation_id=conversation.id,
        file_name=checked.file_name,
        stored_name=stored_name,
        content_type=checked.content_type,
        size_bytes=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
    )
    db.add(row)
    db.flush()
    described = {
        "id": row.id,
        "name": row.file_name,
        "content_type": row.content_type,
        "size": row.size_bytes,
        "url": f"/api/v1/conversations/{conversation.id}/attachments/{row.id}",
    }
    data = {"kind": "attachment", "attachments": [described]}
    caption = text.strip() or row.file_name
    if sender is not None and sender.is_staff:
        # With its file from the start: the live frame the customer receives carries it.
        message = service.reply_as_agent(
            db, conversation=conversation, agent=sender, text=caption, data=data
        )
    else:
        message = service.post_message(
            db,
            conversation=conversation,
            author="customer",
            text=caption,
            author_id=sender.id if sender else None,
            data=data,
        )
    row.message_id = message.id
    db.flush()
    return message


def readable_file(
    db: Session, *, conversation: Conversation, attachment_id: int
) -> ConversationAttachment:
    """A file of a conversation the caller may already read."""
    found = db.scalar(
        select(ConversationAttachment).where(
            ConversationAttachment.id == attachment_id,
            ConversationAttachment.conversation_id == conversation.id,
        )
    )
    if found is None:
        raise NotFound()
    return found


def file_response(attachment: ConversationAttachment, *, uploads_dir: Path) -> FileResponse:
    """Images open in the browser; PDFs are saved (a PDF viewer runs the document's scripts)."""
    path = stored_path(uploads_dir, attachment.stored_name)
    if not path.is_file():
        raise NotFound()
    disposition = "inline" if attachment.content_type.startswith("image/") else "attachment"
    return FileResponse(
        path,
        media_type=attachment.content_type,
        filename=attachment.file_name,
        content_disposition_type=disposition,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        },
    )
