"""Risk control: assessing sign-ins, withdrawals and transfers against the rules, and account
freezes (by a rule or by staff; lifted only through the "unfreeze" approval, maker-checker).

Keyword-only functions that flush and never commit. A rule that holds a payment or freezes
the account records its hits, publishes it (risk.signals: cases open one review case and link
it back here) and tells the customer, all in the caller's transaction: callers must let that
transaction commit (return, do not raise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.approvals import service as approvals
from walletdesk.approvals.models import Approval
from walletdesk.audit import service as audit
from walletdesk.config import Settings, cny_rates_of, settings_of
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from walletdesk.events import publish
from walletdesk.i18n import N_
from walletdesk.identity import service as identity
from walletdesk.identity.models import Device, User
from walletdesk.identity.permissions import require_permission
from walletdesk.payments.settings import PaymentSettings
from walletdesk.references import case_number
from walletdesk.risk import facts, notify, signals
from walletdesk.risk import rules as R
from walletdesk.risk.models import STAFF, AccountFreeze, RiskHit
from walletdesk.wallet.transactions import WalletTransaction

# Refusals of a payment out while frozen (code "account_frozen"); checked by the risk tests.
FROZEN = N_(
    "Your account is frozen for a security review, so money cannot be sent or withdrawn. "
    "Contact support. You can still sign in and receive money."
)
FROZEN_WITH_CASE = N_(
    "Your account is frozen for a security review, so money cannot be sent or withdrawn. "
    "Contact support about case {case}. You can still sign in and receive money."
)


# --- reading -------------------------------------------------------------------------------


def active_freezes(db: Session, *, user_id: int) -> list[AccountFreeze]:
    """The freezes in force, newest first."""
    return list(
        db.scalars(
            select(AccountFreeze)
            .where(AccountFreeze.user_id == user_id, AccountFreeze.lifted_at.is_(None))
            .order_by(AccountFreeze.id.desc())
        )
    )


def is_frozen(db: Session, *, user_id: int) -> bool:
    return bool(active_freezes(db, user_id=user_id))


def freezes_of(db: Session, *, user_id: int) -> list[AccountFreeze]:
    """Every freeze of the customer, in force and lifted, newest first."""
    return list(
        db.scalars(
            select(AccountFreeze)
            .where(AccountFreeze.user_id == user_id)
            .order_by(AccountFreeze.id.desc())
        )
    )


def hits_of(db: Session, *, user_id: int, limit: int = 20) -> list[RiskHit]:
    """The rules the customer tripped, newest first."""
    return list(
        db.scalars(
            select(RiskHit)
            .where(RiskHit.user_id == user_id)
            .order_by(RiskHit.id.desc())
            .limit(limit)
        )
    )


def check_not_frozen(db: Session, *, user_id: int) -> None:
    """Forbidden (code "account_frozen") while a freeze is in force: nothing may leave."""
    found = active_freezes(db, user_id=user_id)
    if not found:
        return
    with_case = next((f for f in found if f.case_id is not None), None)
    if with_case is not None:
        assert with_case.case_id is not None
        raise Forbidden(
            FROZEN_WITH_CASE, code="account_frozen", case=case_number(with_case.case_id)
        )
    raise Forbidden(FROZEN, code="account_frozen")


@dataclass(frozen=True)
class FreezeNotice:
    """What the customer's wallet and security pages show of a freeze in force."""

    reason: str  # a message id or staff's words: the template translates it
    case_number: str
    case_id: int | None
    since: str  # local time


def freeze_notices(db: Session, *, user_id: int, tz: str) -> list[FreezeNotice]:
    zone = ZoneInfo(tz)
    return [
        FreezeNotice(
            reason=f.reason,
            case_number=case_number(f.case_id) if f.case_id else "",
            case_id=f.case_id,
            since=f.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        )
        for f in active_freezes(db, user_id=user_id)
    ]


def rule_label(rule: str) -> str:
    """A message id naming the rule for staff (translate it when shown)."""
    return R.LABELS.get(rule, rule)


def rules_in_force(settings: Settings | None) -> dict[str, R.Rule]:
    return R.load_rules(settings.risk_rules_path if settings else None)


def _rule(settings: Settings | None, key: str) -> R.Rule | None:
    rule = rules_in_force(settings).get(key)
    return rule if rule is not None and rule.enabled else None


# --- assessing -----------------------------------------------------------------------------


