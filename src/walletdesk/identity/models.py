"""People and their sign-in and security state: customers, staff, sessions, login attempts,
SMS codes, two-step verification, devices, security events and alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walletdesk.db import Base, UTCDateTime, utcnow

ROLES = ("customer", "agent", "supervisor", "admin")
STAFF_ROLES = ("agent", "supervisor", "admin")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # lower case
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Locked by the customer themself ("lock my account"): no sign-in, no money movement.
    self_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    self_lock_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The customer said the account (or phone) was stolen: unlocking asks for a new password.
    self_lock_stolen: Mapped[bool] = mapped_column(default=False, server_default=false())
    kyc_level: Mapped[str] = mapped_column(
        String(16), default="unverified", server_default="unverified"
    )
    transaction_alerts: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Support waived this customer's withdrawal and transfer fees until then (see wallet.fees).
    fee_waiver_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def login(self) -> str:
        return self.phone or self.email or ""

    def has_role(self, *roles: str) -> bool:
        """Staff roles are cumulative: an admin can do what a supervisor and an agent can."""
        if self.role in roles:
            return True
        if self.role == "admin":
            return any(r in STAFF_ROLES for r in roles)
        if self.role == "supervisor":
            return "agent" in roles
        return False


class AuthSession(Base):
    """A signed-in browser (kind web) or an API bearer token (kind api).

    Only the token's SHA-256 is kept, so a leaked table does not leak sessions.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    # When the holder last re-entered their password (and code): gates sensitive changes.
    reauth_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the holder last confirmed money leaving the wallet with a step-up code.
    step_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), index=True
    )

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_ip_created", "ip", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginGuard(Base):
    """Wrong passwords (and codes) for one login, known or not: counted atomically, and after
    too many, password checks pause until `delayed_until` (a growing delay)."""

    __tablename__ = "login_guards"

    login: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delayed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SmsCode(Base):
    """A one-time code sent by SMS (or a decoy when the phone must not be revealed).

    Only an HMAC of the code is kept; the newest code of a phone and purpose is the live one.
    """

    __tablename__ = "sms_codes"
    __table_args__ = (Index("ix_sms_codes_phone_created", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="", index=True)
    failed_tries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SmsOutboxMessage(Base):
    """What the sandbox SMS provider "sent": readable by developers and tests, never real."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_phone: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(String(480))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TotpCredential(Base):
    """The authenticator-app secret of one person; active once confirmed with a code."""

    __tablename__ = "totp_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The 30-second step of the last accepted code: a code is never accepted twice.
    last_step: Mapped[int] = mapped_column(default=0)


class BackupCode(Base):
    __tablename__ = "backup_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Device(Base):
    """A browser or app a person signed in from, known by a cookie or the API's device id."""

    __tablename__ = "devices"
    __table_args__ = (Index("ix_devices_user_key", "user_id", "key_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_ip: Mapped[str] = mapped_column(String(64), default="")
    last_location: Mapped[str] = mapped_column(String(16), default="unknown")


class SecurityEvent(Base):
    """A customer's own security change or sign-in, for them and (later) agents to see."""

    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    device: Mapped[str] = mapped_column(String(100), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SecurityAlert(Base):
    """A notice shown on the customer's security page (new sign-in, verification result)."""

    __tablename__ = "security_alerts"
    __table_args__ = (Index("ix_security_alerts_user_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Registers the real-name verification tables with the same metadata.
from walletdesk.identity import kyc_models  # noqa: E402, F401
