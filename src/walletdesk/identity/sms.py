"""Sending SMS through a provider: the sandbox (an outbox table developers and tests read) or
an HTTP provider speaking Twilio's Messages API. Chosen by settings, same interface. The HTTP
provider is called by a queued job (identity/jobs.py): retried until it answers, never lost.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.config import Settings
from walletdesk.identity.models import SmsOutboxMessage


class SmsDeliveryFailed(Exception):
    """The provider refused or could not be reached; the message was not sent."""


@dataclass(frozen=True)
class SmsConfig:
    """The SMS settings of one installation."""

    provider: str = "sandbox"  # sandbox | http
    http_url: str = "https://api.twilio.com"
    http_account: str = ""
    http_token: str = ""
    sender: str = ""
    outbox_visible: bool = False

    @classmethod
    def of(cls, settings: Settings) -> SmsConfig:
        visible = settings.sms_outbox_visible
        if visible is None:  # on for the demo's SQLite, off on a real database
            visible = settings.db_url.startswith("sqlite")
        return cls(
            provider=settings.sms_provider or "sandbox",
            http_url=settings.sms_http_url,
            http_account=settings.sms_http_account,
            http_token=settings.sms_http_token,
            sender=settings.sms_sender or settings.brand,
            outbox_visible=visible,
        )


class SmsProvider(Protocol):
    def submit(self, db: Session, *, to: str, body: str, kind: str) -> None:
        """Send `body` to `to` as part of the caller's transaction (dropped on rollback)."""


class SandboxSms:
    """Sends nothing: the message lands in the sms_outbox table, in the same transaction."""

    def submit(self, db: Session, *, to: str, body: str, kind: str) -> None:
        db.add(SmsOutboxMessage(to_phone=to, kind=kind, body=body[:480]))
        db.flush()


class HttpSms:
    """Twilio's Messages API: a form POST with basic auth, answered with the message's sid."""

    def __init__(
        self, *, base_url: str, account: str, token: str, sender: str, timeout: float = 10.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.account = account
        self.token = token
        self.sender = sender
        self.timeout = timeout

    def submit(self, db: Session, *, to: str, body: str, kind: str) -> None:
        """Queue the message in the caller's transaction: a rolled-back request texts no one,
        a committed one texts once, retried while the provider is away."""
        from walletdesk.identity.jobs import deliver_sms  # it builds this class

        # Each call is one message: its key is its own (phone's last digits for the admins).
        key = f"sms:{kind}:{to[-4:]}:{secrets.token_hex(8)}"
        deliver_sms.enqueue(db, key=key, to=to, body=body, kind=kind)

    def deliver(self, *, to: str, body: str) -> str:
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account}/Messages.json"
        try:
            response = httpx.post(
                url,
                data={"To": to, "From": self.sender, "Body": body},
                auth=(self.account, self.token),
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise SmsDeliveryFailed(str(exc)) from exc
        if response.status_code >= 300:
            raise SmsDeliveryFailed(f"{response.status_code}: {_error_text(response)}")
        payload: dict[str, Any] = response.json()
        return str(payload.get("sid", ""))


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:200]
    except ValueError:
        return response.text[:200]


def provider_for(settings: Settings) -> SmsProvider:
    config = SmsConfig.of(settings)
    if config.provider == "http":
        return HttpSms(
            base_url=config.http_url,
            account=config.http_account,
            token=config.http_token,
            sender=config.sender,
        )
    return SandboxSms()


def send_sms(db: Session, *, settings: Settings, to: str, body: str, kind: str) -> None:
    provider_for(settings).submit(db, to=to, body=body, kind=kind)


def outbox(db: Session, *, phone: str | None = None, limit: int = 50) -> list[SmsOutboxMessage]:
    """The sandbox's sent messages, newest first."""
    query = select(SmsOutboxMessage).order_by(SmsOutboxMessage.id.desc()).limit(limit)
    if phone:
        query = query.where(SmsOutboxMessage.to_phone == phone)
    return list(db.scalars(query))
