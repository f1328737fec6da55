"""API shapes of identity: tokens, registration and recovery by SMS code, security settings
and real-name verification."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class TokenRequest(BaseModel):
    login: str = Field(
        min_length=1, max_length=254, description="Phone number (customers) or email (staff)"
    )
    password: str = Field(min_length=1, max_length=256)
    otp: str | None = Field(
        default=None,
        max_length=40,
        description="Authenticator-app code or a backup code, for people with two-step "
        "verification (401 otp_required when missing)",
    )


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


class Me(BaseModel):
    id: int
    role: str
    display_name: str
    login: str
    lang: str


class PhoneRequest(BaseModel):
    phone: str = Field(min_length=1, max_length=40)


class CodeSent(BaseModel):
    message: str = Field(
        description="Says a code was sent without saying whether the phone is registered"
    )
    resend_after: int = Field(description="Seconds before another code may be asked for")


class RegisterRequest(BaseModel):
    phone: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=20)
    password: str = Field(min_length=1, max_length=1000)
    display_name: str = Field(default="", max_length=100)


class CodeAndPassword(BaseModel):
    phone: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=20)
    password: str = Field(min_length=1, max_length=1000)


class UnlockRequest(CodeAndPassword):
    # Required after a lock for theft: the old password may be the thief's.
    new_password: str = Field(default="", max_length=1000)


class Unlocked(BaseModel):
    locked_at: datetime | None  # None when the lock was the delay after wrong passwords
    reason: str
    password_changed: bool = False


class ReauthRequest(BaseModel):
    password: str = Field(min_length=1, max_length=1000)
    otp: str | None = Field(default=None, max_length=40)


class NewPassword(BaseModel):
    password: str = Field(min_length=1, max_length=1000)


class PhoneChange(BaseModel):
    phone: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=20)


class TotpSetup(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str = Field(description="The QR code as an SVG data: URI")


class OtpRequest(BaseModel):
    otp: str = Field(min_length=1, max_length=20)


class BackupCodes(BaseModel):
    backup_codes: list[str]


class DeviceOut(BaseModel):
    id: int
    label: str
    location: str
    ip: str
    last_seen_at: datetime
    active_sessions: int
    current: bool


class EventOut(BaseModel):
    kind: str
    text: str
    at: datetime
    ip: str
    device: str


class AlertOut(BaseModel):
    id: int
    kind: str
    text: str
    created_at: datetime
    read: bool


class SecurityOverview(BaseModel):
    phone: str = Field(description="Masked")
    two_step_enabled: bool
    backup_codes_left: int
    recently_authenticated: bool
    transaction_alerts: bool
    kyc_level: str
    unread_alerts: int


class Preferences(BaseModel):
    transaction_alerts: bool


class LockRequest(BaseModel):
    reason: str = Field(default="", max_length=200)
    # The account or phone is in someone else's hands: staff review it with priority, and
    # unlocking asks for a new password.
    stolen: bool = False


class KycSubmissionOut(BaseModel):
    id: int
    user_id: int
    level: str
    status: str
    reason: str
    real_name: str
    id_type: str
    id_number: str = Field(description="Masked")
    submitted_at: datetime
    reviewed_at: datetime | None


class KycStatus(BaseModel):
    level: str
    submissions: list[KycSubmissionOut]


class KycDecision(BaseModel):
    approve: bool
    reason: str = Field(default="", max_length=500)
