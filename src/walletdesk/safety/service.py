"""What other domains call on the scam shield: text as it may be stored."""

from __future__ import annotations

from walletdesk.safety.redaction import Redaction, luhn_valid, redact

__all__ = ["Redaction", "luhn_valid", "redact", "redact_secrets"]


def redact_secrets(text: str) -> str:
    """`text` with every secret a customer must never share replaced by a bilingual marker."""
    return redact(text).text
