"""Payments fixtures: the sandbox provider as a real HTTP server in a thread, and walletdesk
served by uvicorn too, so the sandbox's signed webhooks arrive over real HTTP.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Literal

import pytest
import uvicorn
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests.conftest import FAST_HASHING
from walletdesk.config import Settings
from walletdesk.db import session_scope, utcnow
from walletdesk.identity.models import User
from walletdesk.payments.sandbox import SandboxServer, SandboxState
from walletdesk.payments.signing import signed_headers
from walletdesk.wallet import service as wallet
from walletdesk.wallet.transactions import WalletTransaction

WEBHOOK_SECRET = "test-webhook-secret"
CLIENT_TIMEOUT = 0.3  # walletdesk's call to the provider gives up after this


class PaymentTestSettings(Settings):
    """Settings for tests against the local sandbox: a known secret and a short timeout."""

    payments_webhook_secret: str = WEBHOOK_SECRET
    payments_http_timeout_seconds: float = CLIENT_TIMEOUT
    jobs: Literal["inline", "off"] = "off"  # tests run the jobs themselves


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    state = SandboxState(WEBHOOK_SECRET, delay_seconds=0.05, slow_seconds=CLIENT_TIMEOUT * 3)
    server = SandboxServer(state).start()
    yield server
    server.stop()


@pytest.fixture
def live_port() -> int:
    return _free_port()


@pytest.fixture
def settings(
    tmp_path: Path, db_url: str, sandbox: SandboxServer, live_port: int, search_model_dir: Path
) -> Settings:
    return PaymentTestSettings(
        data_dir=tmp_path / "data",
        search_model_dir=search_model_dir,
        database_url=db_url,
        secret_key="test-secret-key-not-for-production",
        payments_sandbox_url=sandbox.url,
        payments_webhook_base_url=f"http://127.0.0.1:{live_port}",
        _env_file=None,  # type: ignore[call-arg]
        **FAST_HASHING,
    )


@pytest.fixture
def live(app, live_port: int) -> Iterator[str]:
    """The same app served over HTTP, where the sandbox posts its webhooks."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=live_port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{live_port}"
    server.should_exit = True
    thread.join(timeout=10)


def provider_says(
    client, *, event: str, ref: str, reference: str, amount_minor: int, status: str
) -> dict[str, str]:
    """The provider's signed webhook about one of our payments, as it would post it."""
    body = json.dumps(
        {
            "event": event,
            "provider_ref": ref,
            "reference": reference,
            "amount_minor": amount_minor,
            "currency": "CNY",
            "status": status,
        }
    ).encode()
    answer = client.post(
        "/api/v1/payments/webhooks/bank_card",
        content=body,
        headers=signed_headers(WEBHOOK_SECRET, body),
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def wait_for(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def tx_status(app, public_id: str) -> str:
    with session_scope(app.state.sessionmaker) as s:
        tx = s.query(WalletTransaction).filter_by(public_id=public_id).one()
        return tx.status


def available(app, user: User, currency: str = "CNY") -> int:
    with session_scope(app.state.sessionmaker) as s:
        found = wallet.balances(s, user_id=user.id).get(currency)
        return found.available_minor if found else 0


def fund(app, user: User, amount_minor: int, currency: str = "CNY") -> None:
    with session_scope(app.state.sessionmaker) as s:
        wallet.post_deposit(
            s,
            user_id=user.id,
            method="bank_card",
            amount_minor=amount_minor,
            currency=currency,
            idempotency_key=f"test-fund:{user.id}:{amount_minor}:{currency}",
        )


def verify_kyc(app, user: User, level: str = "basic") -> None:
    with session_scope(app.state.sessionmaker) as s:
        s.execute(update(User).where(User.id == user.id).values(kyc_level=level))


def established(app, user: User, days: int = 365) -> None:
    """Make the account `days` old: risk control treats large withdrawals of new ones apart."""
    with session_scope(app.state.sessionmaker) as s:
        since = utcnow() - timedelta(days=days)
        s.execute(update(User).where(User.id == user.id).values(created_at=since))


def session(app) -> Session:
    return app.state.sessionmaker()
