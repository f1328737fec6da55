"""Telling the customer what risk control did and what to do: an alert on their security page
and an SMS, both in their language. Never asks for a password or a code.

SMS need the app's settings, which the app's sessions carry in `Session.info`; a session
without them (scripts, seeding) raises the alert and sends no SMS.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from walletdesk.config import settings_of
from walletdesk.db import utcnow
from walletdesk.i18n import gettext
from walletdesk.identity import events, sms
from walletdesk.identity.models import User
from walletdesk.identity.present import in_every_language, in_language, local_time, location_text
from walletdesk.money import format_minor
from walletdesk.wallet.transactions import WalletTransaction

# Multi-line texts are not marked with N_ (the catalog check reads one literal); the risk
# tests check that each has its translation.
SMS_TEXTS = {
    "account_frozen": (
        "[{brand}] Your account was frozen at {time} for a security review: {reason} Money "
        "cannot be sent or withdrawn; you can still sign in and receive money. Contact us in "
        "the app or through our official channels about case {case}. We never ask for your "
        "password or codes."
    ),
    "payment_held": (
        "[{brand}] Your payment {reference} of {amount} is held for a security check: "
        "{reason} No action is needed; we will contact you about case {case}. We never ask "
        "for your password or codes."
    ),
    "account_unfrozen": (
        "[{brand}] The freeze on your account was lifted at {time}. You can send and "
        "withdraw money again."
    ),
    "account_freeze_lifted": (
        "[{brand}] A freeze on your account was lifted at {time}; another one is still in "
        "force. Your wallet page shows why."
    ),
    "risk_notice": (
        "[{brand}] We noticed something unusual about your payment {reference}: {reason} If "
        "this was not you, lock your account in Security settings or contact us."
    ),
    "new_location": (
        "[{brand}] New sign-in to your account from {location} at {time}, a kind of place it "
        "was not used from before. If this was not you, lock your account in Security "
        "settings or contact us."
    ),
}


def money(amount_minor: int, currency: str) -> str:
    return f"{format_minor(amount_minor, currency)} {currency}"


def frozen(db: Session, *, user: User, reason: str, case: str) -> None:
    """`case`: the number of the review case, as the customer quotes it."""
    _tell(db, user, "account_frozen", reason=_translated(reason), case=case)


def held(
    db: Session, *, user: User, tx: WalletTransaction, reason: str, case: str, text: bool
) -> None:
    """`text`: also by SMS (not when the freeze it came with was texted already)."""
    params = _payment(tx) | {"reason": _translated(reason), "case": case}
    _tell(db, user, "payment_held", text=text, **params)


def noticed(db: Session, *, user: User, tx: WalletTransaction, reason: str) -> None:
    _tell(db, user, "risk_notice", **_payment(tx), reason=_translated(reason))


def unfrozen(db: Session, *, user: User, still_frozen: bool) -> None:
    _tell(db, user, "account_freeze_lifted" if still_frozen else "account_unfrozen")


def new_location(db: Session, *, user: User, location: str, ip: str) -> None:
    _tell(db, user, "new_location", location=location, ip=ip)


def _translated(reason: str) -> dict[str, str]:
    """The reason in every language: the alert reads in the language of the page it is on."""
    return in_every_language(lambda lang: gettext(lang, reason))


def _payment(tx: WalletTransaction) -> dict[str, Any]:
    return {"reference": tx.public_id, "amount": money(tx.amount_minor, tx.currency)}


def _tell(db: Session, user: User, kind: str, *, text: bool = True, **params: Any) -> None:
    """The alert (its texts are identity's RISK_ALERT_LABELS) and the SMS of `kind`."""
    now = utcnow()
    events.raise_alert(db, user_id=user.id, kind=kind, time=now.isoformat(), **params)
    settings = settings_of(db)
    if not text or settings is None or not user.phone:
        return
    shown = dict(
        in_language(params, user.lang), brand=settings.brand, time=local_time(now, settings)
    )
    if "location" in shown:
        shown["location"] = location_text(user.lang, shown["location"])
    body = gettext(user.lang, SMS_TEXTS[kind], **shown)
    sms.send_sms(db, settings=settings, to=user.phone, body=body, kind=f"risk_{kind}")
