"""`verify_ledger` and `walletdesk ledger verify`: clean books pass, tampered books are caught."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.wallet.conftest import fund, make_customers
from walletdesk.db import session_scope
from walletdesk.wallet import service as wallet
from walletdesk.wallet.cli import ledger_app
from walletdesk.wallet.ledger import verify_ledger


@pytest.fixture
def books(factory):
    """Two customers with some history: a deposit, a transfer with fee, a hold."""
    alice, bob = make_customers(factory, 2)
    fund(factory, alice, 10_000)
    fund(factory, bob, 2_000_000, "USDT")
    with session_scope(factory) as db:
        wallet.post_transfer(
            db,
            from_user_id=alice,
            to_user_id=bob,
            amount_minor=1_000,
            fee_minor=10,
            currency="CNY",
            idempotency_key="t-1",
        )
        wallet.place_hold(
            db, user_id=bob, currency="USDT", amount_minor=500_000, idempotency_key="h-1"
        )
        return {
            "alice": wallet.customer_account(db, user_id=alice, currency="CNY").id,
            "bob_usdt": wallet.customer_account(db, user_id=bob, currency="USDT").id,
        }


def tamper(factory, sql: str, **params) -> None:
    with session_scope(factory) as db:
        db.execute(text(sql), params)


def problems(factory) -> list[str]:
    with session_scope(factory) as db:
        return verify_ledger(db).problems


def run_cli(db_url: str, tmp_path):
    env = {"WALLETDESK_DATABASE_URL": db_url, "WALLETDESK_DATA_DIR": str(tmp_path)}
    return CliRunner().invoke(ledger_app, ["verify"], env=env)


def test_clean_books_verify(factory, books):
    with session_scope(factory) as db:
        report = verify_ledger(db)
    assert report.ok, report.problems
    assert report.totals == {"CNY": 0, "USDT": 0}
    assert (report.entries, report.postings) == (3, 7)


def test_a_tampered_balance_is_caught(factory, books):
    tamper(
        factory,
        "UPDATE wallet_accounts SET balance_minor = balance_minor + 1 WHERE id = :id",
        id=books["alice"],
    )
    assert problems(factory) == [
        f"account {books['alice']} balance 8991 != postings 8990",
    ]


def test_a_tampered_hold_is_caught(factory, books):
    tamper(factory, "UPDATE wallet_holds SET status = 'released'")
    assert problems(factory) == [
        f"account {books['bob_usdt']} held 500000 != active holds 0",
    ]


def test_an_unbalanced_entry_is_caught(factory, books):
    tamper(
        factory,
        "UPDATE wallet_postings SET amount_minor = 999 WHERE id = ("
        "SELECT MAX(id) FROM wallet_postings WHERE account_id = :id)",
        id=books["alice"],
    )
    found = problems(factory)
    assert any(p.startswith("CNY postings sum to") for p in found), found
    assert any(p.startswith("entry ") and "not 0" in p for p in found), found


# PostgreSQL enforces the check constraint that forbids this; SQLite can be told not to.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_negative_customer_is_caught(factory, books):
    with session_scope(factory) as db:
        db.execute(text("PRAGMA ignore_check_constraints = ON"))
        db.execute(
            text("UPDATE wallet_accounts SET balance_minor = -5 WHERE id = :id"),
            {"id": books["alice"]},
        )
        found = verify_ledger(db).problems
    assert f"customer account {books['alice']} is negative: balance -5, held 0" in found


def test_cli_exits_zero_on_clean_books_and_non_zero_on_broken_ones(
    factory, books, db_url, tmp_path
):
    clean = run_cli(db_url, tmp_path)
    assert clean.exit_code == 0, clean.output
    assert "ledger OK" in clean.output
    tamper(
        factory, "UPDATE wallet_accounts SET balance_minor = 0 WHERE id = :id", id=books["alice"]
    )
    broken = run_cli(db_url, tmp_path)
    assert broken.exit_code == 1
    assert f"PROBLEM account {books['alice']} balance 0 != postings 8990" in broken.output
    assert "ledger BROKEN" in broken.output
