"""Risk-control test helpers: customers of a chosen age and verification, money, a bound card,
withdrawals and transfers through the services, and rules files to run one rule at a time."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select, update

from walletdesk.cases.models import Case
from walletdesk.db import session_scope, utcnow
from walletdesk.identity import sms
from walletdesk.identity.models import SecurityAlert, User
from walletdesk.payments import methods, withdrawals
from walletdesk.payments.settings import PaymentSettings
from walletdesk.risk import service as risk
from walletdesk.risk.models import AccountFreeze, RiskHit
from walletdesk.risk.rules import REASONS
from walletdesk.wallet import service as wallet
from walletdesk.wallet import transfers
from walletdesk.wallet.transactions import WalletTransaction

CARD = "6222021234567890128"


def prepare(app, user: User, *, age_days: float = 365, level: str = "advanced") -> None:
    """Make `user` a customer of `age_days` with verification `level`."""
    with session_scope(app.state.sessionmaker) as db:
        created = utcnow() - timedelta(days=age_days)
        db.execute(
            update(User).where(User.id == user.id).values(kyc_level=level, created_at=created)
        )


def fund(app, user: User, amount_minor: int, currency: str = "CNY") -> None:
    with session_scope(app.state.sessionmaker) as db:
        wallet.post_deposit(
            db,
            user_id=user.id,
            method="bank_card",
            amount_minor=amount_minor,
            currency=currency,
            idempotency_key=f"risk-fund-{uuid.uuid4().hex}",
        )


def bind_card(app, user: User) -> int:
    with session_scope(app.state.sessionmaker) as db:
        method = methods.bind_method(
            db, user_id=user.id, kind="bank_card", number=CARD, bank_name="ICBC", secret="s"
        )
        return method.id


def withdraw(app, user: User, method_id: int, amount_minor: int) -> WalletTransaction:
    """A withdrawal through the service, committed; as the page and the API make it."""
    with session_scope(app.state.sessionmaker) as db:
        return withdrawals.request_withdrawal(
            db,
            user_id=user.id,
            payment_method_id=method_id,
            amount_minor=amount_minor,
            currency="CNY",
            psettings=PaymentSettings.of(app.state.settings),
        )


def transfer(app, sender: User, recipient: User, amount_minor: int) -> WalletTransaction:
    with session_scope(app.state.sessionmaker) as db:
        return transfers.confirm_transfer(
            db,
            sender_id=sender.id,
            recipient_id=recipient.id,
            amount_minor=amount_minor,
            currency="CNY",
            idempotency_key=uuid.uuid4().hex,
        )


def use_rules(app, tmp_path: Path, rules: dict[str, Any], *, only: bool = True) -> Path:
    """Run with a rules override file; `only`: every rule not named is turned off."""
    spec = {name: {"enabled": False} for name in REASONS} if only else {}
    for name, values in rules.items():
        spec[name] = {"enabled": True, **values}
    path = tmp_path / f"rules-{uuid.uuid4().hex[:8]}.yaml"
    path.write_text(yaml.safe_dump({"rules": spec}))
    app.state.settings.risk_rules_path = path  # the app's sessions carry this settings object
    return path


def status_of(app, public_id: str) -> str:
    with session_scope(app.state.sessionmaker) as db:
        tx = db.scalar(select(WalletTransaction).where(WalletTransaction.public_id == public_id))
        assert tx is not None
        return tx.status


def frozen(app, user: User) -> bool:
    with session_scope(app.state.sessionmaker) as db:
        return risk.is_frozen(db, user_id=user.id)


def hits(app, user: User) -> list[tuple[str, str, str]]:
    """(rule, action, subject id) of the customer's hits, oldest first."""
    with session_scope(app.state.sessionmaker) as db:
        rows = db.scalars(select(RiskHit).where(RiskHit.user_id == user.id).order_by(RiskHit.id))
        return [(h.rule, h.action, h.subject_id) for h in rows]


def cases_of(app, user: User) -> list[Case]:
    with session_scope(app.state.sessionmaker) as db:
        return list(db.scalars(select(Case).where(Case.customer_id == user.id).order_by(Case.id)))


def freezes(app, user: User) -> list[AccountFreeze]:
    with session_scope(app.state.sessionmaker) as db:
        return risk.freezes_of(db, user_id=user.id)


def alert_kinds(app, user: User) -> list[str]:
    with session_scope(app.state.sessionmaker) as db:
        rows = db.scalars(
            select(SecurityAlert.kind)
            .where(SecurityAlert.user_id == user.id)
            .order_by(SecurityAlert.id)
        )
        return list(rows)


def texts_to(app, phone: str) -> list[str]:
    """Bodies of the sandbox SMS sent to `phone`, newest first."""
    with session_scope(app.state.sessionmaker) as db:
        return [m.body for m in sms.outbox(db, phone=phone)]
