"""Moving money: balanced journal entries, deposits, transfers and holds, idempotent by key.

Functions flush in the caller's transaction and never commit. Every account an entry touches is
locked (in id order) before its balance is read, so postings on one account serialise.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import and_, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from walletdesk.db import session_scope, utcnow
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.money import check_currency
from walletdesk.wallet import accounts, journal
from walletdesk.wallet.accounts import lock_ids
from walletdesk.wallet.fastpath import LockedAccount
from walletdesk.wallet.journal import PostedEntry, PostingRequest
from walletdesk.wallet.models import ACCOUNTS as ACC
from walletdesk.wallet.models import HOLDS as HOLD
from walletdesk.wallet.models import PAYMENT_METHODS, SYSTEM_CODES, Hold, LedgerAccount
from walletdesk.wallet.transactions import WalletTransaction, check_replay, sent_under_key

__all__ = [
    "Balance",
    "PostedEntry",
    "balances",
    "capture_hold",
    "customer_account",
    "place_hold",
    "post_deposit",
    "post_entry",
    "post_fee",
    "post_transfer",
    "release_hold",
    "replayed_request",
    "run_in_transaction",
    "system_account",
    "system_balance",
]

T = TypeVar("T")
REQUEST_KEY = "request_key"  # reference_type of a transaction made under a client's key


@dataclass(frozen=True)
class Balance:
    currency: str
    total_minor: int
    held_minor: int

    @property
    def available_minor(self) -> int:
        return self.total_minor - self.held_minor


# --- accounts ------------------------------------------------------------------------------


def customer_account(db: Session, *, user_id: int, currency: str) -> LedgerAccount:
    """The customer's account in `currency`, created on first use."""
    check_currency(currency)
    where = and_(ACC.c.user_id == user_id, ACC.c.currency == currency)
    account = db.scalars(select(LedgerAccount).where(where)).first()
    if account is None:
        accounts.check_customers(db, [user_id])
        accounts.create_missing(db, customers=[user_id], systems=[], currency=currency)
        account = db.scalars(select(LedgerAccount).where(where)).one()
    return account


def system_account(db: Session, *, code: str, currency: str) -> LedgerAccount:
    """Bucket 0 of system account `code` (see models.SYSTEM_CODES) in `currency`, created on
    first use: what staff postings (compensation, write-offs) use. Its balance is only part of
    the account's: see system_balance."""
    check_currency(currency)
    _check_system_code(code)
    account_id = accounts.ensure_system(db, code=code, currency=currency)
    account = db.get(LedgerAccount, account_id)
    assert account is not None
    return account


def system_balance(db: Session, *, code: str, currency: str) -> int:
    """The balance of system account `code` in `currency`: the sum of its buckets."""
    _check_system_code(code)
    where = and_(ACC.c.user_id.is_(None), ACC.c.code == code, ACC.c.currency == currency)
    return int(
        db.execute(
            select(func.coalesce(func.sum(ACC.c.balance_minor), 0)).where(where)
        ).scalar_one()
    )


def replayed_request(
    db: Session, *, user_id: int, kind: str, key: str, currency: str, **asked: object
) -> WalletTransaction | None:
    """The customer's `kind` transaction first made under request key `key`, or None, read
    under the customer's account lock so that a racing replay waits for the first; Conflict
    (409) when the key was used for another amount, currency, method... (`asked`)."""
    accounts.lock_named(db, customers=[user_id], systems=[], currency=check_currency(currency))
    done = sent_under_key(db, user_id=user_id, kind=kind, reference_type=REQUEST_KEY, key=key)
    return None if done is None else check_replay(done, currency=currency, **asked)


def balances(db: Session, *, user_id: int) -> dict[str, Balance]:
    """Total, held and available balance of each of the customer's currencies."""
    rows = db.execute(
        select(ACC.c.currency, ACC.c.balance_minor, ACC.c.held_minor)
        .where(ACC.c.user_id == user_id)
        .order_by(ACC.c.currency)
    )
    return {row.currency: Balance(row.currency, row.balance_minor, row.held_minor) for row in rows}


# --- postings ------------------------------------------------------------------------------


