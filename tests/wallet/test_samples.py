"""The demo installation's customer has a real, balanced wallet history that agents and the
customer see, seeded once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from walletdesk.db import session_scope
from walletdesk.demo import seed_demo
from walletdesk.identity import service as identity
from walletdesk.payments import methods
from walletdesk.wallet import service as wallet
from walletdesk.wallet.ledger import verify_ledger
from walletdesk.wallet.transactions import WalletTransaction


def test_the_demo_customer_has_a_verified_wallet_with_history_seeded_once(app):
    for _ in range(2):
        with session_scope(app.state.sessionmaker) as db:
            seed_demo(db, settings=app.state.settings)
    with session_scope(app.state.sessionmaker) as db:
        customer = identity.find_by_login(db, "+8613800138000")
        assert customer is not None and customer.kyc_level == "basic"
        # 2,000 + 300 deposited, 800 withdrawn: free, as the schedule's first three
        # domestic withdrawals of a month are (issue 8: it was charged 2.00).
        assert wallet.balances(db, user_id=customer.id)["CNY"].available_minor == 150_000
        paid = db.scalars(
            select(WalletTransaction).where(
                WalletTransaction.user_id == customer.id, WalletTransaction.kind == "withdrawal"
            )
        ).one()
        assert paid.fee_minor == 0
        assert paid.details["fee_offer"] == "free-domestic-withdrawals"
        rows = db.execute(
            select(WalletTransaction.status, WalletTransaction.failure_code, func.count())
            .where(WalletTransaction.user_id == customer.id)
            .group_by(WalletTransaction.status, WalletTransaction.failure_code)
        ).all()
        assert {(s, f): n for s, f, n in rows} == {
            ("succeeded", None): 3,
            ("failed", "card_declined"): 1,
            ("failed", "not_received"): 1,
        }
        assert verify_ledger(db).ok
        # The card of the paid withdrawal is bound (once), so a deposit works at once.
        (card,) = methods.active_methods(db, user_id=customer.id)
        assert (card.kind, card.masked_number) == ("bank_card", "622848******1234")
        # Each one's steps follow it within minutes, as if they had happened then.
        for tx in db.scalars(
            select(WalletTransaction).where(WalletTransaction.user_id == customer.id)
        ):
            times = [step.at for step in tx.steps]
            assert times == sorted(times) and times[0] >= tx.created_at
            assert times[-1] - tx.created_at < timedelta(hours=1)
