"""The access log never holds a secret: uvicorn logs each request's path and query, and a
card number or code typed into a query string would land there. The URL is logged redacted.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

from walletdesk.safety.redaction import redact

ACCESS_LOGGER = "uvicorn.access"


def redact_url(url: str) -> str:
    """The URL as logged: unchanged when it holds no secret, else decoded with each secret
    replaced by its marker (in English: logs are read by operators)."""
    decoded = unquote_plus(url)
    result = redact(decoded, lang="en")
    return result.text if result.findings else url


class RedactingAccessFilter(logging.Filter):
    """Rewrites the path of uvicorn's access records: ('client', 'GET', '/path?q', '1.1', 200)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_url(args[2]), *args[3:])
        return True


def install_access_log_filter() -> None:
    """Once per process, whoever serves the app (the CLI, uvicorn, gunicorn's uvicorn worker)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactingAccessFilter) for f in logger.filters):
        logger.addFilter(RedactingAccessFilter())
