"""Real pictures for upload tests: the uploads are checked by their content, so a test file
must be a PNG that decodes."""

from __future__ import annotations

import io

from PIL import Image


def png_bytes(
    width: int = 64, height: int = 40, color: str | tuple[int, int, int] = "red"
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()
