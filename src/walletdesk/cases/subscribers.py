"""Cases listen to the domains below them: what staff did to an account, an approval, a
refund, a stuck payout, a risk hold or freeze becomes a line on the timeline of the case it was
done from (and, where the customer should know, a system message in the conversation); what
needs a person's review becomes a review case.

Every handler runs in the publisher's transaction (Phase.IN_TRANSACTION): the line and the
change commit together or not at all. `subscribe()` registers them; app.register_subscribers
calls it at start-up, in the web app, the worker and the CLI alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from walletdesk.approvals import service as approvals
from walletdesk.approvals import signals as approval_signals
from walletdesk.cases import reviews, states
from walletdesk.cases import service as cases
from walletdesk.cases.categories import CATEGORIES
from walletdesk.cases.lines import line
from walletdesk.cases.models import Case
from walletdesk.config import service_settings
from walletdesk.conversations import service as conversations
from walletdesk.conversations import signals as conversation_signals
from walletdesk.events import Phase
from walletdesk.events import subscribe as on
from walletdesk.i18n import N_, Translator
from walletdesk.identity import service as identity
from walletdesk.identity import signals as identity_signals
from walletdesk.identity.models import User
from walletdesk.identity.present import local_time
from walletdesk.payments import signals as payment_signals
from walletdesk.risk import rules as risk_rules
from walletdesk.risk import service as risk
from walletdesk.risk import signals as risk_signals
from walletdesk.wallet import signals as wallet_signals

NO_LONGER_FROZEN = N_("Your account is no longer frozen: you can send and withdraw again.")


def _line(
    db: Session,
    case_id: int | None,
    *,
    actor_id: int | None,
    text: str,
    params: Mapping[str, object] | None = None,
    translated: Sequence[str] = (),
    tell_customer: str = "",
    ip: str = "",
) -> None:
    """A line on the case staff acted from; nothing when they acted from no case."""
    if case_id is None:
        return
    actor = identity.get_user(db, user_id=actor_id) if actor_id is not None else None
    cases.record_action(
        db,
        case_id=case_id,
        actor=actor,
        text=text,
        params=params,
        translated=translated,
        tell_customer=tell_customer,
        ip=ip,
    )


def _customer(db: Session, user_id: int) -> User:
    return identity.get_user(db, user_id=user_id)


def _money(amount_minor: int, currency: str) -> str:
    return reviews.money(amount_minor, currency)


# --- identity ------------------------------------------------------------------------------


def personal_data_revealed(db: Session, event: identity_signals.PersonalDataRevealed) -> None:
    text = N_("{actor} viewed the customer's personal data in full")
    _line(db, event.case_id, actor_id=event.staff_id, text=text, ip=event.ip)


def account_unlocked(db: Session, event: identity_signals.AccountUnlocked) -> None:
    for what in event.lifted:
        text = N_("{actor} lifted the lock after wrong passwords ({reason})")
        if what == "self_lock":
            text = N_("{actor} lifted the customer's own lock ({reason})")
        params = {"reason": event.reason}
        _line(db, event.case_id, actor_id=event.staff_id, text=text, params=params, ip=event.ip)


def password_reset_code_sent(db: Session, event: identity_signals.PasswordResetCodeSent) -> None:
    _line(
        db,
        event.case_id,
        actor_id=event.staff_id,
        text=N_("{actor} sent a password reset code to the customer's registered phone {phone}"),
        params={"phone": event.phone_masked},
        ip=event.ip,
    )


def account_reported_stolen(db: Session, event: identity_signals.AccountReportedStolen) -> None:
    user = _customer(db, event.user_id)
    reviews.open_for_stolen_account(db, user=user, reason=event.reason, ip=event.ip)


# --- approvals -----------------------------------------------------------------------------


def approval_requested(db: Session, event: approval_signals.ApprovalRequested) -> None:
    _line(
        db,
        event.case_id,
        actor_id=event.staff_id,
        text=N_("{actor} asked for approval: {what} ({reason})"),
        params={"what": event.label, "reason": event.reason},
        translated=("what",),
        tell_customer=N_(
            "Our staff asked for a second approval: {what}. We will tell you here once it "
            "is decided."
        ),
        ip=event.ip,
    )


def approval_decided(db: Session, event: approval_signals.ApprovalDecided) -> None:
    text = N_("{actor} approved: {what}")
    if not event.approved:
        text = N_("{actor} rejected: {what} ({note})")
    _line(
        db,
        event.case_id,
        actor_id=event.staff_id,
        text=text,
        params={"what": event.label, "note": event.note},
        translated=("what",),
        tell_customer="" if event.approved else N_("Your request was declined: {what} ({note})."),
        ip=event.ip,
    )


# --- wallet --------------------------------------------------------------------------------


def wallet_credited(db: Session, event: wallet_signals.WalletCredited) -> None:
    _line(
        db,
        event.case_id,
        actor_id=event.staff_id,
        text=N_("{actor} credited {amount} to the customer's wallet: {what} ({transaction})"),
        params={
            "amount": _money(event.amount_minor, event.currency),
            "what": approvals.get_kind(event.kind).label,
            "transaction": event.transaction,
        },
        translated=("what",),
        tell_customer=N_("We credited {amount} to your wallet: {what} ({transaction})."),
    )


def fees_waived(db: Session, event: wallet_signals.FeesWaived) -> None:
    _line(
        db,
        event.case_id,
        actor_id=event.staff_id,
        text=N_("{actor} waived the customer's withdrawal and transfer fees until {until}"),
        params={"until": local_time(event.until, service_settings(db))},
        tell_customer=N_("We waived your withdrawal and transfer fees until {until}."),
    )


def debt_written_off(db: Session, event: wallet_signals.DebtWrittenOff) -> None:
    _line(
        db,
        event.case_id,
        actor_id=event.staff_id,
        text=N_("{actor} wrote off {amount} the customer owed after a chargeback"),
        params={"amount": _money(event.amount_minor, event.currency)},
        tell_customer=N_("We wrote off {amount} you owed after a chargeback."),
    )


# --- payments ------------------------------------------------------------------------------


def withdrawal_resent(db: Session, event: payment_signals.WithdrawalResent) -> None:
    _line(
        db,
        event.case_id,
        actor_id=event.staff_id,
        text=N_("{actor} sent the stuck withdrawal {transaction} to the provider again"),
        params={"transaction": event.transaction, "reason": ""},
        tell_customer=N_("We sent your withdrawal {transaction} to the payment provider again."),
        ip=event.ip,
    )


def withdrawal_cancelled(db: Session, event: payment_signals.WithdrawalCancelled) -> None:
    _line(
        db,
        event.case_id,
        actor_id=event.staff_id,
        text=N_(
            "{actor} cancelled the stuck withdrawal {transaction}; the funds are back ({reason})"
        ),
        params={"transaction": event.transaction, "reason": event.reason},
        tell_customer=N_(
            "Your withdrawal {transaction} was cancelled; the money is back in your balance."
        ),
        ip=event.ip,
    )


def payout_paid_after_failure(db: Session, event: payment_signals.PayoutPaidAfterFailure) -> None:
    reviews.open_for_late_payout(db, user=_customer(db, event.customer_id), paid=event)


# --- risk ----------------------------------------------------------------------------------


def payment_flagged(db: Session, event: risk_signals.PaymentFlagged) -> None:
    case = reviews.open_for_payment(db, user=_customer(db, event.user_id), flagged=event)
    risk.link_review_case(db, case_id=case.id, hit_ids=event.hit_ids)


def account_frozen(db: Session, event: risk_signals.AccountFrozen) -> None:
    case_id = event.case_id
    if case_id is None:
        user = _customer(db, event.user_id)
        case_id = reviews.open_for_freeze(db, user=user, reason=event.reason, ip=event.ip).id
        risk.link_review_case(db, case_id=case_id, freeze_id=event.freeze_id)
    _line(
        db,
        case_id,
        actor_id=event.staff_id,
        text=N_("{actor} froze the account: {reason}"),
        params={"reason": event.reason},
        translated=("reason",),
        ip=event.ip,
    )


def payment_held(db: Session, event: risk_signals.PaymentHeld) -> None:
    text = N_("{actor} held payment {reference} for review: {reason}")
    if event.stopped:
        text = N_("{actor} stopped payment {reference}: the account is frozen")
    params = {"reference": event.transaction, "reason": event.reason}
    _line(db, event.case_id, actor_id=None, text=text, params=params, translated=("reason",))


def freeze_lifted(db: Session, event: risk_signals.FreezeLifted) -> None:
    if event.staff_id is None:  # the system: its cause is settled
        text = N_("{actor} lifted the freeze, its cause is settled: {what}")
        params: dict[str, Any] = {"what": risk_rules.LABELS[event.rule]}
        translated: tuple[str, ...] = ("what",)
    else:
        text = N_("{actor} lifted the freeze on the account, asked by {requester}")
        requester = identity.get_user(db, user_id=event.requested_by_id or event.staff_id)
        params, translated = {"requester": requester.display_name}, ()
    for case_id in dict.fromkeys((event.case_id, event.asked_on_case_id)):
        _line(
            db,
            case_id,
            actor_id=event.staff_id,
            text=text,
            params=params,
            translated=translated,
            tell_customer=NO_LONGER_FROZEN,
        )
    _resolve_freeze_review(db, event)


def _resolve_freeze_review(db: Session, event: risk_signals.FreezeLifted) -> None:
    """The review case a freeze opened has nothing left to do once the account is no longer
    frozen: resolved by the system (the customer can still write, which reopens it). A case of
    another type (a recovery, a complaint) keeps its own path."""
    if event.case_id is None or risk.is_frozen(db, user_id=event.user_id):
        return
    case = db.get(Case, event.case_id)
    if case is None or case.type != "inquiry" or case.status not in states.ACTIVE_STATUSES:
        return
    cases.step_case(db, case=case, actor=None, status="resolved", reason="freeze_lifted")


def held_payment_decided(db: Session, event: risk_signals.HeldPaymentDecided) -> None:
    text = N_("{actor} approved payment {reference}")
    if not event.approved:
        text = N_("{actor} rejected payment {reference}: {note}")
    params = {"reference": event.transaction, "note": event.note}
    _line(db, event.case_id, actor_id=event.staff_id, text=text, params=params, ip=event.ip)


# Why a chat asked for a person → the case category its follow-up is filed under.
FOLLOW_UP_CATEGORIES = {
    "fraud": "security",
    "scam": "security",
    "stolen": "security",
    "security": "security",
    "distress": "complaint",
    "complaint": "complaint",
}
CHAT_FOLLOW_UP = N_("Chat follow-up: a person answers after support hours")
CHAT_TRANSCRIPT = N_("The customer asked for a person outside support hours. Chat transcript:")


def follow_up_needed(db: Session, event: conversation_signals.FollowUpNeeded) -> None:
    """A chat no person could answer now becomes a case with its transcript (a visitor who
    has not signed in has no account to open one for: their chat waits in the queue)."""
    if event.customer_id is None:
        return
    collected = dict(event.collected)
    category = collected.get("category", "")
    if category not in CATEGORIES:
        category = FOLLOW_UP_CATEGORIES.get(event.reason, "account")
    text = conversations.transcript(db, conversation_id=event.conversation_id)
    _ = Translator(event.lang)
    case = cases.open_review_case(
        db,
        customer_id=event.customer_id,
        category=category,
        subject=_(CHAT_FOLLOW_UP),
        description=f"{_(CHAT_TRANSCRIPT)}\n{text}",
        details={"conversation_id": event.conversation_id, **collected},
        title=line(CHAT_FOLLOW_UP),
        channel="chat",
        priority="normal",
    )
    conversations.link_case(db, conversation_id=event.conversation_id, case_id=case.id)


HANDLERS: dict[type[Any], Callable[[Session, Any], None]] = {
    conversation_signals.FollowUpNeeded: follow_up_needed,
    identity_signals.PersonalDataRevealed: personal_data_revealed,
    identity_signals.AccountUnlocked: account_unlocked,
    identity_signals.PasswordResetCodeSent: password_reset_code_sent,
    identity_signals.AccountReportedStolen: account_reported_stolen,
    approval_signals.ApprovalRequested: approval_requested,
    approval_signals.ApprovalDecided: approval_decided,
    wallet_signals.WalletCredited: wallet_credited,
    wallet_signals.FeesWaived: fees_waived,
    wallet_signals.DebtWrittenOff: debt_written_off,
    payment_signals.WithdrawalResent: withdrawal_resent,
    payment_signals.WithdrawalCancelled: withdrawal_cancelled,
    payment_signals.PayoutPaidAfterFailure: payout_paid_after_failure,
    risk_signals.PaymentFlagged: payment_flagged,
    risk_signals.AccountFrozen: account_frozen,
    risk_signals.PaymentHeld: payment_held,
    risk_signals.FreezeLifted: freeze_lifted,
    risk_signals.HeldPaymentDecided: held_payment_decided,
}


def subscribe() -> None:
    """Register every handler above, in the publisher's transaction (idempotent)."""
    for event_type, handler in HANDLERS.items():
        on(event_type, handler, phase=Phase.IN_TRANSACTION)
