"""Ledger throughput on PostgreSQL: transfers per second through walletdesk.wallet.service with
1, 8 and 32 concurrent clients (threads spread over one process per core, as a deployment spreads
requests over worker processes) over hot (4) and cold (2,000) accounts, each against a baseline of
bare SQL doing the same writes (guarded balance updates, entry, postings) in the same run; and
deposits from 32 clients for distinct customers (every one through the same payment method's
clearing account) against the cold transfers with 32 clients of the same run: a deposit must
not queue on the system account's row.

Run from the project root: `.venv/bin/python bench/ledger_bench.py`. It creates a database of
its own, migrates it, and drops it at the end; every configuration runs for a bounded time.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from walletdesk.db import make_sessionmaker, session_scope
from walletdesk.migrations import upgrade
from walletdesk.wallet import service as wallet
from walletdesk.wallet.ledger import verify_ledger

PG_ADMIN = os.environ.get("WALLETDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SECONDS = float(os.environ.get("LEDGER_BENCH_SECONDS", "3"))  # measured, per configuration
ROUNDS = 3  # slices each of service and baseline, alternating, sharing SECONDS
WARMUP = 0.3  # seconds run before each slice is measured (statements prepared, caches warm)
CLIENTS = (1, 8, 32)
DEPOSIT_CLIENTS = 32  # deposits for as many distinct customers, beside the cold transfers
# Client processes (threads spread over them), like a deployment's worker processes.
PROCESSES = int(os.environ.get("LEDGER_BENCH_PROCESSES", str(os.cpu_count() or 1)))
SHAPES = {"hot": 4, "cold": 2_000}  # accounts the transfers pick from
START_BALANCE = 10**12  # so that no transfer of the run is refused

BASELINE_DEBIT = (
    "UPDATE wallet_accounts SET balance_minor = balance_minor - %(amount)s"
    " WHERE id = %(id)s AND balance_minor - held_minor >= %(amount)s RETURNING id"
)
BASELINE_CREDIT = (
    "UPDATE wallet_accounts SET balance_minor = balance_minor + %(amount)s WHERE id = %(id)s"
)
BASELINE_ENTRY = (
    "INSERT INTO wallet_entries (idempotency_key, fingerprint, kind, currency, memo, created_at)"
    " VALUES (%s, %s, 'transfer', 'CNY', '', %s) RETURNING id"
)
BASELINE_POSTINGS = (
    "INSERT INTO wallet_postings (entry_id, account_id, amount_minor)"
    " VALUES (%s, %s, %s), (%s, %s, %s)"
)


def create_database() -> tuple[str, str]:
    name = f"wd_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    return name, base.replace("postgresql://", "postgresql+psycopg://") + "/" + name


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str) -> dict[str, list[tuple[int, int]]]:
    """Customers for each shape, funded; shape → [(user id, CNY account id)]."""
    engine = create_engine(url)
    factory = make_sessionmaker(engine)
    people: dict[str, list[tuple[int, int]]] = {}
    now = datetime.now(UTC)
    for shape, count in SHAPES.items():
        with session_scope(factory) as db:
            rows = db.execute(
                text(
                    "INSERT INTO users (role, email, display_name, password_hash, lang,"
                    " is_active, failed_logins, created_at)"
                    " SELECT 'customer', :shape || n || '@bench.test', 'bench', '!', 'zh',"
                    " true, 0, :now FROM generate_series(1, :count) AS n RETURNING id"
                ),
                {"shape": shape, "count": count, "now": now},
            )
            user_ids = sorted(row.id for row in rows)
            for user_id in user_ids:
                wallet.post_deposit(
                    db,
                    user_id=user_id,
                    method="bank_card",
                    amount_minor=START_BALANCE,
                    currency="CNY",
                    idempotency_key=f"seed-{user_id}",
                )
            people[shape] = [
                (u, wallet.customer_account(db, user_id=u, currency="CNY").id) for u in user_ids
            ]
    engine.dispose()
    return people


def measure(clients: int, kind: str, url: str, accounts: list[tuple[int, int]], tag: str) -> float:
    """Transfers per second over one slice with `clients` concurrent clients, after WARMUP.

    The clients are threads spread over PROCESSES processes, as a deployment spreads requests
    over worker processes; service and baseline are driven the same way."""
    processes = min(PROCESSES, clients)
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients + 1)
    results = context.Queue()
    children = [
        context.Process(
            target=_client_process,
            args=(kind, url, accounts, f"{tag}-p{i}", share, sum(shares[:i]), barrier, results),
        )
        for i, share in enumerate(shares)
    ]
    for child in children:
        child.start()
    barrier.wait()
    outcomes = [results.get() for _ in children]
    for child in children:
        child.join()
    errors = [o for o in outcomes if isinstance(o, str)]
    if errors:
        raise RuntimeError(errors[0])
    return sum(outcomes) / (SECONDS / ROUNDS)


def _client_process(
    kind: str,
    url: str,
    accounts: list[tuple[int, int]],
    tag: str,
    clients: int,
    first: int,
    barrier: Any,
    results: Any,
) -> None:
    """One process's share of the clients (numbered from `first` over all processes): its own
    connections, threads started together with every other process's at the shared barrier;
    puts its count (or the first error)."""
    conns: list[psycopg.Connection] = []
    engine = None
    if kind in ("service", "deposits"):
        engine = create_engine(url, pool_size=clients, max_overflow=0)
        warm = [engine.connect() for _ in range(clients)]  # the pool holds one per client
        for opened in warm:
            opened.close()
        worker = service_worker if kind == "service" else deposit_worker
        make = worker(make_sessionmaker(engine), accounts, tag)
    else:
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        make = baseline_worker(dsn, accounts, tag, conns)
    workers = [make(first + i) for i in range(clients)]
    counts = [0] * clients
    errors: list[BaseException] = []

    def loop(index: int) -> None:
        work = workers[index]
        barrier.wait()
        begin = time.perf_counter() + WARMUP
        end = begin + SECONDS / ROUNDS
        try:
            while (now := time.perf_counter()) < end:
                work()
                if now >= begin:
                    counts[index] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(repr(errors[0]) if errors else sum(counts))
    for conn in conns:
        conn.close()
    if engine is not None:
        engine.dispose()


def service_worker(
    factory, accounts: list[tuple[int, int]], tag: str
) -> Callable[[int], Callable[[], None]]:
    def make(index: int) -> Callable[[], None]:
        rng = random.Random(f"{tag}-{index}")
        serial = iter(range(10**9))

        def one() -> None:
            (payer, _), (payee, _) = rng.sample(accounts, 2)
            key = f"{tag}-{index}-{next(serial)}"

            def work(db: Session) -> None:
                wallet.post_transfer(
                    db,
                    from_user_id=payer,
                    to_user_id=payee,
                    amount_minor=rng.randint(1, 10_000),
                    currency="CNY",
                    idempotency_key=key,
                )

            wallet.run_in_transaction(factory, work)

        return one

    return make


def deposit_worker(
    factory, accounts: list[tuple[int, int]], tag: str
) -> Callable[[int], Callable[[], None]]:
    """Client `index` deposits for its own customer, by bank card: all of them through the
    clearing:bank_card system account."""

    def make(index: int) -> Callable[[], None]:
        rng = random.Random(f"{tag}-{index}")
        serial = iter(range(10**9))
        customer, _ = accounts[index % len(accounts)]

        def one() -> None:
            key = f"{tag}-{index}-{next(serial)}"

            def work(db: Session) -> None:
                wallet.post_deposit(
                    db,
                    user_id=customer,
                    method="bank_card",
                    amount_minor=rng.randint(1, 10_000),
                    currency="CNY",
                    idempotency_key=key,
                )

            wallet.run_in_transaction(factory, work)

        return one

    return make


def baseline_worker(dsn: str, accounts: list[tuple[int, int]], tag: str, conns: list):
    def make(index: int) -> Callable[[], None]:
        rng = random.Random(f"{tag}-{index}")
        serial = iter(range(10**9))
        conn = psycopg.connect(dsn)
        conns.append(conn)

        def one() -> None:
            (_, payer), (_, payee) = rng.sample(accounts, 2)
            amount = rng.randint(1, 10_000)
            key = f"{tag}-{index}-{next(serial)}"
            fingerprint = hashlib.sha256(key.encode()).hexdigest()
            for attempt in range(5):
                try:
                    with conn.transaction():
                        # Lower id first, as any sound implementation must, or it deadlocks.
                        for account_id in sorted((payer, payee)):
                            if account_id == payer:
                                row = conn.execute(
                                    BASELINE_DEBIT, {"amount": amount, "id": payer}
                                ).fetchone()
                                if row is None:
                                    raise RuntimeError("insufficient funds")
                            else:
                                conn.execute(BASELINE_CREDIT, {"amount": amount, "id": payee})
                        entry_id = conn.execute(
                            BASELINE_ENTRY, (key, fingerprint, datetime.now(UTC))
                        ).fetchone()[0]
                        conn.execute(
                            BASELINE_POSTINGS,
                            (entry_id, payer, -amount, entry_id, payee, amount),
                        )
                    return
                except psycopg.errors.DeadlockDetected:
                    if attempt == 4:
                        raise

        return one

    return make


def compare(
    url: str, clients: int, shape: str, accounts: list[tuple[int, int]]
) -> tuple[str, float, float]:
    """Service and bare SQL in alternating slices, so that load from elsewhere on the machine
    falls on both alike; one BENCH line, and the deposits per second of the same slices when
    `shape` is cold with 32 clients (0 otherwise)."""
    service = base = deposits = 0.0
    with_deposits = clients == DEPOSIT_CLIENTS and shape == "cold"
    for slice_ in range(ROUNDS):
        tag = f"c{clients}-{shape}-{slice_}"
        service += measure(clients, "service", url, accounts, "svc" + tag)
        base += measure(clients, "baseline", url, accounts, "sql" + tag)
        if with_deposits:
            deposits += measure(clients, "deposits", url, accounts, "dep" + tag)
    service, base, deposits = service / ROUNDS, base / ROUNDS, deposits / ROUNDS
    line = (
        f"BENCH ledger_transfers_c{clients}_{shape} {service:.0f} transfers/s"
        f" baseline={base:.0f} ratio={service / base:.2f}"
    )
    return line, service, deposits


def main() -> int:
    name, url = create_database()
    try:
        upgrade(url)
        people = seed(url)
        for clients in CLIENTS:
            for shape, accounts in people.items():
                line, transfers, deposits = compare(url, clients, shape, accounts)
                print(line, flush=True)
                if deposits:
                    print(
                        f"BENCH ledger_deposits_c{clients} {deposits:.0f} tx/s"
                        f" baseline={transfers:.0f} ratio={deposits / transfers:.2f}",
                        flush=True,
                    )
        engine = create_engine(url)
        with session_scope(make_sessionmaker(engine)) as db:
            report = verify_ledger(db)
        engine.dispose()
        for problem in report.problems:
            print(f"# {problem}", file=sys.stderr)
        print(f"BENCH ledger_verify_clean {int(report.ok)} bool", flush=True)
        return 0 if report.ok else 1
    finally:
        drop_database(name)


if __name__ == "__main__":
    sys.exit(main())