def post_entry(
    db: Session,
    *,
    idempotency_key: str,
    kind: str,
    lines: Sequence[tuple[LedgerAccount | int, int]],
    currency: str,
    reference_type: str | None = None,
    reference_id: str | None = None,
    memo: str = "",
) -> PostedEntry:
    """Post one balanced entry: `lines` of (account, signed minor amount) that sum to zero.

    The same key with the same content returns the first entry without posting again; the same
    key with other content raises Conflict. A customer account left below its holds raises
    InsufficientFunds.
    """
    amounts: dict[int, int] = {}
    for account, amount in lines:
        account_id = account if isinstance(account, int) else account.id
        amounts[account_id] = amounts.get(account_id, 0) + journal.check_amount(amount, signed=True)
    request = journal.make_request(
        idempotency_key, kind, currency, amounts, reference_type, reference_id, memo
    )
    locked = lock_ids(db, list(amounts))
    if len(locked) != len(amounts):
        raise ValidationFailed("This account does not exist.", field="lines")
    return journal.post_locked(db, request, locked)


def post_transfer(
    db: Session,
    *,
    from_user_id: int,
    to_user_id: int,
    amount_minor: int,
    currency: str,
    idempotency_key: str,
    fee_minor: int = 0,
    kind: str = "transfer",
    reference_type: str | None = None,
    reference_id: str | None = None,
    memo: str = "",
) -> PostedEntry:
    """Move `amount_minor` between two customers; the sender also pays `fee_minor` as fee income."""
    check_currency(currency)
    journal.check_amount(amount_minor)
    if fee_minor:
        journal.check_amount(fee_minor, field="fee_minor")
    if from_user_id == to_user_id:
        raise ValidationFailed("You cannot transfer to yourself.", field="to_user_id")
    customers = sorted({from_user_id, to_user_id})
    systems = ["fee_income"] if fee_minor else []
    locked = accounts.lock_named(db, customers=customers, systems=systems, currency=currency)
    owners = accounts.by_owner(locked)
    amounts = {
        owners[from_user_id].id: -(amount_minor + fee_minor),
        owners[to_user_id].id: amount_minor,
    }
    if fee_minor:
        amounts[owners["fee_income"].id] = fee_minor
    request = journal.make_request(
        idempotency_key, kind, currency, amounts, reference_type, reference_id, memo
    )
    return journal.post_locked(db, request, locked)


def post_deposit(
    db: Session,
    *,
    user_id: int,
    method: str,
    amount_minor: int,
    currency: str,
    idempotency_key: str,
    reference_type: str | None = None,
    reference_id: str | None = None,
    memo: str = "",
) -> PostedEntry:
    """Credit a customer with money received through `method` (its clearing account pays)."""
    check_currency(currency)
    journal.check_amount(amount_minor)
    if method not in PAYMENT_METHODS:
        raise ValidationFailed("Unknown payment method.", field="method")
    code = f"clearing:{method}"
    locked = accounts.lock_named(db, customers=[user_id], systems=[code], currency=currency)
    owners = accounts.by_owner(locked)
    amounts = {owners[user_id].id: amount_minor, owners[code].id: -amount_minor}
    request = journal.make_request(
        idempotency_key, "deposit", currency, amounts, reference_type, reference_id, memo
    )
    return journal.post_locked(db, request, locked)


def post_fee(
    db: Session,
    *,
    user_id: int,
    amount_minor: int,
    currency: str,
    idempotency_key: str,
    reference_type: str | None = None,
    reference_id: str | None = None,
) -> PostedEntry:
    """Charge the customer a fee (e.g. a deposit's), credited to their bucket of fee income."""
    check_currency(currency)
    journal.check_amount(amount_minor)
    locked = accounts.lock_named(db, customers=[user_id], systems=["fee_income"], currency=currency)
    owners = accounts.by_owner(locked)
    amounts = {owners[user_id].id: -amount_minor, owners["fee_income"].id: amount_minor}
    request = journal.make_request(
        idempotency_key, "fee", currency, amounts, reference_type, reference_id, ""
    )
    return journal.post_locked(db, request, locked)


