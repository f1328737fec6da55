"""Case files: checking them by their content (never by the name or type the browser
declares), keeping them outside the web root under random names, and serving them.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image
from sqlalchemy.orm import Session
from starlette.responses import FileResponse

from walletdesk.cases import events
from walletdesk.cases.models import Case, CaseAttachment, CaseMessage
from walletdesk.config import Settings
from walletdesk.errors import NotFound, TooLarge, ValidationFailed
from walletdesk.identity.models import User
from walletdesk.uploads import write_in_transaction

# What customers may send: screenshots and documents. Detected type → usual extensions.
ALLOWED: dict[str, tuple[str, ...]] = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}
MAX_FILES = 5
MAX_PIXELS = 50_000_000  # a larger "screenshot" is a decompression bomb, not a screenshot
_UNSAFE_NAME_CHARS = set('<>:"/\\|?*')


@dataclass(frozen=True)
class Upload:
    """A file as received. `data` holds at most max_bytes + 1 bytes, so size can be judged."""

    name: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    file_name: str
    content_type: str
    data: bytes


def inspect(upload: Upload, *, max_bytes: int) -> CheckedFile:
    """The file with its real type and a safe name, or TooLarge / ValidationFailed."""
    name = safe_file_name(upload.name)
    if len(upload.data) > max_bytes:
        raise TooLarge(
            "{name} is larger than {limit} MB.",
            field="attachments",
            name=name,
            limit=round(max_bytes / 1024 / 1024, 1),
        )
    if not upload.data:
        raise ValidationFailed("{name} is empty.", field="attachments", name=name)
    kind = filetype.guess(upload.data)
    if kind is None or kind.mime not in ALLOWED:
        raise ValidationFailed(
            "{name} is not a file type we accept. Send PNG, JPEG, GIF, WebP or PDF files.",
            field="attachments",
            code="file_type",
            name=name,
        )
    if kind.mime.startswith("image/"):
        _check_image(upload.data, name=name)
    return CheckedFile(_with_extension(name, kind.mime), kind.mime, upload.data)


def _check_image(data: bytes, *, name: str) -> None:
    """Decode the image fully: a file that only starts like a PNG is refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValueError("too many pixels")
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except Exception as exc:  # Pillow raises many kinds for broken or hostile files
        raise ValidationFailed(
            "{name} could not be read as an image.",
            field="attachments",
            code="bad_image",
            name=name,
        ) from exc


def safe_file_name(name: str) -> str:
    """The last path part, without control or reserved characters, at most 120 characters."""
    base = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(
        ch for ch in base if ch not in _UNSAFE_NAME_CHARS and unicodedata.category(ch)[0] != "C"
    ).strip(" .")
    if not cleaned:
        return "attachment"
    stem, dot, ext = cleaned.rpartition(".")
    if dot and len(ext) <= 10:
        return stem[: 120 - len(ext) - 1] + "." + ext
    return cleaned[:120]


def _with_extension(name: str, mime: str) -> str:
    """The name ends in an extension of the detected type, so a saved file opens as what it is."""
    extensions = ALLOWED[mime]
    if name.lower().endswith(extensions):
        return name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem[:110] + extensions[0]


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
