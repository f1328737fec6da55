"""Checking the books: the ledger's invariants recomputed from the postings themselves.

`verify_ledger` reads only; `walletdesk ledger verify` prints its report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from walletdesk.wallet.models import ACCOUNTS as ACC
from walletdesk.wallet.models import ENTRIES as ENT
from walletdesk.wallet.models import HOLDS as HOLD
from walletdesk.wallet.models import POSTINGS as POST

SHOWN = 20  # problems of one kind listed before "and N more"


@dataclass
class LedgerReport:
    entries: int = 0
    postings: int = 0
    accounts: int = 0
    totals: dict[str, int] = field(default_factory=dict)  # currency → sum of its postings
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [f"entries {self.entries}, postings {self.postings}, accounts {self.accounts}"]
        out += [f"{currency} postings sum to {total}" for currency, total in self.totals.items()]
        out += [f"PROBLEM {problem}" for problem in self.problems]
        out.append("ledger OK" if self.ok else f"ledger BROKEN: {len(self.problems)} problem(s)")
        return out

    def _add(self, found: list[str]) -> None:
        self.problems += found[:SHOWN]
        if len(found) > SHOWN:
            self.problems.append(f"... and {len(found) - SHOWN} more like the above")


def verify_ledger(db: Session) -> LedgerReport:
    """Every currency sums to zero, every entry balances in its own currency, every account's
    balance and held columns equal its postings and active holds, no customer is negative."""
    report = LedgerReport(
        entries=db.execute(select(func.count()).select_from(ENT)).scalar_one(),
        postings=db.execute(select(func.count()).select_from(POST)).scalar_one(),
        accounts=db.execute(select(func.count()).select_from(ACC)).scalar_one(),
    )
    by_currency = db.execute(
        select(ACC.c.currency, func.sum(POST.c.amount_minor))
        .join(POST, POST.c.account_id == ACC.c.id)
        .group_by(ACC.c.currency)
        .order_by(ACC.c.currency)
    )
    for currency, total in by_currency:
        report.totals[currency] = int(total)
        if total != 0:
            report.problems.append(f"{currency} postings sum to {total}, not 0")
    report._add(_unbalanced_entries(db))
    report._add(_foreign_currency_lines(db))
    report._add(_drifted_accounts(db))
    report._add(_negative_customers(db))
    return report


def _unbalanced_entries(db: Session) -> list[str]:
    total = func.coalesce(func.sum(POST.c.amount_minor), 0)
    rows = db.execute(
        select(ENT.c.id, total, func.count(POST.c.id))
        .outerjoin(POST, POST.c.entry_id == ENT.c.id)
        .group_by(ENT.c.id)
        .having(or_(total != 0, func.count(POST.c.id) < 2))
        .order_by(ENT.c.id)
    )
    return [f"entry {id_} has {n} posting(s) summing to {s}, not 0" for id_, s, n in rows]


def _foreign_currency_lines(db: Session) -> list[str]:
    rows = db.execute(
        select(POST.c.id, POST.c.entry_id, ACC.c.currency, ENT.c.currency)
        .join(ACC, ACC.c.id == POST.c.account_id)
        .join(ENT, ENT.c.id == POST.c.entry_id)
        .where(ACC.c.currency != ENT.c.currency)
        .order_by(POST.c.id)
    )
    return [
        f"posting {pid} of {entry_currency} entry {eid} is on a {account_currency} account"
        for pid, eid, account_currency, entry_currency in rows
    ]


def _drifted_accounts(db: Session) -> list[str]:
    posted = (
        select(POST.c.account_id, func.sum(POST.c.amount_minor).label("total"))
        .group_by(POST.c.account_id)
        .subquery()
    )
    held = (
        select(HOLD.c.account_id, func.sum(HOLD.c.amount_minor).label("total"))
        .where(HOLD.c.status == "active")
        .group_by(HOLD.c.account_id)
        .subquery()
    )
    posted_total = func.coalesce(posted.c.total, 0)
    held_total = func.coalesce(held.c.total, 0)
    rows = db.execute(
        select(ACC.c.id, ACC.c.balance_minor, posted_total, ACC.c.held_minor, held_total)
        .outerjoin(posted, posted.c.account_id == ACC.c.id)
        .outerjoin(held, held.c.account_id == ACC.c.id)
        .where(or_(ACC.c.balance_minor != posted_total, ACC.c.held_minor != held_total))
        .order_by(ACC.c.id)
    )
    found = []
    for account_id, balance, posted_sum, held_column, held_sum in rows:
        if balance != posted_sum:
            found.append(f"account {account_id} balance {balance} != postings {posted_sum}")
        if held_column != held_sum:
            found.append(f"account {account_id} held {held_column} != active holds {held_sum}")
    return found


def _negative_customers(db: Session) -> list[str]:
    rows = db.execute(
        select(ACC.c.id, ACC.c.balance_minor, ACC.c.held_minor)
        .where(ACC.c.kind == "customer")
        .where(or_(ACC.c.balance_minor < 0, ACC.c.balance_minor < ACC.c.held_minor))
        .order_by(ACC.c.id)
    )
    return [
        f"customer account {account_id} is negative: balance {balance}, held {held}"
        for account_id, balance, held in rows
    ]