def assess_login(db: Session, *, user: User, device: Device, new_device: bool, ip: str = "") -> str:
    """Called as a customer signs in, before the sign-in's own event is recorded.
    `new_device`: a device not seen before on an account that already had one. A new kind of
    place (local network / internet: coarse, no GeoIP) counts too. Returns the action taken."""
    settings = settings_of(db)
    rule = _rule(settings, "new_device_login")
    if rule is None or user.role != "customer":
        return "pass"
    place = facts.new_location(db, user_id=user.id, location=device.last_location)
    match = R.new_device_login(rule, new_device=new_device, new_location=place)
    if match is None:
        return "pass"
    if match.action == "freeze" and is_frozen(db, user_id=user.id):
        match = R.Match(match.rule, "alert", match.details)  # one freeze is enough
    hit = _hit(db, user_id=user.id, match=match, subject=("device", str(device.id)))
    if match.action == "freeze":
        freeze = freeze_account(
            db, user_id=user.id, reason=R.REASONS[rule.key], staff=None, rule=rule.key, ip=ip
        )
        hit.case_id = freeze.case_id
    elif place and not new_device:  # a new device has its own alert (identity.signin)
        notify.new_location(db, user=user, location=place, ip=ip)
    db.flush()
    return match.action


def assess_withdrawal(db: Session, *, tx: WalletTransaction, psettings: PaymentSettings) -> str:
    """ "pass", "review" (the withdrawal waits for staff with its funds held) or "freeze" (the
    same, and the account is frozen). `tx` is recorded and its funds held already."""
    settings = settings_of(db)
    user = identity.get_user(db, user_id=tx.user_id)
    rates, threshold = psettings.rates, Decimal(psettings.review_threshold_cny)
    amount = facts.cny(tx.amount_minor, tx.currency, rates)
    matches = _outgoing_matches(db, settings, user=user, amount_cny=amount, rates=rates, tx=tx)
    if rule := _rule(settings, "large_withdrawal"):
        matches.append(R.large_withdrawal(rule, amount_cny=amount, threshold_cny=threshold))
    if rule := _rule(settings, "new_account_large_withdrawal"):
        age = utcnow() - user.created_at
        matches.append(
            R.new_account_large_withdrawal(
                rule, amount_cny=amount, account_age=age, threshold_cny=threshold
            )
        )
    if rule := _rule(settings, "new_device_login"):
        since = facts.new_sign_in_since(db, user_id=user.id, window=R.review_window(rule))
        if since is not None:
            matches.append(R.Match(rule.key, "review", {"signed_in_at": since.isoformat()}))
    action = enforce(db, verdict=R.Verdict(tuple(m for m in matches if m)), tx=tx)
    return "pass" if action == "alert" else action


def check_transfer(db: Session, *, user_id: int, amount_minor: int, currency: str) -> R.Verdict:
    """What the rules say of a transfer about to be made (nothing is written): the caller
    records the transfer as it goes, then passes the verdict to `enforce`."""
    settings = settings_of(db)
    user = identity.get_user(db, user_id=user_id)
    rates = cny_rates_of(db)
    amount = facts.cny(amount_minor, currency, rates)
    matches = _outgoing_matches(db, settings, user=user, amount_cny=amount, rates=rates, tx=None)
    return R.Verdict(tuple(m for m in matches if m))


def _outgoing_matches(
    db: Session,
    settings: Settings | None,
    *,
    user: User,
    amount_cny: Decimal,
    rates: dict[str, Decimal],
    tx: WalletTransaction | None,
) -> list[R.Match | None]:
    """The rules on any payment out: unusual amount and velocity (`tx` itself not counted)."""
    found: list[R.Match | None] = []
    exclude = tx.id if tx is not None else None
    if rule := _rule(settings, "unusual_amount"):
        days = float(rule.number("lookback_days"))
        largest = facts.largest_recent_cny(
            db, user_id=user.id, since=utcnow() - timedelta(days=days), exclude=exclude, rates=rates
        )
        found.append(R.unusual_amount(rule, amount_cny=amount_cny, largest_cny=largest))
    if rule := _rule(settings, "velocity"):
        since = utcnow() - timedelta(minutes=float(rule.number("window_minutes")))
        count, total = facts.outgoing_since(
            db, user_id=user.id, since=since, exclude=exclude, rates=rates
        )
        found.append(R.velocity(rule, count=count + 1, total_cny=total + amount_cny))
    return found


