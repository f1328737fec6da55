"""The demo installation: one customer, one agent, one supervisor and one admin, the seeded
knowledge base and a few sample cases. Running it again reuses what exists.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from walletdesk.config import Settings
from walletdesk.identity import service as identity
from walletdesk.identity.passwords import hash_password

DEMO_PEOPLE = (
    {"role": "customer", "phone": "+8613800138000", "display_name": "张小明"},
    {"role": "agent", "email": "agent@walletdesk.example", "display_name": "Agent Li 李客服"},
    {
        "role": "supervisor",
        "email": "supervisor@walletdesk.example",
        "display_name": "Supervisor Wang 王主管",
    },
    {"role": "admin", "email": "admin@walletdesk.example", "display_name": "Admin Chen 陈管理员"},
)


def logins_path(settings: Settings) -> Path:
    return settings.data_dir / "demo-logins.json"


def _read_logins(path: Path) -> list[dict[str, str]]:
    if path.exists():
        try:
            data: list[dict[str, str]] = json.loads(path.read_text("utf-8"))
            return data
        except (ValueError, OSError):
            return []
    return []


def ensure_demo_people(db: Session, *, settings: Settings) -> list[dict[str, str]]:
    """Create the demo people that are missing; passwords are random per installation."""
    path = logins_path(settings)
    known = {row["login"]: row for row in _read_logins(path)}
    logins = []
    for person in DEMO_PEOPLE:
        login = person.get("phone") or person["email"]
        user = identity.find_by_login(db, login)
        row = known.get(login)
        if user is None or row is None:
            password = "Demo-" + secrets.token_urlsafe(9)
            if user is None:
                identity.create_user(db, password=password, **person)
            else:
                user.password_hash = hash_password(password, settings=settings)
            row = {"role": person["role"], "login": login, "password": password}
        logins.append(row)
    db.flush()
    path.write_text(json.dumps(logins, ensure_ascii=False, indent=2), "utf-8")
    path.chmod(0o600)
    return logins


def seed_demo(db: Session, *, settings: Settings) -> list[dict[str, Any]]:
    logins = ensure_demo_people(db, settings=settings)
    from walletdesk.cases import service as cases
    from walletdesk.cases.demo_paths import seed_demo_paths
    from walletdesk.helpcenter import service as helpcenter
    from walletdesk.wallet.samples import seed_demo_wallet

    helpcenter.load_knowledge_base(db)
    customer = identity.find_by_login(db, str(DEMO_PEOPLE[0]["phone"]))
    if customer is not None:
        seed_demo_wallet(db, customer=customer)
        _bind_demo_card(db, settings=settings, customer_id=customer.id)
    cases.seed_demo_cases(db, settings=settings)
    seed_demo_paths(db, settings=settings)
    return list(logins)


DEMO_CARD = "6228480000031234"  # the bank card of the demo's paid withdrawal (622848******1234)


def _bind_demo_card(db: Session, *, settings: Settings, customer_id: int) -> None:
    """The demo customer's bank card, so a deposit or withdrawal works at once (once)."""
    from walletdesk.payments import methods
    from walletdesk.payments.settings import PaymentSettings

    if methods.active_methods(db, user_id=customer_id):
        return
    methods.bind_method(
        db,
        user_id=customer_id,
        kind="bank_card",
        number=DEMO_CARD,
        bank_name="招商银行",
        secret=PaymentSettings.of(settings).webhook_secret,
    )
