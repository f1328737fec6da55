"""Under load the server stays up: 50 concurrent replies, transfers and uploads from several
customers against a real uvicorn, on SQLite and PostgreSQL, while /healthz is polled.

Every request completes or is refused cleanly (409/429), never a 500 and never a hang;
/healthz answers every poll throughout (one unanswered for HEALTH_TIMEOUT seconds is a hang;
how fast it answers is not asserted: the machine is shared with the other tests); the ledger
verifies afterwards.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.cases.conftest import REQUIRED
from tests.conftest import PASSWORD
from tests.images import png_bytes
from tests.live import serving
from walletdesk.db import session_scope
from walletdesk.identity import service as identity
from walletdesk.wallet import service as wallet
from walletdesk.wallet.ledger import verify_ledger

CUSTOMERS = 5
REQUESTS = 50
HEALTH_TIMEOUT = 5.0


def _customers(app) -> list[str]:
    phones = [f"1370000{index:04d}" for index in range(CUSTOMERS)]
    with session_scope(app.state.sessionmaker) as db:
        for phone in phones:
            user = identity.create_user(
                db, role="customer", phone=phone, password=PASSWORD, display_name=phone
            )
            user.kyc_level = "basic"  # verified, so transfers are allowed
            db.flush()
            wallet.post_deposit(
                db,
                user_id=user.id,
                method="bank_card",
                amount_minor=1_000_000,
                currency="CNY",
                idempotency_key=f"load-{uuid.uuid4().hex}",
            )
    return phones


class Health:
    """Polls /healthz every 50 ms in a thread of its own; a poll that fails or is not answered
    within HEALTH_TIMEOUT is kept as a failure."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.times: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        with httpx.Client(timeout=HEALTH_TIMEOUT) as http:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = http.get(self.url + "/healthz").status_code
                    if status != 200:
                        self.failures.append(f"status {status}")
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                self.times.append(time.monotonic() - started)
                self._stop.wait(0.05)

    def __enter__(self) -> Health:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def test_fifty_concurrent_replies_transfers_and_uploads_keep_the_server_up(app, settings):
    phones = _customers(app)
    with serving(settings) as url, httpx.Client(base_url=url, timeout=60) as http:
        tokens = []
        case_ids = []
        for phone in phones:
            token = http.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD})
            assert token.status_code == 200, token.text
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            opened = http.post(
                "/api/v1/cases",
                headers=headers,
                json={
                    "category": "account",
                    "subject": "Cannot sign in",
                    "description": "It says my password is wrong since this morning.",
                    "details": REQUIRED["account"],
                },
            )
            assert opened.status_code == 201, opened.text
            tokens.append(headers)
            case_ids.append(opened.json()["id"])
        image = png_bytes(800, 600)
        start = threading.Barrier(REQUESTS)

        def one(index: int) -> int:
            who = index % CUSTOMERS
            headers = tokens[who]
            start.wait()
            if index % 3 == 0:
                response = http.post(
                    f"/api/v1/cases/{case_ids[who]}/messages",
                    headers=headers,
                    json={"body": f"Any news? ({index})"},
                )
            elif index % 3 == 1:
                response = http.post(
                    "/api/v1/wallet/transfer",
                    headers=headers,
                    json={
                        "phone": phones[(who + 1) % CUSTOMERS],
                        "amount": "1.00",
                        "idempotency_key": f"load-test-{index:04d}",
                    },
                )
            else:
                response = http.post(
                    f"/api/v1/cases/{case_ids[who]}/attachments",
                    headers=headers,
                    files={"files": (f"shot-{index}.png", image, "image/png")},
                )
            assert response.status_code in (200, 201, 409, 429), response.text
            return response.status_code

        with Health(url) as health, ThreadPoolExecutor(REQUESTS) as pool:
            statuses = Counter(pool.map(one, range(REQUESTS)))

    assert statuses[200] + statuses[201] >= REQUESTS * 0.8, statuses
    assert health.times and not health.failures, health.failures
    with session_scope(app.state.sessionmaker) as db:
        report = verify_ledger(db)
    assert report.ok, report.lines()