def post_reversal(
    db: Session,
    *,
    user_id: int,
    method: str,
    amount_minor: int,
    fee_minor: int,
    currency: str,
    idempotency_key: str,
    reference_type: str | None = None,
    reference_id: str | None = None,
) -> tuple[PostedEntry, int]:
    """Undo a deposit the payer's bank took back (a chargeback): its clearing account gets the
    amount back and the customer the deposit's fee. What the customer's available balance
    cannot cover is booked to suspense as a sum they owe (a balance never goes negative, and
    funds held for a withdrawal stay held). Returns the entry and the sum owed."""
    check_currency(currency)
    journal.check_amount(amount_minor)
    if not 0 <= fee_minor <= amount_minor:
        raise ValidationFailed("The fee must be between 0 and the amount.", field="fee_minor")
    if method not in PAYMENT_METHODS:
        raise ValidationFailed("Unknown payment method.", field="method")
    clearing = f"clearing:{method}"
    systems = [clearing, "fee_income", "suspense"]
    locked = accounts.lock_named(db, customers=[user_id], systems=systems, currency=currency)
    owners = accounts.by_owner(locked)
    customer = owners[user_id]
    due = amount_minor - fee_minor
    taken = min(due, _available(customer))
    owed = due - taken
    amounts = {
        owners[clearing].id: amount_minor,
        owners["fee_income"].id: -fee_minor,
        customer.id: -taken,
        owners["suspense"].id: -owed,
    }
    request = journal.make_request(
        idempotency_key, "reversal", currency, amounts, reference_type, reference_id, ""
    )
    return journal.post_locked(db, request, locked), owed


def post_repayment(
    db: Session,
    *,
    user_id: int,
    currency: str,
    owed_minor: int,
    idempotency_key: str,
    reference_type: str | None = None,
    reference_id: str | None = None,
) -> PostedEntry | None:
    """Repay money owed (booked to suspense by `post_reversal`) from the customer's available
    balance, as much of `owed_minor` as it covers; None when nothing is available."""
    check_currency(currency)
    journal.check_amount(owed_minor)
    locked = accounts.lock_named(db, customers=[user_id], systems=["suspense"], currency=currency)
    owners = accounts.by_owner(locked)
    customer = owners[user_id]
    amount = min(owed_minor, _available(customer))
    if amount == 0:
        return None
    amounts = {customer.id: -amount, owners["suspense"].id: amount}
    request = journal.make_request(
        idempotency_key, "repayment", currency, amounts, reference_type, reference_id, ""
    )
    return journal.post_locked(db, request, locked)


def _available(row: LockedAccount) -> int:
    """What a locked customer account can give: its balance less its holds."""
    return max(row.balance_minor - row.held_minor, 0)


# --- holds ---------------------------------------------------------------------------------


def place_hold(
    db: Session,
    *,
    user_id: int,
    currency: str,
    amount_minor: int,
    idempotency_key: str,
    reference_type: str | None = None,
    reference_id: str | None = None,
    memo: str = "",
) -> Hold:
    """Set `amount_minor` of the customer's available balance aside (e.g. a pending withdrawal)."""
    check_currency(currency)
    journal.check_amount(amount_minor)
    locked = accounts.lock_named(db, customers=[user_id], systems=[], currency=currency)
    (account,) = locked.values()
    request = journal.make_request(
        idempotency_key,
        "hold",
        currency,
        {account.id: amount_minor},
        reference_type,
        reference_id,
        memo,
        for_hold=True,
    )
    if account.balance_minor - account.held_minor < amount_minor:
        replay = _replayed_hold(db, request)
        if replay is not None:
            return replay
        raise journal.insufficient(
            account.balance_minor - account.held_minor, amount_minor, currency
        )
    values = dict(
        idempotency_key=idempotency_key,
        fingerprint=request.fingerprint,
        account_id=account.id,
        amount_minor=amount_minor,
        status="active",
        reference_type=request.reference_type,
        reference_id=request.reference_id,
        memo=memo,
        created_at=utcnow(),
    )
    hold_id = db.execute(accounts.insert_once(db, HOLD, values).returning(HOLD.c.id)).scalar()
    if hold_id is None:
        replay = _replayed_hold(db, request)
        assert replay is not None  # the key exists: the insert found it
        return replay
    journal.apply_deltas(db, balance={}, held={account.id: amount_minor})
    hold = db.get(Hold, hold_id)
    assert hold is not None
    return hold


