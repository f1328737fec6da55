"""Files customers send (case and chat attachments): checked by their content, never by the
name or type the browser declares, and written beside the transaction that records them.

A file written during a transaction is kept when it commits and deleted when it rolls back,
so a failed request never leaves an orphan upload behind.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image
from sqlalchemy import event
from sqlalchemy.orm import Session

from walletdesk.errors import TooLarge, ValidationFailed

_WRITTEN = "walletdesk.uploads.written"


def write_in_transaction(db: Session, *, path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `data` at `path` atomically (via a .part file) and tie it to `db`'s transaction."""
    db.connection()  # begin the transaction now, so that its end is seen even if nothing else ran
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.chmod(mode)
    partial.replace(path)
    _written_in(db).append(path)


def _written_in(db: Session) -> list[Path]:
    written: list[Path] | None = db.info.get(_WRITTEN)
    if written is None:
        written = db.info[_WRITTEN] = []

        def kept(_session: Session) -> None:
            written.clear()

        def dropped(_session: Session, _previous: object) -> None:
            for path in written:
                path.unlink(missing_ok=True)
            written.clear()

        event.listen(db, "after_commit", kept)
        event.listen(db, "after_soft_rollback", dropped)
    return written


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
