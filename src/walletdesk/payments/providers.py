"""The payment-provider interface and its HTTP client for the sandbox (which speaks the same
protocol a real provider adapter would): create a charge or a payout, get a reference back.

Each method (bank card, credit card, payment app, crypto) has a provider named after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx

from walletdesk.payments.settings import PaymentSettings

PROVIDERS = ("bank_card", "credit_card", "payment_app", "crypto")


@dataclass(frozen=True)
class ProviderAnswer:
    """What the provider said: accepted with a reference, failed with a code, or no answer."""

    outcome: str  # "accepted" | "failed" | "timeout"
    provider_ref: str | None = None
    failure_code: str | None = None


class Provider(Protocol):
    name: str

    def create_charge(self, *, request: PaymentRequest) -> ProviderAnswer: ...

    def create_payout(self, *, request: PaymentRequest) -> ProviderAnswer: ...


@dataclass(frozen=True)
class PaymentRequest:
    reference: str  # our transaction's public id; also the provider-side idempotency key
    amount_minor: int
    currency: str
    instrument: str  # masked card number, payment-app account or crypto address
    notify_url: str


class HttpProvider:
    """A provider reached over HTTP at `base_url/<name>/...`."""

    def __init__(self, name: str, psettings: PaymentSettings) -> None:
        self.name = name
        self.base_url = psettings.sandbox_url.rstrip("/")
        self.timeout = psettings.http_timeout_seconds

    def create_charge(self, *, request: PaymentRequest) -> ProviderAnswer:
        return self._call("charges", request)

    def create_payout(self, *, request: PaymentRequest) -> ProviderAnswer:
        return self._call("payouts", request)

    def _call(self, what: str, request: PaymentRequest) -> ProviderAnswer:
        body = {
            "reference": request.reference,
            "amount_minor": request.amount_minor,
            "currency": request.currency,
            "instrument": request.instrument,
            "notify_url": request.notify_url,
        }
        try:
            response = httpx.post(
                f"{self.base_url}/{self.name}/{what}",
                json=body,
                headers={"Idempotency-Key": request.reference},
                timeout=self.timeout,
            )
        except httpx.TimeoutException:
            return ProviderAnswer("timeout")
        except httpx.TransportError:
            return ProviderAnswer("failed", failure_code="provider_outage")
        if response.status_code >= 500:
            return ProviderAnswer("failed", failure_code="provider_outage")
        try:
            data = response.json()
            if response.status_code >= 400:
                code = str(data.get("code") or "rejected")[:32]
                return ProviderAnswer("failed", failure_code=code)
            return ProviderAnswer("accepted", provider_ref=str(data["provider_ref"])[:64])
        except (ValueError, KeyError, AttributeError):
            # An answer we cannot read: the charge may exist, so treat it like no answer.
            return ProviderAnswer("timeout")


def provider_for(method: str, psettings: PaymentSettings) -> Provider:
    if method not in PROVIDERS:
        raise ValueError(f"no provider for {method}")
    return HttpProvider(method, psettings)


def notify_url(psettings: PaymentSettings, provider: str) -> str:
    return f"{psettings.webhook_base_url}/api/v1/payments/webhooks/{provider}"
