"""The demo's sample cases: realistic, answered by the demo agent, created once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from walletdesk.cases import service
from walletdesk.cases.models import Case, CaseMessage
from walletdesk.db import session_scope
from walletdesk.identity.models import User
from walletdesk.wallet.samples import seed_demo_wallet
from walletdesk.wallet.transactions import WalletTransaction


def test_demo_cases_are_seeded_once(app, people):
    settings = app.state.settings
    for _ in range(2):
        with session_scope(app.state.sessionmaker) as db:
            service.seed_demo_cases(db, settings=settings)
    with session_scope(app.state.sessionmaker) as db:
        cases = db.scalars(select(Case).order_by(Case.id)).all()
        # The fixture's customer has the demo customer's phone number.
        assert {c.customer_id for c in cases} == {people.customer.id}
        assert 2 <= len(cases) <= 3
        deposit = next(c for c in cases if c.category == "deposit_withdrawal")
        assert (deposit.amount_minor, deposit.currency) == (50000, "CNY")
        assert deposit.details["transaction_id"]
        assert deposit.status == "pending_customer"
        replies = db.scalar(
            select(func.count(CaseMessage.id)).where(CaseMessage.case_id == deposit.id)
        )
        assert replies == 1
        assert any(c.category == "account" and c.status == "new" for c in cases)


def test_the_demo_deposit_case_is_about_the_deposit_that_did_not_arrive(app, people):
    with session_scope(app.state.sessionmaker) as db:
        seed_demo_wallet(db, customer=db.get(User, people.customer.id))
        service.seed_demo_cases(db, settings=app.state.settings)
    with session_scope(app.state.sessionmaker) as db:
        case = db.scalar(select(Case).where(Case.category == "deposit_withdrawal"))
        tx = db.scalar(
            select(WalletTransaction).where(WalletTransaction.failure_code == "not_received")
        )
        assert case.details["transaction_id"] == tx.public_id
        assert abs(datetime.fromisoformat(case.details["occurred_at"]) - tx.created_at) < timedelta(
            minutes=1
        )
        reply = db.scalar(select(CaseMessage.body).where(CaseMessage.case_id == case.id))
        assert tx.public_id in reply and "{" not in reply


def test_seeding_without_the_demo_customer_does_nothing(app):
    with session_scope(app.state.sessionmaker) as db:
        service.seed_demo_cases(db, settings=app.state.settings)
        assert db.scalar(select(func.count(Case.id))) == 0
