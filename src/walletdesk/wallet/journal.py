"""The journal: turning a checked posting request into an entry, its postings and new balances.

Called with every account of the entry locked (see walletdesk.wallet.accounts); replays of a key
return the entry first posted under it. walletdesk.wallet.service is the public face.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from walletdesk.db import utcnow
from walletdesk.errors import Conflict, ValidationFailed
from walletdesk.money import check_currency, format_minor
from walletdesk.wallet import fastpath
from walletdesk.wallet.accounts import dialect, insert_once
from walletdesk.wallet.errors import InsufficientFunds
from walletdesk.wallet.fastpath import LockedAccount
from walletdesk.wallet.models import ACCOUNTS as ACC
from walletdesk.wallet.models import ENTRIES as ENT
from walletdesk.wallet.models import ENTRY_KINDS, LedgerAccount
from walletdesk.wallet.models import POSTINGS as POST

MAX_AMOUNT = 10**15  # far above any real movement; keeps sums inside 64 bits

_POST = POST.insert()
_MOVE = (
    update(ACC)
    .where(ACC.c.id == bindparam("account_id"))
    .values(
        balance_minor=ACC.c.balance_minor + bindparam("balance_delta"),
        held_minor=ACC.c.held_minor + bindparam("held_delta"),
    )
)


@dataclass(frozen=True)
class PostedEntry:
    """A journal entry as posted (or, with `replayed`, as first posted under the same key)."""

    id: int
    idempotency_key: str
    kind: str
    currency: str
    lines: tuple[tuple[int, int], ...]  # (account id, signed amount in minor units)
    reference_type: str | None
    reference_id: str | None
    memo: str
    created_at: datetime
    replayed: bool = False


@dataclass(frozen=True)
class PostingRequest:
    """What a caller asked to post; its fingerprint tells a replay from a key reused."""

    idempotency_key: str
    kind: str
    currency: str
    lines: tuple[tuple[int, int], ...]
    reference_type: str | None
    reference_id: str | None
    memo: str
    salt: str = ""  # what else makes the request distinct (e.g. the hold it captures)

    @property
    def fingerprint(self) -> str:
        content = [self.kind, self.currency, sorted(self.lines), self.reference_type]
        content += [self.reference_id, self.memo, self.salt]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def post_locked(
    db: Session,
    request: PostingRequest,
    locked: dict[int, LockedAccount],
    held: dict[int, int] | None = None,
) -> PostedEntry:
    """Write the entry, its postings and the new balances; every account is already locked."""
    held = held or {}
    for account_id, amount in request.lines:
        row = locked[account_id]
        if row.currency != request.currency:
            raise ValidationFailed("Every line must be in the entry's currency.", field="lines")
        available = row.balance_minor + amount - row.held_minor - held.get(account_id, 0)
        if row.kind == "customer" and available < 0 and amount < 0:
            replay = replayed_entry(db, request)
            if replay is not None:
                return replay
            raise insufficient(available - amount, -amount, request.currency)
    now = utcnow()
    if dialect(db) == "postgresql":
        entry_id = _write_in_one_statement(db, request, held, now)
    else:
        entry_id = _write(db, request, held, now)
    if entry_id is None:
        replay = replayed_entry(db, request)
        assert replay is not None  # the key exists: the insert found it
        return replay
    _expire(db, [*dict(request.lines), *held])
    return PostedEntry(
        id=entry_id,
        idempotency_key=request.idempotency_key,
        kind=request.kind,
        currency=request.currency,
        lines=request.lines,
        reference_type=request.reference_type,
        reference_id=request.reference_id,
        memo=request.memo,
        created_at=now,
    )


def apply_deltas(db: Session, *, balance: dict[int, int], held: dict[int, int]) -> None:
    """Add the deltas to the locked accounts' balance and held columns."""
    ids = sorted({*balance, *held})
    rows = [
        {"account_id": i, "balance_delta": balance.get(i, 0), "held_delta": held.get(i, 0)}
        for i in ids
    ]
    db.execute(_MOVE, rows)
    _expire(db, ids)


def _write(db: Session, request: PostingRequest, held: dict[int, int], now: datetime) -> Any:
    """The entry, its postings and the balances in three statements; None if the key exists."""
    values = _entry_values(request, now)
    entry_id = db.execute(insert_once(db, ENT, values).returning(ENT.c.id)).scalar()
    if entry_id is not None:
        rows = [
            {"entry_id": entry_id, "account_id": a, "amount_minor": m} for a, m in request.lines
        ]
        db.execute(_POST, rows)
        apply_deltas(db, balance=dict(request.lines), held=held)
    return entry_id


