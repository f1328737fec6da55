"""Real-time across processes: two web servers share delivery through Redis (a private
redis-server of this test). A customer on one and an agent on the other talk over real
WebSockets; Redis restarts mid-way, and both sides catch up with nothing lost or doubled."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.browser_support import _free_port
from tests.conftest import PASSWORD
from tests.live import serving
from walletdesk.config import Settings
from walletdesk.jobqueue_pg import run_to_end

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="no redis-server")


class Redis:
    def __init__(self, port: int, folder: str) -> None:
        self.port = port
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.folder,
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import redis

                redis.Redis(port=self.port).ping()
                return
            except Exception:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path) -> Iterator[Redis]:
    server = Redis(_free_port(), str(tmp_path))
    server.start()
    yield server
    server.stop()


def web_process(settings: Settings, redis_url: str) -> AbstractContextManager[str]:
    return serving(
        settings,
        redis_url=redis_url,
        support_hours="UTC 00:00-23:59",
        password_hash_time_cost="1",
        password_hash_memory_kib="64",
    )


class Side:
    """One real WebSocket client keeping every message it was sent, by seq."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.seqs: list[int] = []
        self.texts: dict[int, str] = {}

    async def until(self, text: str, timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            while text not in self.texts.values():
                frame = json.loads(await self.ws.recv())
                if frame.get("type") == "message":
                    self.seqs.append(frame["seq"])
                    self.texts[frame["seq"]] = frame["text"]


def test_a_customer_and_an_agent_on_two_processes_talk_through_redis_across_a_restart(
    settings: Settings, people, redis_server: Redis
):
    with (
        web_process(settings, redis_server.url) as one,
        web_process(settings, redis_server.url) as two,
    ):
        started = httpx.post(f"{one}/api/v1/conversations", json={"channel": "chat", "lang": "en"})
        conversation_id, token = started.json()["id"], started.json()["token"]
        login = {"login": people.agent.login, "password": PASSWORD}
        access = httpx.post(f"{two}/api/v1/auth/token", json=login).json()["access_token"]
        agent_headers = {"Authorization": f"Bearer {access}"}

        async def talk() -> tuple[Side, Side]:
            ws_one = one.replace("http", "ws") + f"/api/v1/conversations/{conversation_id}/ws"
            ws_two = two.replace("http", "ws") + f"/api/v1/conversations/{conversation_id}/ws"
            async with (
                connect(f"{ws_one}?token={token}") as customer_ws,
                connect(ws_two, additional_headers=agent_headers) as agent_ws,
            ):
                customer, agent = Side(customer_ws), Side(agent_ws)
                await customer_ws.send(json.dumps({"type": "message", "text": "hello from one"}))
                await agent.until("hello from one")
                await agent_ws.send(json.dumps({"type": "message", "text": "hi from two"}))
                await customer.until("hi from two")

                await asyncio.to_thread(redis_server.stop)
                # While Redis is away: stored, delivered in its own process only.
                await agent_ws.send(json.dumps({"type": "message", "text": "during the outage"}))
                await agent.until("during the outage")
                await asyncio.to_thread(redis_server.start)
                await customer.until("during the outage", timeout=30)  # caught up on reconnect

                await customer_ws.send(json.dumps({"type": "message", "text": "after it"}))
                await agent.until("after it", timeout=30)
                return customer, agent

        customer, agent = run_to_end(talk())
    for side in (customer, agent):
        # Every message once, in order, none missing between the first and the last.
        assert side.seqs == list(range(1, side.seqs[-1] + 1))
