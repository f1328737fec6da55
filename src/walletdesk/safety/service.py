"""What other domains call on the scam shield: text as it may be stored."""

from __future__ import annotations

from walletdesk.safety.redaction import Redaction, luhn_valid, redact

__all__ = ["Redaction", "luhn_valid", "redact", "redact_secrets"]


def redact_secrets(text: str, *, lang: str | None = None) -> str:
    """`text` with every secret a customer must never share replaced by a marker in `lang`
    (zh or en; by default the language the text is written in)."""
    return redact(text, lang=lang).text
