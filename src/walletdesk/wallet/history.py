"""A customer's own transactions: filtered, paged lists, one transaction with its steps, and the
CSV statement (UTF-8 with BOM so spreadsheet programs read Chinese correctly).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from walletdesk.errors import NotFound, ValidationFailed
from walletdesk.i18n import Translator
from walletdesk.money import MINOR_UNITS, format_minor
from walletdesk.wallet.fees import BEIJING
from walletdesk.wallet.reasons import reason_text
from walletdesk.wallet.transactions import (
    METHODS,
    TRANSACTION_KINDS,
    TRANSACTION_STATES,
    WalletTransaction,
)

STATEMENT_ROWS = 10_000  # a statement longer than this is cut; narrow the dates


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    status: str | None = None
    currency: str | None = None
    date_from: date | None = None  # Beijing days, both inclusive
    date_to: date | None = None

    @classmethod
    def parse(
        cls,
        *,
        kind: str | None = None,
        status: str | None = None,
        currency: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> Filters:
        """From query parameters; unknown choices raise ValidationFailed on their field."""
        for name, value, allowed in (
            ("kind", kind, TRANSACTION_KINDS),
            ("status", status, TRANSACTION_STATES),
            ("currency", currency, tuple(MINOR_UNITS)),
        ):
            if value and value not in allowed:
                raise ValidationFailed("Choose one of the listed options.", field=name)
        return cls(
            kind=kind or None,
            status=status or None,
            currency=currency or None,
            date_from=_day(date_from, "date_from"),
            date_to=_day(date_to, "date_to"),
        )

    def query(self) -> dict[str, str]:
        values = {
            "kind": self.kind,
            "status": self.status,
            "currency": self.currency,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class Page:
    items: list[WalletTransaction]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationFailed("Enter a date as YYYY-MM-DD.", field=field) from exc


def own_transactions(user_id: int, filters: Filters) -> Select[WalletTransaction]:
    """The query every list starts from: only this customer's rows, filters applied."""
    query = select(WalletTransaction).where(WalletTransaction.user_id == user_id)
    if filters.kind:
        query = query.where(WalletTransaction.kind == filters.kind)
    if filters.status:
        query = query.where(WalletTransaction.status == filters.status)
    if filters.currency:
        query = query.where(WalletTransaction.currency == filters.currency)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time(), BEIJING)
        query = query.where(WalletTransaction.created_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), BEIJING)
        query = query.where(WalletTransaction.created_at < end)
    return query


def list_transactions(
    db: Session, *, user_id: int, filters: Filters, page: int = 1, per_page: int = 20
) -> Page:
    page, per_page = max(page, 1), min(max(per_page, 1), 100)
    query = own_transactions(user_id, filters)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.order_by(WalletTransaction.created_at.desc(), WalletTransaction.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return Page(items=list(rows), total=total, page=page, per_page=per_page)


def get_transaction(db: Session, *, user_id: int, public_id: str) -> WalletTransaction:
    """One of this customer's transactions; another customer's is simply not found."""
    tx = db.scalar(
        select(WalletTransaction).where(
            WalletTransaction.user_id == user_id, WalletTransaction.public_id == public_id[:32]
        )
    )
    if tx is None:
        raise NotFound("This transaction does not exist.")
    return tx


def named_transaction(db: Session, *, user_id: int, given: str) -> WalletTransaction | None:
    """The customer's transaction a customer named (on a case): by our ID in any letter case,
    or by the payment provider's reference; None when none of theirs has it."""
    if not given:
        return None
    return db.scalar(
        select(WalletTransaction)
        .where(
            WalletTransaction.user_id == user_id,
            or_(
                WalletTransaction.public_id == given.upper()[:32],
                WalletTransaction.provider_ref == given[:64],
            ),
        )
        .limit(1)
    )


def beijing_time(when: datetime | None) -> str:
    return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") if when else ""


def statement_csv(db: Session, *, user_id: int, filters: Filters, lang: str) -> str:
    """The statement as CSV text starting with a BOM; column heads in the reader's language."""
    _ = Translator(lang)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Transaction ID"),
            _("Time (Beijing)"),
            _("Type"),
            _("Status"),
            _("Amount"),
            _("Fee"),
            _("Currency"),
            _("Method"),
            _("Counterparty"),
            _("Failure reason"),
        ]
    )
    query = own_transactions(user_id, filters).order_by(
        WalletTransaction.created_at.desc(), WalletTransaction.id.desc()
    )
    for tx in db.scalars(query.limit(STATEMENT_ROWS)):
        writer.writerow(
            [
                tx.public_id,
                beijing_time(tx.created_at),
                kind_label(tx.kind, _),
                status_label(tx.status, _),
                format_minor(tx.amount_minor, tx.currency),
                format_minor(tx.fee_minor, tx.currency),
                tx.currency,
                method_label(tx.method, _),
                _safe_cell(tx.counterparty),
                reason_text(tx.failure_code, lang, tx.kind),
            ]
        )
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a quote keeps them text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def kind_label(kind: str, _: Translator) -> str:
    labels = {
        "deposit": _("Deposit"),
        "withdrawal": _("Withdrawal"),
        "transfer_in": _("Transfer received"),
        "transfer_out": _("Transfer sent"),
        "fee": _("Fee"),
        "refund": _("Refund"),
        "compensation": _("Compensation"),
        "repayment": _("Repayment of money owed"),
    }
    return labels.get(kind, kind)


def status_label(status: str, _: Translator) -> str:
    labels = {
        "pending": _("Waiting for review"),
        "processing": _("Processing"),
        "succeeded": _("Succeeded"),
        "failed": _("Failed"),
        "reversed": _("Reversed"),
    }
    return labels.get(status, status)


def method_label(method: str, _: Translator) -> str:
    labels = {
        "bank_card": _("Bank card"),
        "credit_card": _("Credit card"),
        "payment_app": _("Third-party payment app"),
        "crypto": _("Crypto address (USDT)"),
        "balance": _("Wallet balance"),
    }
    return labels.get(method, method) if method in METHODS else method


def signed_amount(tx: WalletTransaction) -> str:
    """`-100.00` for money out, `+100.00` for money in."""
    sign = "-" if tx.kind in ("withdrawal", "transfer_out", "fee", "repayment") else "+"
    return sign + format_minor(tx.amount_minor, tx.currency)
