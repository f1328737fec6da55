"""Live chat delivery: customer-to-agent latency (p50, p99) and messages per second with 1, 100
and 1,000 concurrent conversations, in one web process and in two web processes sharing a
private Redis (customers on one, agents on the other), each beside a bare WebSocket echo server
measured in the same run (ratio = ours / echo).

A customer sends over its WebSocket; the time runs until the agent's WebSocket receives the
message (stored, redacted, numbered, fanned out after commit, read back from the database). The
echo server answers the same frame on the same connection: the floor of one hop.

Run from the project root: `.venv/bin/python bench/chat.py`. Sizes and load are settings:
CHAT_BENCH_SIZES ("1,100,1000"), CHAT_BENCH_MESSAGES (per conversation, 5),
CHAT_BENCH_SECONDS (per configuration, 30), CHAT_BENCH_MODES ("single,redis"),
CHAT_BENCH_PAUSE (seconds a customer waits after their message arrived before the next, 0: as
fast as the service delivers, which measures its capacity; a real customer writes every 10 s
or more, which measures the latency they see at that many conversations).
PostgreSQL (WALLETDESK_BENCH_PG) when it answers, else a SQLite file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from websockets.asyncio.client import ClientConnection, connect

from walletdesk.conversations import service as conversations
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.helpcenter import model_store
from walletdesk.identity import service as identity
from walletdesk.migrations import upgrade

PG_ADMIN = os.environ.get("WALLETDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SIZES = [int(s) for s in os.environ.get("CHAT_BENCH_SIZES", "1,100,1000").split(",") if s]
MESSAGES = int(os.environ.get("CHAT_BENCH_MESSAGES", "5"))
SECONDS = float(os.environ.get("CHAT_BENCH_SECONDS", "30"))
MODES = [m for m in os.environ.get("CHAT_BENCH_MODES", "single,redis").split(",") if m]
PAUSE = float(os.environ.get("CHAT_BENCH_PAUSE", "0"))
PASSWORD = "correct horse battery"
ECHO = (
    "import asyncio, sys\n"
    "from websockets.asyncio.server import serve\n"
    "async def echo(ws):\n"
    "    async for m in ws:\n"
    "        await ws.send(m)\n"
    "async def main():\n"
    "    async with serve(echo, '127.0.0.1', int(sys.argv[1]), max_size=2**20):\n"
    "        await asyncio.Future()\n"
    "asyncio.run(main())\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("a bench server exited")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("a bench server did not start")


@contextmanager
def database() -> Iterator[str]:
    """A database of the bench's own: PostgreSQL if it answers, else SQLite; dropped after."""
    name = f"wd_chat_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        folder = tempfile.mkdtemp(prefix="chat-bench-")
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        yield url
        shutil.rmtree(folder, ignore_errors=True)
        return
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    upgrade(url)
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(url: str, count: int) -> tuple[str, list[tuple[int, str]]]:
    """An agent's login and `count` visitors' conversations (id, token)."""
    factory = make_sessionmaker(make_engine(url))
    login = f"agent-{uuid.uuid4().hex[:8]}@bench.example"
    made: list[tuple[int, str]] = []
    with session_scope(factory) as db:
        identity.create_user(
            db, role="agent", email=login, password=PASSWORD, display_name="Bench Agent"
        )
        for _ in range(count):
            conversation, token = conversations.start_conversation(db, channel="chat", lang="en")
            made.append((conversation.id, token or ""))
    return login, made


