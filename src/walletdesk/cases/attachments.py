"""Case files: checking them by their content (never by the name or type the browser
declares), keeping them outside the web root under random names, and serving them.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session
from starlette.responses import FileResponse

from walletdesk.cases import events
from walletdesk.cases.models import Case, CaseAttachment, CaseMessage
from walletdesk.config import Settings
from walletdesk.errors import NotFound, ValidationFailed
from walletdesk.identity.models import User
from walletdesk.uploads import (  # noqa: F401 (the content checks are shared with chat files)
    ALLOWED,
    MAX_FILES,
    CheckedFile,
    Upload,
    inspect,
    safe_file_name,
    write_in_transaction,
)


def file_response(attachment: CaseAttachment, *, uploads_dir: Path) -> FileResponse:
    """The file as a download, for someone already allowed to read it. Images open in the
    browser; PDFs are saved, since a PDF viewer runs the document's scripts."""
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


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_path(uploads_dir: Path, stored_name: str) -> Path:
    return uploads_dir / "cases" / stored_name


def write_file(db: Session, *, uploads_dir: Path, data: bytes) -> str:
    """Write the bytes under a new random name and return it. The file is removed again if
    the transaction that was to refer to it rolls back."""
    stored_name = secrets.token_hex(16)
    write_in_transaction(db, path=stored_path(uploads_dir, stored_name), data=data)
    return stored_name


def check_files(files: Sequence[Upload], *, settings: Settings) -> list[CheckedFile]:
    """Every file checked, or the first problem; called before anything is written."""
    if len(files) > MAX_FILES:
        raise ValidationFailed(
            "Attach at most {n} files at a time.", field="attachments", n=MAX_FILES
        )
    return [inspect(f, max_bytes=settings.upload_max_bytes) for f in files]


def add_attachment(
    db: Session,
    *,
    case: Case,
    uploader: User,
    file: CheckedFile,
    settings: Settings,
    message: CaseMessage | None = None,
    ip: str = "",
) -> CaseAttachment:
    """Keep an already checked file (see `check_files`) on the case, or on one of its messages."""
    stored_name = write_file(db, uploads_dir=settings.uploads_dir, data=file.data)
    row = CaseAttachment(
        case_id=case.id,
        uploader_id=uploader.id,
        file_name=file.file_name,
        stored_name=stored_name,
        content_type=file.content_type,
        size_bytes=len(file.data),
        sha256=checksum(file.data),
    )
    if message is not None:
        message.attachments.append(row)
    db.add(row)
    db.flush()
    internal = message is not None and message.internal
    data = {"attachment_id": row.id, "name": row.file_name, "internal": internal}
    events.record(db, case=case, actor=uploader, type="attach", data=data, ip=ip)
    return row
