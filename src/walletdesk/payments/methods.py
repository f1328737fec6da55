"""Binding and unbinding payment methods, card-number checks and masking, and the customer's
crypto deposit address. A full card number is never stored: only its mask and a keyed token.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.db import utcnow
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.payments.models import METHOD_KINDS, CryptoAddress, PaymentMethod
from walletdesk.safety.service import luhn_valid

CARD_KINDS = ("bank_card", "credit_card")
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
TRON_ADDRESS = re.compile(r"^T[1-9A-HJ-NP-Za-km-z]{33}$")
PHONE = re.compile(r"^1\d{10}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def mask_card(digits: str) -> str:
    """First 6 and last 4 digits; the rest as asterisks."""
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def mask_account(account: str) -> str:
    if "@" in account:
        name, _, domain = account.partition("@")
        return f"{name[:1]}***@{domain}"
    return account[:3] + "****" + account[-4:]


def card_digits(number: str) -> str:
    digits = re.sub(r"[\s-]", "", number or "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not luhn_valid(digits):
        raise ValidationFailed("This card number is not valid.", field="number")
    return digits


def bind_method(
    db: Session,
    *,
    user_id: int,
    kind: str,
    number: str,
    bank_name: str = "",
    label: str = "",
    secret: str,
) -> PaymentMethod:
    """Save a method: a card (Luhn-checked, kept masked), a payment-app account, or a USDT
    withdrawal address."""
    if kind not in METHOD_KINDS:
        raise ValidationFailed("Choose a payment method.", field="kind")
    number = (number or "").strip()
    if kind in CARD_KINDS:
        digits = card_digits(number)
        masked, token_source = mask_card(digits), digits
    elif kind == "payment_app":
        if not (PHONE.match(number) or EMAIL.match(number)):
            raise ValidationFailed(
                "Enter the phone number or email of the account.", field="number"
            )
        masked, token_source = mask_account(number), number.lower()
    else:
        if not TRON_ADDRESS.match(number):
            raise ValidationFailed("This is not a valid USDT (TRC20) address.", field="number")
        masked, token_source = number, number
    token = (
        "tok_" + hmac.new(secret.encode(), token_source.encode(), hashlib.sha256).hexdigest()[:32]
    )
    if any(m.token == token for m in active_methods(db, user_id=user_id)):
        raise Conflict("This payment method is already bound.")
    method = PaymentMethod(
        user_id=user_id,
        kind=kind,
        label=label.strip()[:80],
        masked_number=masked,
        bank_name=bank_name.strip()[:80],
        token=token,
    )
    db.add(method)
    db.flush()
    return method


def active_methods(db: Session, *, user_id: int) -> list[PaymentMethod]:
    """The customer's bound methods, newest first (only their own: the query filters)."""
    return list(
        db.scalars(
            select(PaymentMethod)
            .where(PaymentMethod.user_id == user_id, PaymentMethod.removed_at.is_(None))
            .order_by(PaymentMethod.id.desc())
        )
    )


def owned_method(db: Session, *, user_id: int, method_id: int) -> PaymentMethod:
    method = db.scalars(
        select(PaymentMethod).where(
            PaymentMethod.id == method_id,
            PaymentMethod.user_id == user_id,
            PaymentMethod.removed_at.is_(None),
        )
    ).first()
    if method is None:
        raise NotFound("This payment method does not exist.")
    return method


def unbind_method(db: Session, *, user_id: int, method_id: int) -> PaymentMethod:
    method = owned_method(db, user_id=user_id, method_id=method_id)
    method.removed_at = utcnow()
    db.flush()
    return method


def deposit_address(db: Session, *, user_id: int, secret: str) -> CryptoAddress:
    """The customer's USDT (TRC20) deposit address: derived from their id and kept."""
    found = db.scalars(select(CryptoAddress).where(CryptoAddress.user_id == user_id)).first()
    if found is not None:
        return found
    seed = hmac.new(secret.encode(), f"usdt:{user_id}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(seed + hashlib.sha256(seed).digest(), "big")
    chars = []
    for _ in range(33):
        number, rest = divmod(number, 58)
        chars.append(BASE58[rest])
    address = CryptoAddress(user_id=user_id, network="TRC20", address="T" + "".join(chars))
    db.add(address)
    db.flush()
    return address
