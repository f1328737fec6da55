"""Creating people, signing them in and out, and resolving sessions and API tokens.

Failed logins are throttled per address and lock the account for a while after repeated
failures. Functions flush, never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import (
    Conflict,
    Forbidden,
    Locked,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from walletdesk.identity.logins import normalize_email, normalize_login, normalize_phone
from walletdesk.identity.models import ROLES, AuthSession, LoginAttempt, User
from walletdesk.identity.passwords import check_new_password, hash_password, verify_password


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    db: Session,
    *,
    role: str,
    password: str,
    display_name: str,
    phone: str | None = None,
    email: str | None = None,
    lang: str = "zh",
) -> User:
    if role not in ROLES:
        raise ValidationFailed("Unknown role.", field="role")
    if role == "customer":
        phone, email = normalize_phone(phone or ""), None
    else:
        email, phone = normalize_email(email or ""), None
    login = phone or email or ""
    check_new_password(password, login=login)
    taken = select(User.id).where(User.phone == phone if phone else User.email == email)
    if db.scalar(taken) is not None:
        raise Conflict("This login is already registered.", field="phone" if phone else "email")
    user = User(
        role=role,
        phone=phone,
        email=email,
        display_name=display_name.strip()[:100] or login,
        password_hash=hash_password(password),
        lang=lang,
    )
    db.add(user)
    db.flush()
    return user


def find_by_login(db: Session, login: str) -> User | None:
    normalized = normalize_login(login)
    column = User.email if "@" in normalized else User.phone
    return db.scalar(select(User).where(column == normalized))


def authenticate(db: Session, *, settings: Settings, login: str, password: str, ip: str) -> User:
    """The user whose credentials these are, or Unauthorized / Locked / RateLimited.

    On failure the attempt and the failure count are flushed: the caller must commit them
    before letting the error end the request (see `sign_in` in the views and the API).
    """
    now = utcnow()
    recent = db.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.ip == ip,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.created_at > now - timedelta(minutes=1),
        )
    )
    if (recent or 0) >= settings.login_throttle_per_minute:
        raise RateLimited()
    try:
        user = find_by_login(db, login)
        key = normalize_login(login)
    except ValidationFailed:
        user, key = None, login.strip()[:254]
    if user is not None and user.locked_until and user.locked_until > now:
        db.add(LoginAttempt(login=key, ip=ip, succeeded=False))
        raise Locked(
            "Too many wrong passwords. This account is locked until {until}.",
            until=user.locked_until.strftime("%H:%M UTC"),
        )
    ok = verify_password(user.password_hash if user else None, password)
    db.add(LoginAttempt(login=key, ip=ip, succeeded=ok and user is not None))
    if user is None or not ok or not user.is_active:
        if user is not None and not ok:
            _count_failure(user, settings=settings)
        db.flush()
        raise Unauthorized("The login or password is wrong.", code="bad_credentials")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.flush()
    return user


def _count_failure(user: User, *, settings: Settings) -> None:
    user.failed_logins += 1
    if user.failed_logins >= settings.login_max_failures:
        user.locked_until = utcnow() + timedelta(minutes=settings.login_lock_minutes)
        user.failed_logins = 0


def start_session(
    db: Session, *, settings: Settings, user: User, kind: str, ip: str = "", user_agent: str = ""
) -> str:
    """Return a new random token; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    hours = settings.session_hours if kind == "web" else settings.api_token_hours
    db.add(
        AuthSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            kind=kind,
            expires_at=utcnow() + timedelta(hours=hours),
            ip=ip[:64],
            user_agent=user_agent[:255],
        )
    )
    db.flush()
    return token


def resolve_session(db: Session, *, token: str, kind: str) -> AuthSession | None:
    row = db.scalar(
        select(AuthSession).where(
            AuthSession.token_hash == _token_hash(token), AuthSession.kind == kind
        )
    )
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    if not row.user.is_active:
        return None
    return row


def end_session(db: Session, *, token: str) -> None:
    row = db.scalar(select(AuthSession).where(AuthSession.token_hash == _token_hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.flush()


def get_user(db: Session, *, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def list_staff(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.role != "customer").order_by(User.id)))


def require(user: User | None, *roles: str) -> User:
    """The signed-in user if they hold one of `roles` (empty: anyone signed in)."""
    if user is None:
        raise Unauthorized()
    if roles and not user.has_role(*roles):
        raise Forbidden()
    return user
