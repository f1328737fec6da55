"""The wallet's own domain errors (the generic ones live in walletdesk.errors)."""

from __future__ import annotations

from walletdesk.errors import DomainError


class InsufficientFunds(DomainError):
    """The available balance (balance minus active holds) does not cover the debit."""

    status = 409
    code = "insufficient_funds"
    default_message = "Insufficient available balance."