def release_hold(db: Session, *, hold_id: int) -> Hold:
    """Give a hold's funds back to the available balance; releasing twice is harmless."""
    hold, _ = _locked_hold(db, hold_id, extra_accounts=[])
    if hold.status == "released":
        return hold
    if hold.status == "captured":
        raise Conflict("This hold has already been captured.")
    journal.apply_deltas(db, balance={}, held={hold.account_id: -hold.amount_minor})
    _settle(db, hold, status="released", entry_id=None)
    return hold


def capture_hold(
    db: Session,
    *,
    hold_id: int,
    to_code: str,
    idempotency_key: str,
    fee_minor: int = 0,
    kind: str = "withdrawal",
    memo: str = "",
) -> PostedEntry:
    """Post the held amount out of the customer account to system account `to_code` (e.g.
    "clearing:bank_card"), keeping `fee_minor` of it as fee income; the hold ends captured."""
    _check_system_code(to_code)
    hold = db.get(Hold, hold_id)
    if hold is None:
        raise NotFound("This hold does not exist.")
    if fee_minor and journal.check_amount(fee_minor, field="fee_minor") > hold.amount_minor:
        raise ValidationFailed("The fee cannot exceed the held amount.", field="fee_minor")
    owner = db.get(LedgerAccount, hold.account_id)
    assert owner is not None
    bucket = accounts.bucket_of(owner.user_id or 0)
    to_id = accounts.ensure_system(db, code=to_code, currency=owner.currency, bucket=bucket)
    fee_id = (
        accounts.ensure_system(db, code="fee_income", currency=owner.currency, bucket=bucket)
        if fee_minor
        else to_id
    )
    hold, locked = _locked_hold(db, hold_id, extra_accounts=[to_id, fee_id])
    amounts = {hold.account_id: -hold.amount_minor, to_id: 0, fee_id: 0}
    amounts[to_id] += hold.amount_minor - fee_minor
    amounts[fee_id] += fee_minor
    request = journal.make_request(
        idempotency_key,
        kind,
        owner.currency,
        amounts,
        hold.reference_type,
        hold.reference_id,
        memo,
        salt=f"hold:{hold.id}",
    )
    if hold.status != "active":
        replay = journal.replayed_entry(db, request)
        if replay is not None and replay.id == hold.entry_id:
            return replay
        if hold.status == "released":
            raise Conflict("This hold has already been released.")
        raise Conflict("This hold has already been captured.")
    entry = journal.post_locked(db, request, locked, held={hold.account_id: -hold.amount_minor})
    if not entry.replayed:
        _settle(db, hold, status="captured", entry_id=entry.id)
    return entry


# --- transactions --------------------------------------------------------------------------

RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


def run_in_transaction(
    factory: sessionmaker[Session], work: Callable[[Session], T], *, attempts: int = 5
) -> T:
    """Run `work` in a transaction of its own and commit it, retrying from the start when the
    database gives up on it (a deadlock, a serialization failure, SQLite's "database is
    locked"); every other error, domain errors included, is raised at once."""
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(factory) as db:
                return work(db)
        except DBAPIError as exc:
            if attempt == attempts or not _is_transient(exc):
                raise
            time.sleep(random.uniform(0, 0.01 * 2**attempt))  # jitter breaks the lockstep
    raise AssertionError("unreachable")


def _is_transient(exc: DBAPIError) -> bool:
    if getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


def _replayed_hold(db: Session, request: PostingRequest) -> Hold | None:
    hold = db.scalars(select(Hold).where(Hold.idempotency_key == request.idempotency_key)).first()
    if hold is not None and hold.fingerprint != request.fingerprint:
        raise Conflict("This idempotency key was already used for a different request.")
    return hold


def _locked_hold(
    db: Session, hold_id: int, *, extra_accounts: Iterable[int]
) -> tuple[Hold, dict[int, LockedAccount]]:
    """The hold, read again once its account is locked (holds change only under that lock),
    and the locked accounts."""
    hold = db.get(Hold, hold_id)
    if hold is None:
        raise NotFound("This hold does not exist.")
    locked = lock_ids(db, [hold.account_id, *extra_accounts])
    db.refresh(hold)
    return hold, locked


def _settle(db: Session, hold: Hold, *, status: str, entry_id: int | None) -> None:
    hold.status = status
    hold.entry_id = entry_id
    hold.settled_at = utcnow()
    db.flush()


def _check_system_code(code: str) -> None:
    if code not in SYSTEM_CODES:
        raise ValidationFailed("Unknown system account.", field="code")
