"""What the payments package reads from Settings: the sandbox's address, the webhook secret,
the withdrawal review threshold, the rate table and the timings.

The fields are WALLETDESK_PAYMENTS_* and friends in config.py.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from decimal import Decimal

from walletdesk.config import Settings


@dataclass(frozen=True)
class PaymentSettings:
    sandbox_url: str = "http://127.0.0.1:8900"
    webhook_secret: str = ""
    webhook_base_url: str = "http://127.0.0.1:8000"  # where the provider posts webhooks
    http_timeout_seconds: float = 10.0
    webhook_max_age_seconds: int = 300
    review_threshold_cny: int = 50_000  # CNY-equivalent, major units
    deposit_confirm_timeout_seconds: int = 24 * 3600
    rates: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: Settings) -> PaymentSettings:
        return cls(
            sandbox_url=settings.payments_sandbox_url,
            webhook_secret=settings.payments_webhook_secret or _derived_secret(settings),
            webhook_base_url=(settings.payments_webhook_base_url or settings.base_url).rstrip("/"),
            http_timeout_seconds=settings.payments_http_timeout_seconds,
            webhook_max_age_seconds=settings.payments_webhook_max_age_seconds,
            review_threshold_cny=settings.withdrawal_review_threshold_cny,
            deposit_confirm_timeout_seconds=settings.deposit_confirm_timeout,
            rates=settings.cny_rates(),
        )


def _derived_secret(settings: Settings) -> str:
    """Without a configured secret, one derived from the app's signing key: the sandbox started
    by `walletdesk simulate payments` with the same settings derives the same one."""
    key = settings.signing_key()
    return hmac.new(key.encode(), b"payments-webhook", hashlib.sha256).hexdigest()
