"""The customer's receive code as a QR image: an inline SVG (no script, no style attributes)
that any payment app's scanner reads, encoding the signed payload text.
"""

from __future__ import annotations

import segno
from markupsafe import Markup


def receive_qr_svg(payload: str, *, title: str) -> Markup:
    """The QR code of `payload` as inline SVG markup, titled for screen readers."""
    code = segno.make(payload, error="m")
    svg = code.svg_inline(scale=5, border=4, title=title, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 -- segno escapes the title; the rest is its own markup
