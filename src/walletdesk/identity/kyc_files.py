"""Identity-document images: checked by content (filetype, then Pillow decodes them), cleaned
of metadata such as GPS position, and kept outside the web root under uploads/kyc.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from pathlib import Path

import filetype
from PIL import Image, ImageOps
from sqlalchemy.orm import Session

from walletdesk.config import Settings
from walletdesk.errors import TooLarge, ValidationFailed
from walletdesk.uploads import write_in_transaction

IMAGE_TYPES = {
    "image/jpeg": ("jpg", "JPEG"),
    "image/png": ("png", "PNG"),
    "image/webp": ("webp", "WEBP"),
}
MAX_PIXELS = 40_000_000
_STORED = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


def checked_image(data: bytes, *, field: str, max_bytes: int) -> tuple[bytes, str]:
    """(clean bytes, content type) of an uploaded photo, or ValidationFailed / TooLarge."""
    if not data:
        raise ValidationFailed("Choose a photo to upload.", field=field)
    if len(data) > max_bytes:
        raise TooLarge(
            "The file is too large. The limit is {mb} MB.", field=field, mb=max_bytes // 2**20
        )
    kind = filetype.guess(data)  # by content: the name and the browser's type can lie
    if kind is None or kind.mime not in IMAGE_TYPES:
        raise ValidationFailed("Upload a photo in JPEG, PNG or WebP format.", field=field)
    try:
        return _clean(data, kind.mime), kind.mime
    except Exception as exc:  # Pillow raises many kinds for broken or hostile files
        raise ValidationFailed("This photo is damaged or not a real picture.", field=field) from exc


def _clean(data: bytes, mime: str) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ValueError("too many pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep the orientation, drop the rest
            if IMAGE_TYPES[mime][1] == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, format=IMAGE_TYPES[mime][1])
    return out.getvalue()


def kyc_dir(settings: Settings) -> Path:
    folder = settings.uploads_dir / "kyc"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def store(db: Session, *, settings: Settings, data: bytes, mime: str) -> str:
    """Write the file under a random name and return the name. The file is removed again if
    the transaction that was to refer to it rolls back."""
    name = f"{secrets.token_hex(16)}.{IMAGE_TYPES[mime][0]}"
    write_in_transaction(db, path=kyc_dir(settings) / name, data=data)
    return name


def path_of(settings: Settings, stored_name: str) -> Path:
    if not _STORED.match(stored_name):  # never a path a row could steer elsewhere
        raise ValueError(stored_name)
    return kyc_dir(settings) / stored_name
