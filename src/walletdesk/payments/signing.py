"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<raw body>" with the shared secret.

The provider signs; walletdesk verifies and refuses a signature older than the allowed age.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Payments-Timestamp"
SIGNATURE_HEADER = "X-Payments-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(secret, body, stamp),
    }


def verify(
    secret: str, body: bytes, *, timestamp: str, signature: str, max_age: int, now: float
) -> bool:
    """Whether the signature matches and the timestamp is within `max_age` seconds of now."""
    if not timestamp.isdigit() or not signature:
        return False
    if abs(now - int(timestamp)) > max_age:
        return False
    return hmac.compare_digest(sign(secret, body, int(timestamp)), signature)