def enforce(db: Session, *, verdict: R.Verdict, tx: WalletTransaction) -> str:
    """Carry out the verdict on payment `tx`, already recorded: pending with its funds held
    (a hold for review) or failed (a transfer stopped by a freeze). Every match becomes a hit;
    a hold or freeze is published (a review case is opened for it) and the customer is told.
    Returns the action."""
    action = verdict.action
    if action == "pass":
        return action
    user = identity.get_user(db, user_id=tx.user_id)
    deciding = verdict.deciding
    assert deciding is not None
    reason = R.REASONS[deciding.rule]
    subject = ("wallet_transaction", tx.public_id)
    hits = [_hit(db, user_id=user.id, match=m, subject=subject) for m in verdict.matches]
    if action == "alert":
        notify.noticed(db, user=user, tx=tx, reason=reason)
        return action
    flagged = signals.PaymentFlagged(
        user_id=user.id,
        action=action,
        transaction=tx.public_id,
        tx_kind=tx.kind,
        amount_minor=tx.amount_minor,
        currency=tx.currency,
        occurred_at=tx.created_at,
        rules=tuple(m.rule for m in verdict.matches),
        hit_ids=tuple(hit.id for hit in hits),
    )
    publish(db, flagged)
    case_id = hits[0].case_id  # the review case a subscriber opened and linked, if any
    if action == "freeze":
        freeze_account(
            db,
            user_id=user.id,
            reason=reason,
            staff=None,
            rule=deciding.rule,
            case_id=case_id,
            source=f"wallet_transaction:{tx.public_id}",
        )
    stopped = tx.status != "pending"
    held = signals.PaymentHeld(
        user_id=user.id, transaction=tx.public_id, reason=reason, stopped=stopped, case_id=case_id
    )
    publish(db, held)
    if not stopped:
        case = case_number(case_id) if case_id else ""
        notify.held(db, user=user, tx=tx, reason=reason, case=case, text=action == "review")
    return action


def link_review_case(
    db: Session, *, case_id: int, hit_ids: tuple[int, ...] = (), freeze_id: int | None = None
) -> None:
    """Remember the review case opened for these hits or this freeze (by whoever handles
    risk.signals): refusals, notices and texts name it, and decisions are told on it."""
    for hit_id in hit_ids:
        hit = db.get(RiskHit, hit_id)
        if hit is not None:
            hit.case_id = case_id
    if freeze_id is not None:
        freeze = db.get(AccountFreeze, freeze_id)
        if freeze is not None:
            freeze.case_id = case_id
    db.flush()


def review_case_of(db: Session, *, public_id: str) -> int | None:
    """The review case risk control opened for this payment, if it held or stopped it."""
    return db.scalar(
        select(RiskHit.case_id)
        .where(
            RiskHit.subject_type == "wallet_transaction",
            RiskHit.subject_id == public_id,
            RiskHit.case_id.is_not(None),
        )
        .order_by(RiskHit.id.desc())
        .limit(1)
    )


def record_review_decision(
    db: Session, *, tx: WalletTransaction, staff: User, approved: bool, note: str = "", ip: str = ""
) -> None:
    """Staff decided a payment that risk control held: said on its review case, if any."""
    decided = signals.HeldPaymentDecided(
        transaction=tx.public_id,
        staff_id=staff.id,
        approved=approved,
        note=note,
        case_id=review_case_of(db, public_id=tx.public_id),
        ip=ip,
    )
    publish(db, decided)


def _hit(db: Session, *, user_id: int, match: R.Match, subject: tuple[str, str]) -> RiskHit:
    hit = RiskHit(
        user_id=user_id,
        rule=match.rule,
        action=match.action,
        subject_type=subject[0],
        subject_id=subject[1],
        details=match.details,
    )
    db.add(hit)
    db.flush()
    return hit


# --- freezing and lifting ------------------------------------------------------------------


def freeze_account(
    db: Session,
    *,
    user_id: int,
    reason: str,
    staff: User | None,
    rule: str = STAFF,
    case_id: int | None = None,
    ip: str = "",
    source: str = "",
) -> AccountFreeze:
    """Freeze the customer's account: by staff (permission "account.freeze"; audited; `reason`
    is their words, shown to the customer) or, with staff None, by rule `rule` (`reason` a
    message id). `case_id`, the customer's review case it belongs to (the caller's own);
    without one, the subscriber to AccountFrozen opens one for review. The customer is told."""
    user = identity.get_user(db, user_id=user_id)
    if user.role != "customer":
        raise ValidationFailed("Only a customer's account can be frozen.", field="user_id")
    reason = (reason or "").strip()
    if staff is not None:
        require_permission(staff, "account.freeze")
        rule = STAFF
        if not reason:
            raise ValidationFailed("Give the reason the customer will see.", field="reason")
    elif rule not in R.REASONS and rule not in R.SYSTEM_REASONS:
        raise ValueError(f"unknown rule {rule}")
    freeze = AccountFreeze(
        user_id=user.id,
        reason=reason[:500],
        rule=rule,
        source=source[:80],
        case_id=case_id,
        created_by_id=staff.id if staff else None,
    )
    db.add(freeze)
    db.flush()
    frozen = signals.AccountFrozen(
        freeze_id=freeze.id,
        user_id=user.id,
        reason=freeze.reason,
        rule=rule,
        staff_id=staff.id if staff else None,
        case_id=case_id,
        ip=ip,
    )
    publish(db, frozen)  # without a case, its subscriber opens one and links it
    if staff is not None:
        audit.record(
            db,
            actor_id=staff.id,
            action="account.freeze",
            subject_type="user",
            subject_id=user.id,
            details={"freeze_id": freeze.id, "reason": freeze.reason, "case_id": freeze.case_id},
            ip=ip,
        )
    case = case_number(freeze.case_id) if freeze.case_id else ""
    notify.frozen(db, user=user, reason=freeze.reason, case=case)
    return freeze


