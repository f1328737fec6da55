"""Transfers between customers: finding the recipient (phone number or signed receive code),
the preview the sender checks, and the confirmed transfer with its two transactions, or held
for review or stopped when a risk rule says so (walletdesk.risk; reviewed in `held`).
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.errors import Forbidden, ValidationFailed
from walletdesk.identity import service as identity
from walletdesk.identity.logins import mask_phone, normalize_phone
from walletdesk.identity.models import User
from walletdesk.money import check_currency, format_minor, parse_amount
from walletdesk.risk import service as risk
from walletdesk.risk.rules import Verdict
from walletdesk.wallet import accounts, owed
from walletdesk.wallet import service as wallet
from walletdesk.wallet.fees import FeeQuote, quote_fee
from walletdesk.wallet.journal import insufficient
from walletdesk.wallet.limits import LimitsLeft, check_limits
from walletdesk.wallet.transactions import (
    WalletTransaction,
    advance,
    check_replay,
    record_transaction,
    sent_under_key,
)

RECEIVE_CODE_SECONDS = 600
NO_WALLET = "There is no wallet with this number."


@dataclass(frozen=True)
class ReceiveCode:
    user_id: int
    currency: str
    amount_minor: int | None
    expires_at: int  # unix seconds


@dataclass(frozen=True)
class TransferPreview:
    recipient_id: int
    recipient_name: str  # masked
    recipient_phone: str  # masked
    amount_minor: int
    currency: str
    quote: FeeQuote
    limits: LimitsLeft | None

    @property
    def total_minor(self) -> int:
        return self.amount_minor + self.quote.fee_minor


def mask_name(name: str) -> str:
    """`张三` → `*三`: enough for the sender to recognise, not enough to learn a name."""
    name = name.strip()
    return "*" * max(len(name) - 1, 1) + (name[-1] if len(name) > 1 else "")


# --- recipients ----------------------------------------------------------------------------


def recipient_by_phone(db: Session, *, phone: str) -> User:
    """The active customer with this phone number, in any format; one message for every miss."""
    try:
        normalized = normalize_phone(phone)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="recipient") from exc
    user = db.scalar(select(User).where(User.phone == normalized))
    if user is None or user.role != "customer" or not user.is_active:
        raise ValidationFailed(NO_WALLET, field="recipient")
    return user


def make_receive_code(
    secret: str,
    *,
    user_id: int,
    currency: str,
    amount_minor: int | None = None,
    now: float | None = None,
) -> str:
    """A signed payload naming the recipient; it expires after ten minutes."""
    expires = int((now if now is not None else clock.time()) + RECEIVE_CODE_SECONDS)
    payload = {"u": user_id, "c": check_currency(currency), "a": amount_minor, "e": expires}
    return str(_serializer(secret).dumps(payload))


def read_receive_code(secret: str, code: str, *, now: float | None = None) -> ReceiveCode:
    try:
        data = _serializer(secret).loads(code.strip())
        found = ReceiveCode(
            user_id=int(data["u"]),
            currency=str(data["c"]),
            amount_minor=None if data["a"] is None else int(data["a"]),
            expires_at=int(data["e"]),
        )
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed("This receive code is not valid.", field="code") from exc
    if found.expires_at < (now if now is not None else clock.time()):
        raise ValidationFailed("This receive code has expired. Ask for a new one.", field="code")
    return found


def recipient_by_id(db: Session, *, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None or user.role != "customer" or not user.is_active:
        raise ValidationFailed("This receive code is not valid.", field="code")
    return user


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="walletdesk.wallet.receive-code")


# --- preview and confirm -------------------------------------------------------------------


def preview_transfer(
    db: Session, *, sender_id: int, recipient: User, amount_minor: int, currency: str
) -> TransferPreview:
    """What the sender confirms; raises if the transfer could not go through now."""
    check_currency(currency)
    if recipient.id == sender_id:
        raise ValidationFailed("You cannot transfer to yourself.", field="recipient")
    if identity.is_self_locked(db, user_id=sender_id):
        raise Forbidden("Your account is locked. Unlock it before sending money.", code="locked")
    risk.check_not_frozen(db, user_id=sender_id)
    left = check_limits(
        db, user_id=sender_id, direction="transfer", amount_minor=amount_minor, currency=currency
    )
    quote = quote_fee(
        db,
        user_id=sender_id,
        method="balance",
        direction="transfer",
        scope="any",
        amount_minor=amount_minor,
        currency=currency,
    )
    balance = wallet.balances(db, user_id=sender_id).get(currency)
    available = balance.available_minor if balance else 0
    if available < amount_minor + quote.fee_minor:
        raise insufficient(available, amount_minor + quote.fee_minor, currency)
    return TransferPreview(
        recipient_id=recipient.id,
        recipient_name=mask_name(recipient.display_name),
        recipient_phone=mask_phone(recipient.phone),
        amount_minor=amount_minor,
        currency=currency,
        quote=quote,
        limits=left,
    )


def confirm_transfer(
    db: Session,
    *,
    sender_id: int,
    recipient_id: int,
    amount_minor: int,
    currency: str,
    idempotency_key: str,
) -> WalletTransaction:
    """Pay; the same key again returns the first transfer's transaction and pays nothing.
    When a risk rule holds the transfer or freezes the account, the transaction comes back
    pending (funds held) or failed (nothing sent): returned, not raised, so that the hold, the
    freeze and the review case commit with it."""
    key = idempotency_key.strip()
    if not 8 <= len(key) <= 64:
        raise ValidationFailed("The request key is missing. Reload the page.", field="key")
    ledger_key = f"transfer:{sender_id}:{key}"
    asked = {"recipient_id": recipient_id, "amount_minor": amount_minor, "currency": currency}
    done = _sent_with_key(db, sender_id=sender_id, key=key, asked=asked)
    if done is not None:
        return done
    sender = identity.get_user(db, user_id=sender_id)
    recipient = recipient_by_id(db, user_id=recipient_id)
    preview = preview_transfer(
        db, sender_id=sender_id, recipient=recipient, amount_minor=amount_minor, currency=currency
    )
    verdict = risk.check_transfer(
        db, user_id=sender_id, amount_minor=amount_minor, currency=currency
    )
    if verdict.action in ("review", "freeze"):
        return _hold_or_stop(
            db, sender_id=sender_id, recipient=recipient, preview=preview, key=key, verdict=verdict
        )
    entry = wallet.post_transfer(
        db,
        from_user_id=sender_id,
        to_user_id=recipient.id,
        amount_minor=amount_minor,
        currency=currency,
        idempotency_key=ledger_key,
        fee_minor=preview.quote.fee_minor,
        kind="transfer",
    )
    if entry.replayed:  # a double submit that raced the first one past the check above
        done = _sent_with_key(db, sender_id=sender_id, key=key, asked=asked)
        if done is not None:
            return done
    out = record_transaction(
        db,
        user_id=sender_id,
        kind="transfer_out",
        status="succeeded",
        amount_minor=amount_minor,
        fee_minor=preview.quote.fee_minor,
        currency=currency,
        counterparty=f"{preview.recipient_name} {preview.recipient_phone}",
        counterparty_user_id=recipient.id,
        entry_id=entry.id,
        reference_type="transfer_key",
        reference_id=key,
        details=preview.quote.details(),
        actor_id=sender_id,
    )
    record_transaction(
        db,
        user_id=recipient.id,
        kind="transfer_in",
        status="succeeded",
        amount_minor=amount_minor,
        currency=currency,
        counterparty=f"{mask_name(sender.display_name)} {mask_phone(sender.phone)}",
        counterparty_user_id=sender_id,
        entry_id=entry.id,
        details={"transfer_of": out.public_id},
    )
    owed.repay(db, user_id=recipient.id, currency=currency)  # money owed is repaid first
    risk.enforce(db, verdict=verdict, tx=out)  # alerts only, if any: the transfer went
    return out


def _hold_or_stop(
    db: Session,
    *,
    sender_id: int,
    recipient: User,
    preview: TransferPreview,
    key: str,
    verdict: Verdict,
) -> WalletTransaction:
    """Review: the amount and fee are held and the transfer waits for a supervisor. Freeze:
    nothing moves and the transfer fails. Either way risk control opens the case."""
    # Under the sender's account lock, so that a racing double submit finds this one.
    accounts.lock_named(db, customers=[sender_id], systems=[], currency=preview.currency)
    asked = {
        "recipient_id": recipient.id,
        "amount_minor": preview.amount_minor,
        "currency": preview.currency,
    }
    done = _sent_with_key(db, sender_id=sender_id, key=key, asked=asked)
    if done is not None:
        return done
    out = record_transaction(
        db,
        user_id=sender_id,
        kind="transfer_out",
        status="pending",
        amount_minor=preview.amount_minor,
        fee_minor=preview.quote.fee_minor,
        currency=preview.currency,
        counterparty=f"{preview.recipient_name} {preview.recipient_phone}",
        counterparty_user_id=recipient.id,
        reference_type="transfer_key",
        reference_id=key,
        details=preview.quote.details(),
        actor_id=sender_id,
    )
    advance(db, tx=out, step="risk_check", note=verdict.action)
    if verdict.action == "freeze":
        advance(db, tx=out, step="failed", status="failed", failure_code="account_frozen")
    else:
        hold = wallet.place_hold(
            db,
            user_id=sender_id,
            currency=preview.currency,
            amount_minor=preview.total_minor,
            idempotency_key=f"transfer-hold:{sender_id}:{key}",
            reference_type="wallet_transaction",
            reference_id=out.public_id,
        )
        out.hold_id = hold.id
        advance(db, tx=out, step="review")
    risk.enforce(db, verdict=verdict, tx=out)
    return out


def _sent_with_key(
    db: Session, *, sender_id: int, key: str, asked: dict[str, object]
) -> WalletTransaction | None:
    """The transfer first sent under this key; Conflict (409) if `asked` (recipient_id,
    amount_minor, currency) differs from it: the key was reused for another transfer."""
    done = sent_under_key(
        db, user_id=sender_id, kind="transfer_out", reference_type="transfer_key", key=key
    )
    if done is None:
        return None
    return check_replay(
        done,
        counterparty_user_id=asked["recipient_id"],
        amount_minor=asked["amount_minor"],
        currency=asked["currency"],
    )


def describe_amount(amount_minor: int, currency: str) -> str:
    return f"{format_minor(amount_minor, currency)} {currency}"


@dataclass(frozen=True)
class Target:
    """Whom the customer is paying, and what a receive code fixed (amount and currency)."""

    recipient: User
    currency: str | None = None
    amount_minor: int | None = None


def resolve_target(db: Session, *, secret: str, phone: str = "", code: str = "") -> Target:
    """The recipient from a phone number or, when given instead, a receive code."""
    if code.strip():
        found = read_receive_code(secret, code)
        recipient = recipient_by_id(db, user_id=found.user_id)
        return Target(recipient, found.currency, found.amount_minor)
    if not phone.strip():
        raise ValidationFailed("Enter the recipient's phone number.", field="recipient")
    return Target(recipient_by_phone(db, phone=phone))


def transfer_amount(target: Target, *, amount: str, currency: str) -> tuple[int, str]:
    """The amount and currency to send: the receive code's when it fixed them, else typed."""
    currency = target.currency or check_currency(currency or "CNY")
    if target.amount_minor is not None:
        return target.amount_minor, currency
    return parse_amount(amount, currency), currency
