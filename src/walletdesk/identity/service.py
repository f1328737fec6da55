"""Creating people, signing them in (password, then the two-step code when they use one) and
out, resolving sessions and API tokens, and re-authentication before sensitive changes.

Failed logins are throttled per address, and per login (see `attempts`) they pause further
checks for a growing delay; a customer's own lock ("lock my account") leaves them a session
that reaches support only, until they unlock it.
Functions flush, never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from walletdesk.config import Settings, service_settings
from walletdesk.db import utcnow
from walletdesk.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from walletdesk.identity import attempts, totp
from walletdesk.identity.logins import mask_phone, normalize_email, normalize_login, normalize_phone
from walletdesk.identity.models import ROLES, AuthSession, LoginAttempt, User
from walletdesk.identity.passwords import (
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)

REAUTH_WINDOW = timedelta(minutes=5)
SECOND_STEP_WINDOW = timedelta(minutes=5)


# What a self-locked customer's session reaches: their cases, the help center, signing out
# and unlocking. Everything else (money, security settings) answers AccountLocked.
SUPPORT_PATHS = (
    "/portal",
    "/cases/",
    "/help",
    "/account/unlock",
    "/logout",
    "/api/v1/cases",
    "/api/v1/help",
    "/api/v1/auth/me",
    "/api/v1/auth/logout",
    "/api/v1/auth/unlock",
)


class AccountLocked(Forbidden):
    code = "account_locked"
    default_message = (
        "Your account is locked, so this is not available. You can still contact support and "
        "follow your cases. To unlock it, use “Unlock my account” with an SMS code."
    )


class ReauthRequired(Forbidden):
    code = "reauth_required"
    default_message = "For your security, please enter your password again to continue."


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
    check_new_password(password, login=login, name=display_name)
    taken = select(User.id).where(User.phone == phone if phone else User.email == email)
    if db.scalar(taken) is not None:
        raise Conflict("This login is already registered.", field="phone" if phone else "email")
    user = User(
        role=role,
        phone=phone,
        email=email,
        display_name=display_name.strip()[:100] or login,
        password_hash=hash_password(password, settings=service_settings(db)),
        lang=lang,
    )
    db.add(user)
    db.flush()
    return user


def find_by_login(db: Session, login: str) -> User | None:
    normalized = normalize_login(login)
    column = User.email if "@" in normalized else User.phone
    return db.scalar(select(User).where(column == normalized))


def _throttle(db: Session, *, settings: Settings, ip: str) -> None:
    recent = db.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.ip == ip,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.created_at > utcnow() - timedelta(minutes=1),
        )
    )
    if (recent or 0) >= settings.login_throttle_per_minute:
        raise RateLimited()


def check_password(db: Session, *, settings: Settings, login: str, password: str, ip: str) -> User:
    """Sign-in step one: the user whose login and password these are, or Unauthorized /
    TooManyAttempts / RateLimited, answered alike for known and unknown logins. Does not
    finish the sign-in (see `finish_sign_in`). A self-locked customer gets through: their
    session reaches support only (see SUPPORT_PATHS).

    On failure the attempt and the failure count are flushed: the caller must commit them
    before letting the error end the request.
    """
    _throttle(db, settings=settings, ip=ip)
    try:
        user = find_by_login(db, login)
        key = normalize_login(login)
    except ValidationFailed:
        user, key = None, login.strip()[:254]
    _claim(db, settings=settings, login=key, ip=ip)
    ok = verify_password(user.password_hash if user else None, password, settings=settings)
    if user is None or not ok or not user.is_active:
        db.add(LoginAttempt(login=key, ip=ip, succeeded=False))
        db.flush()
        raise Unauthorized("The login or password is wrong.", code="bad_credentials")
    attempts.release(db, login=key)
    if needs_rehash(user.password_hash, settings=settings):
        user.password_hash = hash_password(password, settings=settings)
    return user


def _claim(db: Session, *, settings: Settings, login: str, ip: str) -> None:
    try:
        attempts.claim(db, settings=settings, login=login)
    except attempts.TooManyAttempts:
        db.add(LoginAttempt(login=login, ip=ip, succeeded=False))  # for the address throttle
        db.flush()
        raise


def check_second_step(db: Session, *, settings: Settings, user: User, code: str, ip: str) -> str:
    """Sign-in step two for people with two-step verification: 'totp' or 'backup', or
    Unauthorized(bad_otp), counted like a wrong password (the caller commits)."""
    _throttle(db, settings=settings, ip=ip)
    _claim(db, settings=settings, login=user.login, ip=ip)
    kind = totp.check_second_step(db, settings=settings, user_id=user.id, code=code)
    if kind is None:
        db.add(LoginAttempt(login=user.login, ip=ip, succeeded=False))
        db.flush()
        raise Unauthorized("The verification code is wrong.", code="bad_otp", field="otp")
    attempts.release(db, login=user.login)
    return kind


def finish_sign_in(db: Session, *, user: User, ip: str) -> None:
    db.add(LoginAttempt(login=user.login, ip=ip, succeeded=True))
    attempts.forgive(db, login=user.login)
    user.last_login_at = utcnow()
    db.flush()


def two_step_enabled(db: Session, *, user_id: int) -> bool:
    return totp.is_enabled(db, user_id=user_id)


def authenticate(
    db: Session,
    *,
    settings: Settings,
    login: str,
    password: str,
    ip: str,
    otp: str | None = None,
) -> User:
    """Both steps at once (the API): Unauthorized(otp_required) when the person has two-step
    verification and no `otp` was given. Failures are flushed for the caller to commit."""
    return sign_in_at_once(db, settings=settings, login=login, password=password, ip=ip, otp=otp)[0]


def sign_in_at_once(
    db: Session, *, settings: Settings, login: str, password: str, ip: str, otp: str | None
) -> tuple[User, str | None]:
    """`authenticate`, also saying which second step was used: 'totp', 'backup' or None."""
    user = check_password(db, settings=settings, login=login, password=password, ip=ip)
    second_step = None
    if totp.is_enabled(db, user_id=user.id):
        if not otp:
            raise Unauthorized(
                "Enter the code from your authenticator app.", code="otp_required", field="otp"
            )
        second_step = check_second_step(db, settings=settings, user=user, code=otp, ip=ip)
    finish_sign_in(db, user=user, ip=ip)
    return user, second_step


def start_session(
    db: Session,
    *,
    settings: Settings,
    user: User,
    kind: str,
    ip: str = "",
    user_agent: str = "",
    device_id: int | None = None,
) -> str:
    """Return a new random token; only its hash is stored. Kind 'mfa' is the short-lived
    ticket between the password and the second step of a web sign-in."""
    token = secrets.token_urlsafe(32)
    lifetime = {
        "web": timedelta(hours=settings.session_hours),
        "mfa": SECOND_STEP_WINDOW,
    }.get(kind, timedelta(hours=settings.api_token_hours))
    db.add(
        AuthSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            kind=kind,
            expires_at=utcnow() + lifetime,
            ip=ip[:64],
            user_agent=user_agent[:255],
            device_id=device_id,
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


def revoke_sessions(db: Session, *, user_id: int, keep_session_id: int | None = None) -> None:
    """Sign the person out everywhere (but the session `keep_session_id`, when given)."""
    query = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        query = query.where(AuthSession.id != keep_session_id)
    db.execute(query.values(revoked_at=utcnow()))
    db.flush()


def recently_authenticated(session: AuthSession) -> bool:
    """Whether the password (and code) were entered within REAUTH_WINDOW in this session."""
    last = max(session.created_at, session.reauth_at or session.created_at)
    return last > utcnow() - REAUTH_WINDOW


def confirm_password(
    db: Session, *, settings: Settings, user: User, password: str, ip: str
) -> None:
    """The signed-in (or otherwise identified) person's password, checked under the same
    throttle and lock as sign-in; ValidationFailed(field="password") when wrong."""
    _throttle(db, settings=settings, ip=ip)
    _claim(db, settings=settings, login=user.login, ip=ip)
    if not verify_password(user.password_hash, password, settings=settings):
        db.add(LoginAttempt(login=user.login, ip=ip, succeeded=False))
        db.flush()
        raise ValidationFailed("The password is wrong.", field="password", code="bad_password")
    attempts.release(db, login=user.login)


def reauthenticate(
    db: Session,
    *,
    settings: Settings,
    session: AuthSession,
    password: str,
    otp: str | None,
    ip: str,
) -> None:
    """Confirm it is still the account holder before a sensitive change; wrong answers count
    towards the sign-in lock (the caller commits them)."""
    user = session.user
    confirm_password(db, settings=settings, user=user, password=password, ip=ip)
    if totp.is_enabled(db, user_id=user.id):
        if not otp:
            raise ValidationFailed(
                "Enter the code from your authenticator app.", field="otp", code="otp_required"
            )
        try:
            check_second_step(db, settings=settings, user=user, code=otp, ip=ip)
        except Unauthorized as exc:
            raise ValidationFailed(exc.message, field="otp", code="bad_otp") from exc
    session.reauth_at = utcnow()
    db.flush()


def require_recent_auth(session: AuthSession) -> None:
    if not recently_authenticated(session):
        raise ReauthRequired()


def customer_labels(db: Session, *, user_ids: Iterable[int]) -> dict[int, str]:
    """id -> "name (masked phone)" for staff lists, in one query."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    users = db.scalars(select(User).where(User.id.in_(wanted)))
    return {
        u.id: f"{u.display_name} ({mask_phone(u.phone)})" if u.phone else u.display_name
        for u in users
    }


def get_user(db: Session, *, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def list_staff(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.role != "customer").order_by(User.id)))


def require(user: User | None, *roles: str, path: str = "") -> User:
    """The signed-in user if they hold one of `roles` (empty: anyone signed in); a
    self-locked customer only on SUPPORT_PATHS (AccountLocked elsewhere)."""
    if user is None:
        raise Unauthorized()
    if roles and not user.has_role(*roles):
        raise Forbidden()
    if user.self_locked_at is not None and not support_reachable(path):
        raise AccountLocked()
    return user


def support_reachable(path: str) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in SUPPORT_PATHS)


def kyc_level(db: Session, *, user_id: int) -> str:
    """'unverified', 'basic' or 'advanced': the real-name level the wallet's limits follow."""
    return db.scalar(select(User.kyc_level).where(User.id == user_id)) or "unverified"


def is_self_locked(db: Session, *, user_id: int) -> bool:
    """Whether the customer locked their account: no sign-in and no money movement."""
    return db.scalar(select(User.self_locked_at).where(User.id == user_id)) is not None


def wants_transaction_alerts(db: Session, *, user_id: int) -> bool:
    return bool(db.scalar(select(User.transaction_alerts).where(User.id == user_id)))
