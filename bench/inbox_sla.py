"""The console inbox sorted by SLA time left, on PostgreSQL with 10,000 and 1,000,000 cases:
p95 milliseconds of one inbox page (the count, the page with its customers and assignees, and
the page's clocks, as `cases.queries.list_cases` runs them for `/console`), beside the same page
newest update first (no SLA ordering), so the cost of the clock at scale is known.

Run from the project root: `.venv/bin/python bench/inbox_sla.py`. Each size gets a database of
its own, bulk-loaded with COPY (a fifth of the cases active, two clocks per case) at
migration 0032, migrated to the head (0033 fills the cases' SLA due time), analysed,
measured and dropped. INBOX_BENCH_SIZES (comma-separated case counts) and INBOX_BENCH_REPEATS
make it small: `INBOX_BENCH_SIZES=2000 INBOX_BENCH_REPEATS=10`.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import create_engine, insert

from walletdesk.cases.queries import CaseFilter, list_cases
from walletdesk.db import make_sessionmaker, session_scope
from walletdesk.identity.models import User
from walletdesk.migrations import upgrade

PG_ADMIN = os.environ.get("WALLETDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SIZES = [int(n) for n in os.environ.get("INBOX_BENCH_SIZES", "10000,1000000").split(",") if n]
REPEATS = int(os.environ.get("INBOX_BENCH_REPEATS", "60"))  # measured pages per query
WARMUP = 5
CASES_PER_CUSTOMER = 50
CATEGORIES = ("deposit_withdrawal", "transaction", "account", "security", "technical", "fees")
# (status, share): a fifth of the cases are still being worked on.
STATUSES = (("new", 0.05), ("open", 0.10), ("pending_customer", 0.05), ("resolved", 0.30))
CLOSED = "closed"
CASE_COLUMNS = (
    "id, customer_id, assignee_id, category, status, priority, channel, subject, description,"
    " details, created_at, updated_at"
)
CLOCK_COLUMNS = (
    "case_id, metric, target_seconds, started_at, due_at, warning_at, paused_at,"
    " paused_seconds, met_at, warned_at, breached_at"
)


def create_database() -> tuple[str, str]:
    name = f"wd_bench_inbox_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    return name, base.replace("postgresql://", "postgresql+psycopg://") + "/" + name


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def status_of(rng: random.Random) -> str:
    roll = rng.random()
    for status, share in STATUSES:
        if roll < share:
            return status
        roll -= share
    return CLOSED


def seed(url: str, cases: int, now: datetime) -> int:
    """Customers, one agent, `cases` cases and their clocks; the agent's id."""
    engine = create_engine(url)
    customers = max(10, cases // CASES_PER_CUSTOMER)
    with session_scope(make_sessionmaker(engine)) as db:
        staff = {"role": "agent", "email": "agent@bench.example", "display_name": "Agent"}
        db.execute(insert(User), [{**staff, "password_hash": "-"}])
        db.execute(
            insert(User),
            [
                {
                    "role": "customer",
                    "phone": f"+86139{i:08d}",
                    "display_name": f"客户 {i}",
                    "password_hash": "-",
                }
                for i in range(customers)
            ],
        )
    engine.dispose()
    raw = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(raw) as conn:
        ids = "SELECT min(id), max(id) FROM users WHERE role = 'customer'"
        first, last = conn.execute(ids).fetchone() or (0, 0)
        agent = (conn.execute("SELECT id FROM users WHERE role = 'agent'").fetchone() or (0,))[0]

        # The cases are made twice from the same seed (cases, then their clocks), so that a
        # million of them never sit in memory at once.
        def made() -> Iterator[tuple[object, ...]]:
            return _cases(random.Random(cases), cases, now, first, last, agent)

        rng = random.Random(-cases)
        with conn.cursor() as cur:
            with cur.copy(f"COPY cases ({CASE_COLUMNS}) FROM STDIN") as copy:
                for row in made():
                    copy.write_row(row[:-1])
            with cur.copy(f"COPY case_sla_clocks ({CLOCK_COLUMNS}) FROM STDIN") as copy:
                for row in made():
                    for clock in _clocks(rng, row, now):
                        copy.write_row(clock)
            cur.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), %s)", (cases,))
        conn.commit()
    return int(agent)


def analyse(url: str) -> None:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


def _cases(
    rng: random.Random, count: int, now: datetime, first: int, last: int, agent: int
) -> Iterator[tuple[object, ...]]:
    for case_id in range(1, count + 1):
        created = now - timedelta(minutes=rng.randint(1, 60 * 24 * 365))
        status = status_of(rng)
        updated = created + timedelta(minutes=rng.randint(0, 60 * 24 * 3))
        yield (
            case_id,
            rng.randint(first, last),
            agent if rng.random() < 0.5 else None,
            rng.choice(CATEGORIES),
            status,
            rng.choice(("low", "normal", "normal", "normal", "high", "urgent")),
            "portal",
            f"Case {case_id}",
            "发生了什么：银行卡已扣款，但钱包余额没变。",
            "{}",
            created,
            min(updated, now),
            status,
        )


def _clocks(
    rng: random.Random, case: tuple[object, ...], now: datetime
) -> Iterator[tuple[object, ...]]:
    """First response and resolution: met for a finished case; the first response met once
    staff answered; the resolution paused while waiting on the customer."""
    case_id, status = case[0], case[-1]
    started = case[10]
    assert isinstance(started, datetime)
    done = status in ("resolved", CLOSED)
    for metric, target in (("first_response", 4 * 3600), ("resolution", 45 * 3600)):
        # Active cases are due around now (some overdue), finished ones long ago.
        due = now + timedelta(minutes=rng.randint(-600, 3000)) if not done else started
        met = None
        if done or (metric == "first_response" and status != "new"):
            met = started + timedelta(hours=1)
        paused = now - timedelta(hours=2) if status == "pending_customer" and not met else None
        warning = due - timedelta(seconds=target // 5)
        breached = due if due < now and met is None and paused is None else None
        yield (case_id, metric, target, started, due, warning, paused, 0, met, breached, breached)


def p95(run: Callable[[], object]) -> float:
    for _ in range(WARMUP):
        run()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]


def measure(url: str, agent_id: int, cases: int) -> None:
    engine = create_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as db:
        agent = db.get(User, agent_id)
        assert agent is not None

        def page(**filters: str) -> Callable[[], object]:
            wanted = CaseFilter(status="active", **filters)  # the console's default view
            return lambda: list_cases(db, user=agent, filters=wanted)

        baseline = p95(page())
        for name, filters in (("due", {"sort": "due"}), ("breached", {"due": "breached"})):
            value = p95(page(**filters))
            print(
                f"BENCH inbox_sla_{name}_{cases} {value:.2f} ms "
                f"baseline={baseline:.2f} ratio={value / baseline:.2f}",
                flush=True,
            )
    engine.dispose()


def main() -> int:
    for cases in SIZES:
        name, url = create_database()
        try:
            # Loaded as cases from before migration 0033, which then fills each case's
            # SLA due time from its clocks (the column the app keeps from then on).
            upgrade(url, "0032")
            started = time.perf_counter()
            agent = seed(url, cases, datetime.now(UTC))
            upgrade(url)
            analyse(url)
            loaded = time.perf_counter() - started
            print(f"# {cases} cases loaded and migrated in {loaded:.1f}s", flush=True)
            measure(url, agent, cases)
        finally:
            drop_database(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
