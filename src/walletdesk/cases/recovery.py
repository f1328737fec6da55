"""Account recovery (locked, frozen, stolen): the customer's report, what they prove (the
registered phone by SMS code, recent transactions they can name, an ID document and a selfie)
and staff's decision: unlock, unfreeze (asked of a second person), an emergency freeze, and
for a stolen account a reset of its password and sessions with a checklist to secure it.

A stolen-account report freezes outgoing money in the report's own transaction, before anyone
looks. Keyword-only functions that flush and never commit; every step is on the timeline.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.cases import events, types
from walletdesk.cases import service as cases
from walletdesk.cases.attachments import Upload, checksum, inspect, write_file
from walletdesk.cases.lines import TITLE_KEY, line, render_line
from walletdesk.cases.models import Case
from walletdesk.cases.recovery_models import (
    EVIDENCE_KINDS,
    OUTCOMES,
    REASONS,
    RecoveryEvidence,
    RecoveryRequest,
)
from walletdesk.cases.validation import clean_body
from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from walletdesk.i18n import N_, Translator
from walletdesk.identity import account as identity_account
from walletdesk.identity import service as identity
from walletdesk.identity import staff_actions
from walletdesk.identity.models import User
from walletdesk.identity.permissions import require_permission
from walletdesk.money import format_minor, parse_amount
from walletdesk.risk import service as risk
from walletdesk.risk.models import AccountFreeze
from walletdesk.risk.rules import SYSTEM_REASONS
from walletdesk.wallet.transactions import WalletTransaction, record_transaction

TYPE = "account_recovery"
STOLEN_RULE = "reported_stolen"
MAX_NAMED = 3
CATEGORY = "account"

REASON_LABELS = {
    "locked": N_("My account is locked"),
    "frozen": N_("My account is frozen"),
    "stolen": N_("My account was stolen"),
}
EVIDENCE_LABELS = {"id_document": N_("ID document"), "selfie": N_("Selfie")}
OUTCOME_LABELS = {
    "unlock": N_("Unlock the account"),
    "unfreeze": N_("Lift the freeze (a second person approves)"),
    "freeze": N_("Emergency freeze"),
    "decline": N_("Not confirmed: keep the account as it is"),
}
TITLE = N_("Account recovery: {what}")
# What the customer reads of the outcome, in their language.
TOLD = {
    "unlock": N_("We confirmed that the account is yours and lifted the lock: {reason}"),
    "unfreeze": N_(
        "We confirmed that the account is yours. A second member of staff approves lifting "
        "the freeze; we will tell you here when it is lifted. {reason}"
    ),
    "freeze": N_("We froze your account to protect it: {reason}"),
    "decline": N_(
        "We could not confirm that the account is yours: {reason} You can reply on this case "
        "with more proof."
    ),
}
CHECKLIST = N_(
    "To secure your account: 1. Choose a new password with Forgot password on the sign-in "
    "page (we signed every device out and the old password no longer works). 2. Check your "
    "recent transactions and tell us here about any you did not make. 3. Turn on two-step "
    "verification in Security settings. 4. Never share SMS codes or your password: our staff "
    "never ask for them."
)
FROZEN_AT_ONCE = N_(
    "You reported your account stolen: we froze outgoing money at once, before anyone looked. "
    "Money can still come in. Next, prove the account is yours on this page."
)


@dataclass(frozen=True)
class PublicReport:
    """What the public form hands back: the token that lets the reporter continue, and the
    case (None when the phone is no customer's: the answer looks the same)."""

    case_id: int | None
    token: str


# --- reporting -------------------------------------------------------------------------------


def report(
    db: Session,
    *,
    settings: Settings,
    customer: User,
    reason: str,
    description: str,
    channel: str = "portal",
    token: str = "",
    ip: str = "",
) -> Case:
    """A recovery case for `customer`'s account. A stolen account's outgoing money is frozen
    now, as the customer's own report (risk's freeze, same transaction), and the case waits
    on the customer's proof. `token` (the public form's) lets a reporter who cannot sign in
    continue."""
    if customer.role != "customer":
        raise Forbidden("Cases are opened by customers.")
    if reason not in REASONS:
        raise ValidationFailed("Choose what happened to your account.", field="reason")
    text = clean_body(description) if description.strip() else ""
    title = line(TITLE, ("what",), what=REASON_LABELS[reason])
    case = Case(
        customer=customer,
        type=TYPE,
        status=types.get_type(TYPE).initial,
        category=CATEGORY,
        priority="urgent" if reason == "stolen" else "high",
        channel=channel,
        subject=render_line(Translator(customer.lang), title)[:200],
        description=text,
        details={TITLE_KEY: title, "recovery_reason": reason},
    )
    db.add(case)
    db.flush()
    request = RecoveryRequest(
        case_id=case.id, reason=reason, token_hash=_digest(token) if token else None, named=[]
    )
    db.add(request)
    events.record(db, case=case, actor=customer, type="open", data={"type": TYPE}, ip=ip)
    if reason == "stolen":
        _freeze_at_once(db, case=case, request=request, customer=customer, ip=ip)
    _step(db, case=case, actor=None, target="verifying", reason="proof")
    db.flush()
    return case


def _freeze_at_once(
    db: Session, *, case: Case, request: RecoveryRequest, customer: User, ip: str
) -> None:
    """Outgoing money stops now; a freeze from an earlier report still in force is kept."""
    freeze = next(
        (f for f in risk.active_freezes(db, user_id=customer.id) if f.rule == STOLEN_RULE), None
    )
    if freeze is None:
        freeze = risk.freeze_account(
            db,
            user_id=customer.id,
            reason=SYSTEM_REASONS[STOLEN_RULE],
            staff=None,
            rule=STOLEN_RULE,
            case_id=case.id,
            ip=ip,
            source=f"case:{case.number}",
        )
    request.freeze_id = freeze.id
    audit.record(
        db,
        actor_id=customer.id,
        action="account.reported_stolen",
        subject_type="user",
        subject_id=customer.id,
        details={"case_id": case.id, "freeze_id": freeze.id, "frozen_at_once": True},
        ip=ip,
    )
    cases.record_action(
        db,
        case_id=case.id,
        actor=None,
        text=N_(
            "{actor} froze outgoing money at once, as the customer reported the account "
            "stolen (before anyone looked)"
        ),
        tell_customer=FROZEN_AT_ONCE,
        ip=ip,
    )


def report_by_phone(
    db: Session,
    *,
    settings: Settings,
    phone: str,
    reason: str,
    description: str,
    ip: str = "",
) -> PublicReport:
    """The public form, for a customer who cannot sign in: the account is the one the
    registered phone names. A code is texted to that phone (a decoy when it is no customer's,
    so the answer does not tell whether it is registered); the SMS throttle limits reports."""
    if reason not in REASONS:
        raise ValidationFailed("Choose what happened to your account.", field="reason")
    normal = identity_account.request_recovery_code(db, settings=settings, phone=phone, ip=ip)
    token = secrets.token_urlsafe(24)
    customer = identity_account.customer_of_phone(db, phone=normal)
    if customer is None:
        return PublicReport(None, token)
    case = report(
        db,
        settings=settings,
        customer=customer,
        reason=reason,
        description=description,
        channel="recovery_form",
        token=token,
        ip=ip,
    )
    cases.record_action(
        db, case_id=case.id, actor=None, text=N_("{actor} texted a code to the registered phone")
    )
    return PublicReport(case.id, token)


def case_by_token(db: Session, *, case_id: int | None, token: str) -> Case | None:
    """The recovery case the public form's token opens; None for a report on a phone that is
    no customer's (it has no case). NotFound for a token that opens nothing."""
    if case_id is None:
        return None
    request = db.get(RecoveryRequest, case_id)
    if request is None or not request.token_hash or not token:
        raise NotFound("This recovery request does not exist or has expired.")
    if not hmac.compare_digest(request.token_hash, _digest(token)):
        raise NotFound("This recovery request does not exist or has expired.")
    case = db.get(Case, case_id)
    assert case is not None
    return case


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- what the customer proves ------------------------------------------------------------------


def request_of(db: Session, *, case: Case) -> RecoveryRequest:
    request = db.get(RecoveryRequest, case.id) if case.type == TYPE else None
    if request is None:
        raise NotFound("This case is not an account recovery.")
    return request


def send_code(db: Session, *, settings: Settings, case: Case, ip: str = "") -> None:
    """Text a code to the account's registered phone (never to a number typed in)."""
    _check_proving(case)
    customer = identity.get_user(db, user_id=case.customer_id)
    if not customer.phone:
        raise ValidationFailed("This account has no registered phone.", field="code")
    identity_account.request_recovery_code(db, settings=settings, phone=customer.phone, ip=ip)


def verify_phone(db: Session, *, settings: Settings, case: Case, code: str, ip: str = "") -> None:
    """The code texted to the registered phone: proves the reporter holds it. A wrong code
    is counted (the caller commits before answering)."""
    _check_proving(case)
    request = request_of(db, case=case)
    customer = identity.get_user(db, user_id=case.customer_id)
    if request.phone_verified_at is not None:
        return
    identity_account.confirm_recovery_code(
        db, settings=settings, phone=customer.phone or "", code=code
    )
    request.phone_verified_at = utcnow()
    cases.record_action(
        db,
        case_id=case.id,
        actor=customer,
        text=N_("{actor} proved the registered phone with an SMS code"),
        ip=ip,
    )


@dataclass(frozen=True)
class Named:
    """A transaction as the customer remembers it: amount and local day."""

    amount: str
    day: str
    currency: str = "CNY"


def name_transactions(
    db: Session, *, settings: Settings, case: Case, named: Sequence[Named], ip: str = ""
) -> int:
    """Check the transactions the customer named against the wallet's real history (same
    amount and currency on that local day, each transaction counted once) and record how
    many matched. The customer is not told which, so the form cannot probe the history."""
    _check_proving(case)
    request = request_of(db, case=case)
    given = [n for n in named if n.amount.strip() or n.day.strip()]
    if not given:
        raise ValidationFailed("Name at least one recent transaction.", field="named")
    if len(given) > MAX_NAMED:
        raise ValidationFailed("Name at most {n} transactions.", field="named", n=MAX_NAMED)
    zone = ZoneInfo(settings.timezone)
    rows, used = [], set()
    for index, item in enumerate(given):
        amount = parse_amount(item.amount, item.currency, field=f"amount_{index}")
        day = _day(item.day, field=f"day_{index}", zone=zone)
        found = _match(db, case=case, amount=amount, currency=item.currency, day=day, zone=zone)
        matched = next((tx.public_id for tx in found if tx.public_id not in used), None)
        if matched:
            used.add(matched)
        rows.append(
            {
                "amount_minor": amount,
                "currency": item.currency,
                "day": day.isoformat(),
                "matched": matched,
            }
        )
    request.named = rows
    request.matched_count = len(used)
    cases.record_action(
        db,
        case_id=case.id,
        actor=_customer(db, case),
        text=N_("{actor} named {named} recent transactions; {matched} match the wallet's history"),
        params={"named": len(rows), "matched": len(used)},
        ip=ip,
    )
    db.flush()
    return len(used)


def _day(text: str, *, field: str, zone: ZoneInfo) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed("Enter the date as YYYY-MM-DD.", field=field) from None
    if day > datetime.now(zone).date():
        raise ValidationFailed("This date is in the future.", field=field)
    return day


def _match(
    db: Session, *, case: Case, amount: int, currency: str, day: date, zone: ZoneInfo
) -> list[WalletTransaction]:
    start = datetime.combine(day, time.min, tzinfo=zone)
    return list(
        db.scalars(
            select(WalletTransaction)
            .where(
                WalletTransaction.user_id == case.customer_id,
                WalletTransaction.amount_minor == amount,
                WalletTransaction.currency == currency,
                WalletTransaction.created_at >= start,
                WalletTransaction.created_at < start + timedelta(days=1),
            )
            .order_by(WalletTransaction.id)
        )
    )


def add_evidence(
    db: Session, *, settings: Settings, case: Case, kind: str, upload: Upload, ip: str = ""
) -> RecoveryEvidence:
    """An ID document (image or PDF) or a selfie (an image), checked by its content like case
    files and kept apart from them: staff allowed to review recoveries alone see it."""
    _check_proving(case)
    if kind not in EVIDENCE_KINDS:
        raise ValidationFailed("Choose what the file shows.", field="kind")
    checked = inspect(upload, max_bytes=settings.upload_max_bytes)
    if kind == "selfie" and not checked.content_type.startswith("image/"):
        raise ValidationFailed("The selfie must be a photo.", field="attachments")
    stored = write_file(db, uploads_dir=settings.uploads_dir, data=checked.data)
    row = RecoveryEvidence(
        case_id=case.id,
        kind=kind,
        file_name=checked.file_name,
        stored_name=stored,
        content_type=checked.content_type,
        size_bytes=len(checked.data),
        sha256=checksum(checked.data),
    )
    db.add(row)
    db.flush()
    cases.record_action(
        db,
        case_id=case.id,
        actor=_customer(db, case),
        text=N_("{actor} uploaded {what}"),
        params={"what": EVIDENCE_LABELS[kind]},
        translated=("what",),
        ip=ip,
    )
    return row


def evidence_of(db: Session, *, case: Case) -> list[RecoveryEvidence]:
    return list(
        db.scalars(
            select(RecoveryEvidence)
            .where(RecoveryEvidence.case_id == case.id)
            .order_by(RecoveryEvidence.id)
        )
    )


def submit_for_review(db: Session, *, case: Case, ip: str = "") -> None:
    """The customer has given what they can: staff review it. At least the phone, or both
    an ID document and a selfie."""
    request = request_of(db, case=case)
    kinds = {e.kind for e in evidence_of(db, case=case)}
    if request.phone_verified_at is None and not set(EVIDENCE_KINDS) <= kinds:
        raise ValidationFailed(
            "Prove the registered phone with the SMS code, or upload both an ID document and "
            "a selfie.",
            field="form",
        )
    _step(db, case=case, actor=_customer(db, case), target="under_review", reason="proof_given")


def _customer(db: Session, case: Case) -> User:
    return identity.get_user(db, user_id=case.customer_id)


def _check_proving(case: Case) -> None:
    if case.type != TYPE:
        raise NotFound("This case is not an account recovery.")
    if case.status not in ("received", "verifying"):
        raise Conflict(
            "Your proof is with our staff now. Reply on the case if you have more to add.",
            code="recovery_in_review",
        )


# --- staff's review and decision ---------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """What staff see to decide: the proof, the match score, the account's state."""

    case: Case
    request: RecoveryRequest
    evidence: list[RecoveryEvidence]
    customer: User
    locked_until: datetime | None
    freezes: list[AccountFreeze]  # in force

    @property
    def named_count(self) -> int:
        return len(self.request.named or [])

    @property
    def self_locked(self) -> bool:
        return self.customer.self_locked_at is not None

    @property
    def lock_running(self) -> bool:
        return self.locked_until is not None and self.locked_until > utcnow()

    def named_rows(self) -> list[tuple[str, str, str | None]]:
        """(amount, day, matched transaction or None), as staff read them."""
        return [
            (
                f"{format_minor(int(n['amount_minor']), str(n['currency']))} {n['currency']}",
                str(n["day"]),
                n.get("matched"),
            )
            for n in self.request.named or []
        ]


def review_of(db: Session, *, case: Case, staff: User) -> Review:
    require_permission(staff, "recovery.review")
    request = request_of(db, case=case)
    customer = identity.get_user(db, user_id=case.customer_id)
    return Review(
        case=case,
        request=request,
        evidence=evidence_of(db, case=case),
        customer=customer,
        locked_until=customer.locked_until,
        freezes=risk.active_freezes(db, user_id=customer.id),
    )


def open_evidence(
    db: Session, *, case: Case, staff: User, evidence_id: int, ip: str = ""
) -> RecoveryEvidence:
    """One evidence file for staff allowed to review recoveries; each look is audited."""
    require_permission(staff, "recovery.review")
    row = db.get(RecoveryEvidence, evidence_id)
    if row is None or row.case_id != case.id:
        raise NotFound()
    audit.record(
        db,
        actor_id=staff.id,
        action="recovery.evidence.view",
        subject_type="case",
        subject_id=case.id,
        details={"evidence_id": row.id, "kind": row.kind},
        ip=ip,
    )
    return row


def ask_more_proof(
    db: Session, *, settings: Settings, case: Case, staff: User, note: str, ip: str = ""
) -> None:
    """Back to the customer: what else to prove, in staff's words (they read it)."""
    require_permission(staff, "recovery.review")
    request_of(db, case=case)
    _step(db, case=case, actor=staff, target="verifying", reason="more_proof")
    cases.post_reply(db, case=case, author=staff, body=note, settings=settings, ip=ip)


def decide(
    db: Session,
    *,
    settings: Settings,
    case: Case,
    staff: User,
    outcome: str,
    reason: str,
    ip: str = "",
) -> None:
    """Staff's decision with its reason, carried out through the domains that own it: the
    lock lifted (identity), the freezes' lifting asked of a second person (risk, approvals),
    or an emergency freeze. A stolen account (unless declined) also gets its password and
    sessions reset and a checklist to secure it. The customer is told in their language."""
    require_permission(staff, "recovery.review")
    request = request_of(db, case=case)
    if outcome not in OUTCOMES:
        raise ValidationFailed("Choose a decision.", field="outcome")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason the customer will see.", field="reason")
    reason = reason[:500]
    types.get_type(case.type).check(case.status, "decided", types.actor_of(staff.role))
    _carry_out(db, settings=settings, case=case, staff=staff, outcome=outcome, reason=reason, ip=ip)
    if request.reason == "stolen" and outcome != "decline":
        staff_actions.secure_stolen_account(
            db,
            settings=settings,
            staff=staff,
            customer_id=case.customer_id,
            reason=reason,
            case_id=case.id,
            ip=ip,
        )
        cases.record_action(
            db,
            case_id=case.id,
            actor=staff,
            text=N_("{actor} reset the password and signed out every session"),
            tell_customer=CHECKLIST,
            ip=ip,
        )
    request.outcome = outcome
    request.outcome_reason = reason
    request.decided_by_id = staff.id
    request.decided_at = utcnow()
    _step(db, case=case, actor=staff, target="decided", reason=outcome)
    cases.record_action(
        db,
        case_id=case.id,
        actor=staff,
        text=N_("{actor} decided the recovery: {what} ({reason})"),
        params={"what": OUTCOME_LABELS[outcome], "reason": reason},
        translated=("what",),
        ip=ip,
    )
    told = line(TOLD[outcome], reason=reason)
    cases.post_system_line(db, case=case, line=told, ip=ip)
    db.flush()


def _carry_out(
    db: Session,
    *,
    settings: Settings,
    case: Case,
    staff: User,
    outcome: str,
    reason: str,
    ip: str,
) -> None:
    customer = identity.get_user(db, user_id=case.customer_id)
    locked = customer.self_locked_at is not None or (
        customer.locked_until is not None and customer.locked_until > utcnow()
    )
    if outcome == "unlock" or (outcome == "unfreeze" and locked):
        staff_actions.unlock_account(
            db,
            settings=settings,
            staff=staff,
            customer_id=customer.id,
            reason=reason,
            case_id=case.id,
            ip=ip,
        )
    if outcome == "unfreeze":
        freezes = risk.active_freezes(db, user_id=customer.id)
        if not freezes:
            raise Conflict("This account is not frozen.", field="outcome")
        for freeze in freezes:
            risk.request_unfreeze(
                db,
                freeze_id=freeze.id,
                staff=staff,
                reason=reason,
                case_id=case.id,
                customer_id=customer.id,
                ip=ip,
            )
    elif outcome == "freeze":
        risk.freeze_account(
            db, user_id=customer.id, reason=reason, staff=staff, case_id=case.id, ip=ip
        )


def _step(
    db: Session,
    *,
    case: Case,
    actor: User | None,
    target: str,
    reason: str,
) -> None:
    """One step along the recovery path, checked against it (no actor: the system)."""
    acting = types.actor_of(actor.role) if actor is not None else "system"
    types.get_type(case.type).check(case.status, target, acting)
    data = {"from": case.status, "to": target, "reason": reason}
    case.status = target
    events.record(db, case=case, actor=actor, type="status", data=data, ip="")
    db.flush()


# --- the demo ----------------------------------------------------------------------------------

DEMO_STOLEN_PHONE = "+8613800138002"


def seed_recovery_demo(db: Session, *, settings: Settings) -> None:
    """A second demo customer whose account was reported stolen an hour ago: outgoing money
    frozen at once, the proof (two named transactions that match, an ID document and a
    selfie) sent, waiting for an agent's decision. Idempotent: once the customer exists."""
    if identity.find_by_login(db, DEMO_STOLEN_PHONE) is not None:
        return
    customer = identity.create_user(
        db,
        role="customer",
        phone=DEMO_STOLEN_PHONE,
        password=secrets.token_urlsafe(24),  # nobody signs in: the account was stolen
        display_name="王小红",
    )
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    for amount in (30_000, 8_800):
        record_transaction(
            db,
            user_id=customer.id,
            kind="deposit",
            amount_minor=amount,
            currency="CNY",
            status="succeeded",
            method="bank_card",
        )
    case = report(
        db,
        settings=settings,
        customer=customer,
        reason="stolen",
        description="我的手机昨晚被偷了，今天早上收到了不是我本人的登录提醒。",
    )
    named = [Named("300", today.isoformat()), Named("88", today.isoformat())]
    name_transactions(db, settings=settings, case=case, named=named)
    for kind, color in (("id_document", (40, 90, 200)), ("selfie", (220, 180, 150))):
        upload = Upload(f"{kind}.png", _demo_image(color))
        add_evidence(db, settings=settings, case=case, kind=kind, upload=upload)
    submit_for_review(db, case=case)
    case.created_at = utcnow() - timedelta(hours=1)
    db.flush()


def _demo_image(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), color).save(buffer, format="PNG")
    return buffer.getvalue()
