"""The demo's cases of each type at a different point of its clock: a complaint under
investigation with little time left, one answered and waiting for the customer, and an appeal
about a failed transaction just received. Opened through the ordinary services, then dated
back. (Account recovery and feedback seeds are added here too, by their own paths.)
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.cases import appeals, commitments, complaints
from walletdesk.cases import service as cases
from walletdesk.cases.models import Case, CaseCommitment
from walletdesk.cases.samples import DEMO_CUSTOMER
from walletdesk.config import Settings
from walletdesk.db import utcnow
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.wallet.transactions import WalletTransaction


def seed_demo_paths(db: Session, *, settings: Settings) -> None:
    """Idempotent: nothing happens once the demo customer has a complaint."""
    customer = identity.find_by_login(db, DEMO_CUSTOMER)
    if customer is None or _has(db, customer, "complaint"):
        return
    agents = [u for u in identity.list_staff(db) if u.role == "agent" and u.is_active]
    agent = agents[0] if agents else None
    _complaint_under_investigation(db, customer=customer, agent=agent, settings=settings)
    _complaint_answered(db, customer=customer, agent=agent, settings=settings)
    _appeal_just_received(db, customer=customer, settings=settings)


def _has(db: Session, customer: User, case_type: str) -> bool:
    found = select(Case.id).where(Case.customer_id == customer.id, Case.type == case_type)
    return db.scalar(found.limit(1)) is not None


def _dated_back(db: Session, case: Case, *, days: int, settings: Settings) -> None:
    """As if the case had been received `days` ago: its deadline counted from then."""
    commitment = db.get(CaseCommitment, case.id)
    assert commitment is not None
    received = utcnow() - timedelta(days=days)
    case.created_at = received
    commitment.received_at = received
    rule = commitments.rule_of(commitment, settings)
    commitment.due_at = commitments.deadline(rule, received)
    complaints.acknowledge(db, case_id=case.id, settings=settings)
    db.flush()


def _complaint_under_investigation(
    db: Session, *, customer: User, agent: User | None, settings: Settings
) -> None:
    case = complaints.file_complaint(
        db,
        customer=customer,
        subject="提现被拒绝，三次都没有说明原因",
        description=(
            "发生了什么：我向自己的银行卡提现 2,000 元，三次都被拒绝。\n"
            "什么时候：两周前开始。\n"
            "结果：客服只说“系统原因”，没有任何解释。我要求说明原因并道歉。"
        ),
        remedies=["apology", "service_change"],
        settings=settings,
    )
    _dated_back(db, case, days=12, settings=settings)
    if agent is not None:
        body = "您好，我们已请风控团队核查这三次提现被拒的原因，核查完成后会给您书面的最终答复。"
        cases.post_reply(db, case=case, author=agent, body=body, settings=settings)


def _complaint_answered(
    db: Session, *, customer: User, agent: User | None, settings: Settings
) -> None:
    case = complaints.file_complaint(
        db,
        customer=customer,
        subject="Fee charged twice on one transfer",
        description=(
            "What happened: one transfer to a friend showed two fees.\n"
            "When: last week.\n"
            "Result: I paid the fee twice. I want the second fee back."
        ),
        remedies=["refund"],
        settings=settings,
    )
    _dated_back(db, case, days=6, settings=settings)
    if agent is not None:
        complaints.send_final_response(
            db,
            case=case,
            staff=agent,
            body=(
                "We checked the transfer: the second line is the fee of a separate transfer "
                "made one minute later, not a second fee on the same one. We are sorry the "
                "history made this hard to see and have asked for the two to be shown apart."
            ),
            settings=settings,
        )


def _appeal_just_received(db: Session, *, customer: User, settings: Settings) -> None:
    tx = db.scalar(
        select(WalletTransaction)
        .where(WalletTransaction.user_id == customer.id)
        .order_by((WalletTransaction.status == "failed").desc(), WalletTransaction.id.desc())
        .limit(1)
    )
    if tx is None:
        return
    case = appeals.file_appeal(
        db,
        customer=customer,
        transaction=tx.public_id,
        description=(
            "发生了什么：这笔交易显示失败，但我的银行卡已经扣款。\n"
            "什么时候：昨天。\n"
            "结果：钱没有到账，请退回。"
        ),
        settings=settings,
    )
    _dated_back(db, case, days=1, settings=settings)
