"""Property-based: any sequence of deposits, transfers, holds, captures and releases keeps the
books balanced, the balance columns equal to the postings, and no customer below zero."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.wallet.conftest import make_customers
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.errors import Conflict
from walletdesk.wallet import service as wallet
from walletdesk.wallet.errors import InsufficientFunds
from walletdesk.wallet.ledger import verify_ledger

CUSTOMERS = 3
who = st.integers(0, CUSTOMERS - 1)
money = st.integers(1, 5_000)


class Ledger(RuleBasedStateMachine):
    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp()
        path = Path(self.folder) / "wallet.db"
        shutil.copy(self.template, path)
        self.engine = make_engine(f"sqlite:///{path}")
        self.factory = make_sessionmaker(self.engine)
        self.users = make_customers(self.factory, CUSTOMERS)
        self.balance = [0] * CUSTOMERS  # what the customers should see
        self.held = [0] * CUSTOMERS
        self.owed = [0] * CUSTOMERS  # after chargebacks of spent deposits, in suspense
        self.holds: list[tuple[int, int, int]] = []  # (hold id, customer, amount), active
        self.keys = 0

    def key(self) -> str:
        self.keys += 1
        return f"k{self.keys}"

    def available(self, index: int) -> int:
        return self.balance[index] - self.held[index]

    @rule(to=who, amount=money)
    def deposit(self, to: int, amount: int) -> None:
        with session_scope(self.factory) as db:
            wallet.post_deposit(
                db,
                user_id=self.users[to],
                method="payment_app",
                amount_minor=amount,
                currency="CNY",
                idempotency_key=self.key(),
            )
        self.balance[to] += amount

    @rule(payer=who, payee=who, amount=money, fee=st.integers(0, 50), replay=st.booleans())
    def transfer(self, payer: int, payee: int, amount: int, fee: int, replay: bool) -> None:
        if payer == payee:
            return
        key = self.key()
        fits = self.available(payer) >= amount + fee
        for _ in range(2 if replay else 1):
            try:
                with session_scope(self.factory) as db:
                    wallet.post_transfer(
                        db,
                        from_user_id=self.users[payer],
                        to_user_id=self.users[payee],
                        amount_minor=amount,
                        fee_minor=fee,
                        currency="CNY",
                        idempotency_key=key,
                    )
            except InsufficientFunds:
                assert not fits
                return
            assert fits
        self.balance[payer] -= amount + fee
        self.balance[payee] += amount

    @rule(owner=who, amount=money)
    def place_hold(self, owner: int, amount: int) -> None:
        try:
            with session_scope(self.factory) as db:
                hold = wallet.place_hold(
                    db,
                    user_id=self.users[owner],
                    currency="CNY",
                    amount_minor=amount,
                    idempotency_key=self.key(),
                )
        except InsufficientFunds:
            assert self.available(owner) < amount
            return
        assert self.available(owner) >= amount
        self.held[owner] += amount
        self.holds.append((hold.id, owner, amount))

    @rule(data=st.data(), capture=st.booleans())
    def settle_hold(self, data: st.DataObject, capture: bool) -> None:
        if not self.holds:
            return
        hold_id, owner, amount = self.holds.pop(data.draw(st.integers(0, len(self.holds) - 1)))
        with session_scope(self.factory) as db:
            if capture:
                fee = data.draw(st.integers(0, amount))
                wallet.capture_hold(
                    db,
                    hold_id=hold_id,
                    to_code="clearing:bank_card",
                    fee_minor=fee,
                    idempotency_key=self.key(),
                )
                self.balance[owner] -= amount
            else:
                wallet.release_hold(db, hold_id=hold_id)
            self.held[owner] -= amount
        try:  # a settled hold cannot be captured again
            with session_scope(self.factory) as db:
                wallet.capture_hold(
                    db, hold_id=hold_id, to_code="clearing:bank_card", idempotency_key=self.key()
                )
            raise AssertionError("captured a settled hold")
        except Conflict:
            pass

    @rule(owner=who, amount=money, fee=st.integers(0, 50))
    def reverse_deposit(self, owner: int, amount: int, fee: int) -> None:
        """A chargeback: takes what is available, never what is held; the rest is owed."""
        with session_scope(self.factory) as db:
            _entry, owed = wallet.post_reversal(
                db,
                user_id=self.users[owner],
                method="payment_app",
                amount_minor=amount,
                fee_minor=min(fee, amount),
                currency="CNY",
                idempotency_key=self.key(),
            )
        due = amount - min(fee, amount)
        taken = min(due, self.available(owner))
        assert owed == due - taken
        self.balance[owner] -= taken
        self.owed[owner] += owed

    @rule(owner=who)
    def repay(self, owner: int) -> None:
        """Money owed is repaid from what is available, never from what is held."""
        if not self.owed[owner]:
            return
        with session_scope(self.factory) as db:
            entry = wallet.post_repayment(
                db,
                user_id=self.users[owner],
                currency="CNY",
                owed_minor=self.owed[owner],
                idempotency_key=self.key(),
            )
        paid = min(self.owed[owner], self.available(owner))
        assert (entry is None) == (paid == 0)
        self.balance[owner] -= paid
        self.owed[owner] -= paid

    @invariant()
    def books_balance(self) -> None:
        with session_scope(self.factory) as db:
            report = verify_ledger(db)
            shown = [wallet.balances(db, user_id=u).get("CNY") for u in self.users]
        assert report.ok, report.problems
        assert [b.total_minor if b else 0 for b in shown] == self.balance
        assert [b.held_minor if b else 0 for b in shown] == self.held
        assert all(b is None or b.available_minor >= 0 for b in shown)
        with session_scope(self.factory) as db:
            suspense = wallet.system_balance(db, code="suspense", currency="CNY")
            assert -suspense == sum(self.owed)

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


def test_ledger_invariants_hold_for_any_sequence(sqlite_template):
    Ledger.template = sqlite_template
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=40,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
