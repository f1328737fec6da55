"""The sandbox payment provider: a local HTTP service that takes charges and payouts like a
real one and confirms each later by a signed webhook to the `notify_url` it was given.

The amount's cents choose a failure mode (see FAILURE_CENTS); run it with
`walletdesk simulate payments --port 8900`, or in a thread with `SandboxServer(...).start()`.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from walletdesk.payments.signing import signed_headers

log = logging.getLogger("walletdesk.payments.sandbox")

PROVIDERS = ("bank_card", "credit_card", "payment_app", "crypto")
FAILURE_CENTS = {
    51: "declined",  # accepted, then a failure webhook: insufficient_funds
    52: "timeout",  # answers only after `slow_seconds` (the caller times out); still confirms
    53: "outage",  # 503, nothing recorded
    54: "duplicate",  # the success webhook is delivered twice
    55: "silent",  # accepted, never confirmed
    56: "reversed",  # a charge confirmed, then taken back by the payer's bank (a chargeback)
}
DECLINED_CARD = ("400000", "0002")  # a card number starting and ending so is always declined


def cents_of(amount_minor: int, currency: str) -> int:
    """The two digits after the decimal point, whatever the currency's minor units."""
    units = {"JPY": 0, "USDT": 6}.get(currency, 2)
    if units < 2:
        return 0
    return (amount_minor // 10 ** (units - 2)) % 100


@dataclass
class Delivery:
    url: str
    body: bytes
    headers: dict[str, str]
    status: int | None = None


@dataclass
class SandboxState:
    secret: str
    delay_seconds: float = 2.0
    slow_seconds: float = 15.0
    reversal_delay_seconds: float = 30.0  # a chargeback comes this long after the charge
    operations: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accept(self, provider: str, what: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        mode = _mode_of(body)
        if mode == "outage":
            return 503, {"code": "provider_outage", "message": "Service unavailable"}
        key = (provider, what, str(body.get("reference", "")))
        with self.lock:
            known = self.operations.get(key)
            if known is None:
                known = {"provider_ref": f"sbx_{what[:2]}_{secrets.token_hex(8)}", "mode": mode}
                self.operations[key] = known
                self._schedule(what, body, known)
        if mode == "timeout":
            time.sleep(self.slow_seconds)
        return 201, {"provider_ref": known["provider_ref"], "status": "processing"}

    def _schedule(self, what: str, body: dict[str, Any], known: dict[str, Any]) -> None:
        mode = known["mode"]
        if mode == "silent":
            return
        failed = mode == "declined"
        event = {
            "event": f"{what[:-1]}.{'failed' if failed else 'succeeded'}",
            "provider_ref": known["provider_ref"],
            "reference": body.get("reference"),
            "amount_minor": body.get("amount_minor"),
            "currency": body.get("currency"),
            "status": "failed" if failed else "succeeded",
            "failure_code": "insufficient_funds" if failed else None,
        }
        times = 2 if mode == "duplicate" else 1
        self._later(self.delay_seconds, body["notify_url"], event, times)
        if mode == "reversed" and what == "charges":
            back = {**event, "event": "charge.reversed", "status": "reversed"}
            self._later(self.reversal_delay_seconds, body["notify_url"], back, 1)

    def _later(self, seconds: float, url: str, event: dict[str, Any], times: int) -> None:
        timer = threading.Timer(seconds, self._deliver, (url, event, times))
        timer.daemon = True
        timer.start()

    def _deliver(self, url: str, event: dict[str, Any], times: int) -> None:
        raw = json.dumps(event).encode()
        for _ in range(times):
            delivery = Delivery(url, raw, signed_headers(self.secret, raw))
            try:
                delivery.status = httpx.post(url, content=raw, headers=delivery.headers).status_code
            except httpx.HTTPError as exc:
                log.warning("webhook to %s failed: %s", url, exc)
            with self.lock:
                self.deliveries.append(delivery)


def _mode_of(body: dict[str, Any]) -> str:
    instrument = str(body.get("instrument", ""))
    if instrument.startswith(DECLINED_CARD[0]) and instrument.endswith(DECLINED_CARD[1]):
        return "declined"
    amount, currency = body.get("amount_minor"), str(body.get("currency", ""))
    if not isinstance(amount, int):
        return "ok"
    return FAILURE_CENTS.get(cents_of(amount, currency), "ok")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] not in PROVIDERS or parts[1] not in ("charges", "payouts"):
            return self._answer(404, {"code": "not_found"})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        except ValueError:
            return self._answer(400, {"code": "bad_json"})
        if not isinstance(body, dict) or not body.get("reference") or not body.get("notify_url"):
            return self._answer(400, {"code": "bad_request"})
        status, answer = self.server.state.accept(parts[0], parts[1], body)
        self._answer(status, answer)

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except OSError:
            pass  # the caller gave up waiting (the timeout mode)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: SandboxState


class SandboxServer:
    """The sandbox on `host:port` (port 0: any free one), served from a background thread."""

    def __init__(self, state: SandboxState, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self._server = _Server((host, port), _Handler)
        self._server.state = state
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