def _write_in_one_statement(
    db: Session, request: PostingRequest, held: dict[int, int], now: datetime
) -> int | None:
    """The same writes in one round trip to PostgreSQL (see fastpath.write_entry)."""
    balance = dict(request.lines)
    ids = sorted({*balance, *held})
    params: list[Any] = list(_entry_values(request, now).values())
    for account_id, amount in request.lines:
        params += (account_id, amount)
    for account_id in ids:
        params += (account_id, balance.get(account_id, 0), held.get(account_id, 0))
    return fastpath.write(db, fastpath.write_entry(len(request.lines), len(ids)), params)


def _entry_values(request: PostingRequest, now: datetime) -> dict[str, Any]:
    return {
        "idempotency_key": request.idempotency_key,
        "fingerprint": request.fingerprint,
        "kind": request.kind,
        "currency": request.currency,
        "reference_type": request.reference_type,
        "reference_id": request.reference_id,
        "memo": request.memo,
        "created_at": now,
    }


def _expire(db: Session, ids: Iterable[int]) -> None:
    """Account objects the caller holds must not show the balances from before the posting."""
    if not db.identity_map:
        return
    for account_id in ids:
        key = db.identity_key(LedgerAccount, account_id)
        if key in db.identity_map:
            db.expire(db.identity_map[key], ["balance_minor", "held_minor"])


def replayed_entry(db: Session, request: PostingRequest) -> PostedEntry | None:
    """The entry already posted under the request's key, or None; Conflict if it differs."""
    entry = db.execute(select(ENT).where(ENT.c.idempotency_key == request.idempotency_key)).first()
    if entry is None:
        return None
    if entry.fingerprint != request.fingerprint:
        raise Conflict("This idempotency key was already used for a different request.")
    lines = db.execute(
        select(POST.c.account_id, POST.c.amount_minor)
        .where(POST.c.entry_id == entry.id)
        .order_by(POST.c.id)
    )
    return PostedEntry(
        id=entry.id,
        idempotency_key=entry.idempotency_key,
        kind=entry.kind,
        currency=entry.currency,
        lines=tuple((row.account_id, row.amount_minor) for row in lines),
        reference_type=entry.reference_type,
        reference_id=entry.reference_id,
        memo=entry.memo,
        created_at=entry.created_at,
        replayed=True,
    )


def make_request(
    key: str,
    kind: str,
    currency: str,
    amounts: dict[int, int],
    reference_type: str | None,
    reference_id: str | None,
    memo: str,
    *,
    salt: str = "",
    for_hold: bool = False,
) -> PostingRequest:
    check_currency(currency)
    if not key or len(key) > 128:
        raise ValidationFailed("An idempotency key of 1 to 128 characters is required.")
    if kind not in ENTRY_KINDS and not (for_hold and kind == "hold"):
        raise ValidationFailed("Unknown entry kind.", field="kind")
    if len(memo) > 255:
        raise ValidationFailed("The memo is too long.", field="memo")
    if reference_id is not None:
        reference_id = str(reference_id)  # a case id may come as a number
    if len(reference_type or "") > 32 or len(reference_id or "") > 64:
        raise ValidationFailed("The reference is too long.", field="reference_id")
    lines = tuple(sorted((a, m) for a, m in amounts.items() if m))
    if not for_hold:
        if len(lines) < 2:
            raise ValidationFailed("An entry needs at least two accounts.", field="lines")
        if sum(amount for _, amount in lines) != 0:
            raise ValidationFailed("The lines of an entry must sum to zero.", field="lines")
    return PostingRequest(key, kind, currency, lines, reference_type, reference_id, memo, salt)


def check_amount(amount: int, *, signed: bool = False, field: str = "amount_minor") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed("The amount must be a whole number of minor units.", field=field)
    if not (amount > 0 or (signed and amount < 0)) or abs(amount) > MAX_AMOUNT:
        raise ValidationFailed("The amount must be positive and within limits.", field=field)
    return amount


def insufficient(available: int, needed: int, currency: str) -> InsufficientFunds:
    return InsufficientFunds(
        "Insufficient available balance: {available} {currency} available, {needed} needed.",
        available=format_minor(max(available, 0), currency),
        needed=format_minor(needed, currency),
        currency=currency,
    )