def lift_system_freezes(db: Session, *, user_id: int, rule: str) -> int:
    """Lift the customer's freezes that the system made for `rule` once their cause is gone
    (money owed after a chargeback, repaid): no second person is needed, as none froze it.
    Returns how many were lifted."""
    if rule not in R.SYSTEM_REASONS:
        raise ValueError(f"not a system freeze: {rule}")
    found = db.scalars(
        select(AccountFreeze)
        .where(
            AccountFreeze.user_id == user_id,
            AccountFreeze.rule == rule,
            AccountFreeze.lifted_at.is_(None),
        )
        .with_for_update()
    ).all()
    for freeze in found:
        freeze.lifted_at = utcnow()
        freeze.lift_note = "resolved"
        lifted = signals.FreezeLifted(
            freeze_id=freeze.id, user_id=user_id, rule=rule, case_id=freeze.case_id
        )
        publish(db, lifted)
    if found:
        db.flush()
        audit.record(
            db,
            actor_id=None,
            action="account.unfreeze",
            subject_type="user",
            subject_id=user_id,
            details={"freeze_ids": [f.id for f in found], "rule": rule},
        )
        user = identity.get_user(db, user_id=user_id)
        notify.unfrozen(db, user=user, still_frozen=is_frozen(db, user_id=user_id))
    return len(found)


def request_unfreeze(
    db: Session,
    *,
    freeze_id: int,
    staff: User,
    reason: str,
    case_id: int | None = None,
    customer_id: int | None = None,
    ip: str = "",
) -> Approval:
    """Ask a second member of staff to lift this freeze (on its case unless told another).
    Asked from a case, `customer_id` is that case's customer: only their freeze is found."""
    freeze = db.get(AccountFreeze, freeze_id)
    if freeze is None or (customer_id is not None and freeze.user_id != customer_id):
        raise NotFound("This freeze does not exist.")
    if freeze.lifted_at is not None:
        raise Conflict("This freeze has already been lifted.")
    waiting = approvals.approvals_of(db, customer_id=freeze.user_id)
    if any(
        a.kind == "unfreeze" and a.status == "pending" and a.payload.get("freeze_id") == freeze.id
        for a in waiting
    ):
        raise Conflict("Lifting this freeze is already waiting for approval.")
    return approvals.request_approval(
        db,
        kind="unfreeze",
        staff=staff,
        customer_id=freeze.user_id,
        payload={"freeze_id": freeze.id},
        reason=reason,
        case_id=case_id if case_id is not None else freeze.case_id,
        ip=ip,
    )


def _lift(db: Session, approval: Approval, approver: User) -> dict[str, object]:
    """Carries out an approved "unfreeze": lifts that one freeze; others stay in force."""
    freeze = db.scalars(
        select(AccountFreeze)
        .where(AccountFreeze.id == int(approval.payload.get("freeze_id", 0)))
        .with_for_update()
    ).first()
    if freeze is None or freeze.user_id != approval.customer_id:
        raise NotFound("This freeze does not exist.")
    if freeze.lifted_at is not None:
        raise Conflict("This freeze has already been lifted.")
    freeze.lifted_at = utcnow()
    freeze.lifted_by_id = approver.id
    freeze.lift_approval_id = approval.id
    freeze.lift_note = approval.reason
    db.flush()
    still = is_frozen(db, user_id=freeze.user_id)
    audit.record(
        db,
        actor_id=approver.id,
        action="account.unfreeze",
        subject_type="user",
        subject_id=freeze.user_id,
        details={
            "freeze_id": freeze.id,
            "approval_id": approval.id,
            "requested_by": approval.requested_by_id,
        },
    )
    lifted = signals.FreezeLifted(
        freeze_id=freeze.id,
        user_id=freeze.user_id,
        rule=freeze.rule,
        staff_id=approver.id,
        requested_by_id=approval.requested_by_id,
        case_id=freeze.case_id,
        asked_on_case_id=approval.case_id if approval.case_id != freeze.case_id else None,
    )
    publish(db, lifted)
    user = identity.get_user(db, user_id=freeze.user_id)
    notify.unfrozen(db, user=user, still_frozen=still)
    return {"freeze_id": freeze.id, "still_frozen": still}


approvals.register_kind(
    approvals.ApprovalKind(
        kind="unfreeze",
        label="Unfreeze the account",
        request_permission="account.unfreeze.request",
        approve_permission="account.unfreeze.approve",
        execute=_lift,
    )
)