@contextmanager
def web(url: str, data_dir: Path, redis_url: str = "") -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "WALLETDESK_DATA_DIR": str(data_dir),
        "WALLETDESK_DATABASE_URL": url,
        "WALLETDESK_SECRET_KEY": "chat-bench-secret",
        "WALLETDESK_JOBS": "off",
        "WALLETDESK_REDIS_URL": redis_url,
        "WALLETDESK_RATE_LIMIT_CHAT_PER_MINUTE": "0",
        "WALLETDESK_PASSWORD_HASH_TIME_COST": "1",
        "WALLETDESK_PASSWORD_HASH_MEMORY_KIB": "64",
    }
    command = [sys.executable, "-m", "walletdesk.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, server)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def redis_server() -> Iterator[str]:
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    server = subprocess.Popen([*command, "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        wait_port(port, server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def echo_server() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", ECHO, str(port)])
    try:
        wait_port(port, server)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


class Run:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.started = 0.0
        self.ended = 0.0

    def figures(self) -> tuple[float, float, float]:
        if os.environ.get("CHAT_BENCH_DEBUG"):
            print("#", [round(x * 1000, 1) for x in self.latencies], flush=True)
        """p50 and p99 in milliseconds, messages per second."""
        ordered = sorted(self.latencies) or [float("nan")]
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        rate = len(self.latencies) / max(1e-9, self.ended - self.started)
        return p50, p99, rate


async def chat_run(
    customer_host: str, agent_host: str, token: str, chats: list[tuple[int, str]]
) -> Run:
    run = Run()
    headers = {"Authorization": f"Bearer {token}"}

    async def one(conversation_id: int, visitor: str) -> None:
        path = f"/api/v1/conversations/{conversation_id}/ws"
        async with (
            connect(f"ws://{customer_host}{path}?token={visitor}", max_size=2**20) as customer,
            connect(f"ws://{agent_host}{path}", additional_headers=headers) as agent,
        ):
            # The customer reads what it is sent, as a real client does (a full buffer would
            # stall the connection's closing handshake).
            drain = asyncio.create_task(_drain(customer))
            await ready.wait()
            for i in range(MESSAGES):
                if time.monotonic() > stop_at[0]:
                    break
                text = f"bench {conversation_id} {i}"
                sent = time.perf_counter()
                await customer.send(json.dumps({"type": "message", "text": text}))
                while True:
                    frame = json.loads(await agent.recv())
                    if frame.get("type") == "message" and frame.get("text") == text:
                        run.latencies.append(time.perf_counter() - sent)
                        break
                if PAUSE and i < MESSAGES - 1:
                    await asyncio.sleep(PAUSE * (0.5 + random.random()))  # not all in step
            run.ended = max(run.ended, time.perf_counter())
            drain.cancel()

    ready = asyncio.Event()
    stop_at = [float("inf")]  # no new message after this (the configuration's time is up)
    tasks = [asyncio.create_task(one(cid, tok)) for cid, tok in chats]
    await asyncio.sleep(0.2 + len(chats) * 0.01)  # the connections open (and catch up)
    run.started = time.perf_counter()
    stop_at[0] = time.monotonic() + SECONDS
    ready.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=SECONDS + 120)
    return run


async def _drain(websocket: ClientConnection) -> None:
    with contextlib.suppress(Exception):
        async for _frame in websocket:
            pass


async def echo_run(host: str, count: int) -> Run:
    run = Run()

    async def one(index: int) -> None:
        async with connect(f"ws://{host}/", max_size=2**20) as ws:
            await ready.wait()
            for i in range(MESSAGES):
                text = json.dumps({"type": "message", "text": f"bench {index} {i}"})
                sent = time.perf_counter()
                await ws.send(text)
                await ws.recv()
                run.latencies.append(time.perf_counter() - sent)
                if PAUSE and i < MESSAGES - 1:
                    await asyncio.sleep(PAUSE * (0.5 + random.random()))
            run.ended = max(run.ended, time.perf_counter())

    ready = asyncio.Event()
    tasks = [asyncio.create_task(one(i)) for i in range(count)]
    await asyncio.sleep(0.2 + count * 0.002)
    run.started = time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    return run


def warm(host: str) -> None:
    """A first search in each server, as a served process has had: loads the dictionaries."""
    for query in ("deposit not received", "充值没到账"):
        httpx.get(f"http://{host}/api/v1/help/search", params={"q": query}, timeout=60)


def agent_token(host: str, login: str) -> str:
    response = httpx.post(
        f"http://{host}/api/v1/auth/token", json={"login": login, "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def report(mode: str, size: int, ours: Run, echo: Run) -> None:
    p50, p99, rate = ours.figures()
    e50, e99, erate = echo.figures()
    suffix = f"_pause{PAUSE:g}s" if PAUSE else ""
    for name, value, base, unit in (
        ("p50", p50, e50, "ms"),
        ("p99", p99, e99, "ms"),
        ("msgs_per_s", rate, erate, "msg/s"),
    ):
        ratio = value / base if base else float("nan")
        print(
            f"BENCH chat_{name}_{size}_{mode}{suffix} {value:.2f} {unit} "
            f"baseline={base:.2f} ratio={ratio:.2f}",
            flush=True,
        )


def main() -> int:
    if "redis" in MODES and not shutil.which("redis-server"):
        print("# no redis-server: the two-process figures are skipped", flush=True)
    with database() as url, tempfile.TemporaryDirectory() as folder, echo_server() as echo:
        data_dir = Path(folder)
        model_store.train(data_dir, [])  # as `walletdesk kb train` does before serving
        for mode in MODES:
            if mode == "redis" and not shutil.which("redis-server"):
                continue
            with (
                redis_server() if mode == "redis" else contextmanager(_nothing)() as redis_url,
                web(url, data_dir, redis_url or "") as one,
                web(url, data_dir, redis_url or "") if mode == "redis" else _same(one) as two,
            ):
                warm(one)
                if two != one:
                    warm(two)
                for size in SIZES:
                    login, chats = prepare(url, size)
                    token = agent_token(two, login)
                    ours = asyncio.run(chat_run(one, two, token, chats))
                    baseline = asyncio.run(echo_run(echo, size))
                    report(mode, size, ours, baseline)
    return 0


def _nothing() -> Iterator[str]:
    yield ""


@contextmanager
def _same(host: str) -> Iterator[str]:
    yield host


if __name__ == "__main__":
    sys.exit(main())
