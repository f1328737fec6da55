"""The customer panel on a console case: who the customer is (personal data masked unless
revealed), their verification level, money, recent transactions, security events, locks and
freezes, past cases, and the approvals asked for on this case.

Read only. Each part is one explicit query (or two, with the rows it shows loaded in bulk),
whatever the number of rows: no lazy loads from the template.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.approvals import service as approvals
from walletdesk.approvals.display import ApprovalDisplay
from walletdesk.approvals.models import Approval
from walletdesk.cases.models import Case
from walletdesk.db import utcnow
from walletdesk.i18n import Translator
from walletdesk.identity import events
from walletdesk.identity.messages import KYC_LEVEL_LABELS
from walletdesk.identity.models import SecurityEvent, User
from walletdesk.identity.permissions import PERMISSIONS, can, require_permission
from walletdesk.identity.present import event_text, location_text
from walletdesk.identity.staff_actions import REVEALABLE, Profile, profile_of
from walletdesk.money import format_minor
from walletdesk.payments import stuck
from walletdesk.risk import service as risk
from walletdesk.risk.models import AccountFreeze
from walletdesk.wallet import adjustments, history, owed
from walletdesk.wallet import service as wallet
from walletdesk.wallet.reasons import reason_text
from walletdesk.wallet.transactions import WalletTransaction

RECENT_TRANSACTIONS = 10
RECENT_EVENTS = 10
PAST_CASES = 20


@dataclass(frozen=True)
class TransactionRow:
    tx: WalletTransaction
    fee_left_minor: int  # of the fee charged, what may still be refunded
    stuck: bool


@dataclass(frozen=True)
class CustomerPanel:
    customer: User
    profile: Profile
    # The transaction ID the customer gave on the case, and their transaction it names (by our
    # ID or the provider's reference); None when it names none of theirs.
    case_transaction_id: str
    case_transaction: WalletTransaction | None
    balances: list[wallet.Balance]
    owed: dict[str, int]  # currency → still owed after chargebacks
    transactions: list[TransactionRow]
    stuck: list[WalletTransaction]
    security_events: list[SecurityEvent]
    locked_until: datetime | None  # after wrong passwords, while it lasts
    fee_waiver_until: datetime | None  # support waived withdrawal and transfer fees until
    freezes: list[AccountFreeze]  # in force and lifted, newest first
    staff_names: dict[int, str]  # who lifted a freeze
    unfreeze_asked: set[int]  # freezes whose lifting waits for approval
    past_cases: list[Case]
    approvals: list[Approval]  # asked for on this case, newest first
    allowed: dict[str, bool]  # permission → whether the viewer holds it

    @property
    def self_locked(self) -> bool:
        return self.customer.self_locked_at is not None

    @property
    def refundable(self) -> list[TransactionRow]:
        return [row for row in self.transactions if row.fee_left_minor > 0]

    @property
    def currencies(self) -> list[str]:
        return [balance.currency for balance in self.balances]

    @property
    def active_freezes(self) -> list[AccountFreeze]:
        return [freeze for freeze in self.freezes if freeze.lifted_at is None]

    @property
    def pending_approvals(self) -> list[Approval]:
        return [approval for approval in self.approvals if approval.status == "pending"]


def customer_panel(
    db: Session,
    *,
    case: Case,
    staff: User,
    reveal: Collection[str] = (),
    now: datetime | None = None,
) -> CustomerPanel:
    """The panel of the case's customer (loaded with the case) as `staff` may see it."""
    require_permission(staff, "customer.view")
    customer = case.customer
    now = now or utcnow()
    recent = list(
        db.scalars(
            history.own_transactions(customer.id, history.Filters())
            .order_by(WalletTransaction.created_at.desc(), WalletTransaction.id.desc())
            .limit(RECENT_TRANSACTIONS)
        )
    )
    refunded = adjustments.refunded_fees(
        db, user_id=customer.id, public_ids=[tx.public_id for tx in recent]
    )
    rows = [
        TransactionRow(
            tx=tx,
            fee_left_minor=adjustments.charged_fee(tx) - refunded.get(tx.public_id, 0),
            stuck=stuck.is_stuck(tx, now=now),
        )
        for tx in recent
    ]
    locked_until, waiver = customer.locked_until, customer.fee_waiver_until
    freezes = risk.freezes_of(db, user_id=customer.id)
    given = str(case.details.get("transaction_id") or "")
    return CustomerPanel(
        customer=customer,
        profile=profile_of(db, customer=customer, reveal=reveal),
        case_transaction_id=given,
        case_transaction=history.named_transaction(db, user_id=customer.id, given=given),
        balances=list(wallet.balances(db, user_id=customer.id).values()),
        owed=owed.owed_by_currency(db, user_id=customer.id),
        transactions=rows,
        stuck=stuck.stuck_withdrawals(db, user_id=customer.id, now=now),
        security_events=events.events_of(db, user_id=customer.id, limit=RECENT_EVENTS),
        locked_until=locked_until if locked_until and locked_until > now else None,
        fee_waiver_until=waiver if waiver and waiver > now else None,
        freezes=freezes,
        staff_names=_names(db, {f.lifted_by_id for f in freezes if f.lifted_by_id}),
        unfreeze_asked=_unfreeze_asked(db, customer_id=customer.id),
        past_cases=_past_cases(db, case=case),
        approvals=approvals.approvals_of(db, case_id=case.id, limit=20),
        allowed={permission: can(staff, permission) for permission in PERMISSIONS},
    )


def _past_cases(db: Session, *, case: Case) -> list[Case]:
    return list(
        db.scalars(
            select(Case)
            .where(Case.customer_id == case.customer_id, Case.id != case.id)
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(PAST_CASES)
        )
    )


def _unfreeze_asked(db: Session, *, customer_id: int) -> set[int]:
    waiting = approvals.pending_for(db, customer_id=customer_id, kind="unfreeze")
    return {int(approval.payload.get("freeze_id", 0)) for approval in waiting}


def _names(db: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = db.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {row.id: row.display_name for row in rows}


class PanelDisplay:
    """How the panel reads, in the viewer's language."""

    fields = REVEALABLE

    def __init__(self, _: Translator) -> None:
        self._ = _
        self.lang = _.lang
        self.approval = ApprovalDisplay(_)

    def money(self, amount_minor: int, currency: str) -> str:
        return f"{format_minor(amount_minor, currency)} {currency}"

    def signed(self, tx: WalletTransaction) -> str:
        return f"{history.signed_amount(tx)} {tx.currency}"

    def kind(self, kind: str) -> str:
        return history.kind_label(kind, self._)

    def tx_status(self, status: str) -> str:
        return history.status_label(status, self._)

    def method(self, method: str) -> str:
        return history.method_label(method, self._)

    def reason(self, tx: WalletTransaction) -> str:
        """The words the customer reads for this transaction's failure."""
        return reason_text(tx.failure_code, self.lang, tx.kind)

    def stuck_since(self, tx: WalletTransaction) -> datetime:
        return stuck.last_activity(tx)

    def freeze_rule(self, rule: str) -> str:
        return self._(risk.rule_label(rule))

    def kyc_level(self, level: str) -> str:
        return self._(KYC_LEVEL_LABELS.get(level, level))

    def event(self, event: SecurityEvent) -> str:
        return event_text(self.lang, event)

    def location(self, event: SecurityEvent) -> str:
        where = str(event.details.get("location") or "")
        return location_text(self.lang, where, event.ip) if where else event.ip
