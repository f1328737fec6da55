"""The `walletdesk` command: demo, serve, worker, migrate, kb, ledger and friends."""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any
from urllib.parse import urlsplit

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from walletdesk.app import register_subscribers
from walletdesk.cases.sla.command import deadline
from walletdesk.config import Settings
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.migrations import upgrade
from walletdesk.payments.cli import payments_app
from walletdesk.wallet.cli import ledger_app

app = typer.Typer(help="walletdesk: customer service for a digital wallet.", no_args_is_help=True)
kb_app = typer.Typer(help="The help-center knowledge base.")
app.add_typer(kb_app, name="kb")
app.add_typer(ledger_app, name="ledger")
simulate_app = typer.Typer(help="Local stand-ins for outside services (sandbox providers).")
simulate_app.add_typer(payments_app, name="payments")
app.add_typer(simulate_app, name="simulate")
app.command()(deadline)
console = Console()


@app.callback()
def main() -> None:
    """walletdesk: customer service for a digital wallet."""
    # Every command may publish domain events (seeding, jobs, the ledger tools): the
    # subscribers must be there first, as in the web app.
    register_subscribers()


def _settings() -> Settings:
    settings = Settings()
    settings.ensure_dirs()
    return settings


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic)."""
    settings = _settings()
    upgrade(settings.db_url)
    console.print(f"[green]migrated[/green] {settings.db_url}")


@app.command()
def seed() -> None:
    """Create the demo people, the knowledge base and sample cases (idempotent)."""
    from walletdesk.demo import logins_path, seed_demo

    settings = _settings()
    engine = make_engine(settings.db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        logins = seed_demo(db, settings=settings)
    engine.dispose()
    table = Table(title="Demo logins (also in " + str(logins_path(settings)) + ")")
    for column in ("role", "login", "password"):
        table.add_column(column)
    for row in logins:
        table.add_row(row["role"], row["login"], row["password"])
    console.print(table)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        1, help="Worker processes (use PostgreSQL and Redis for more than one)."
    ),
) -> None:
    """Serve the web app and the API."""
    uvicorn.run("walletdesk.app:create_app", factory=True, **server_options(host, port, workers))


def server_options(host: str, port: int, workers: int) -> dict[str, Any]:
    """uvicorn's options. Its own proxy-header handling stays off: it would believe any
    loopback peer's X-Forwarded-For; the app believes only WALLETDESK_TRUSTED_PROXIES.
    WebSocket compression is off: chat frames are a few hundred bytes, and compressing each
    one cost more processor time than anything else in delivering it."""
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "proxy_headers": False,
        "ws_per_message_deflate": False,
    }


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
) -> None:
    """Migrate, seed the demo data, print the logins, start the payments sandbox and serve."""
    migrate()
    seed()
    # Providers post their webhooks back to this server, wherever the demo listens.
    os.environ.setdefault("WALLETDESK_BASE_URL", f"http://{host}:{port}")
    sandbox = _start_payments_sandbox()
    console.print(f"Serving on [bold]http://{host}:{port}[/bold] — help center at /help")
    if sandbox:
        console.print(f"Payments sandbox on {sandbox} (amount cents .51–.56 choose failure modes)")
    serve(host=host, port=port, workers=1)


@app.command()
def worker(
    once: bool = typer.Option(
        False, "--once", help="Run the due timers and the queued jobs ready now, then exit."
    ),
    concurrency: int = typer.Option(4, help="Queued jobs run at once (PostgreSQL)."),
) -> None:
    """Run the background jobs until stopped: the periodic timers (deposit expiry, payment
    resends) and the queued jobs (SMS, transaction alerts, provider calls), the latter by
    procrastinate on PostgreSQL. Set WALLETDESK_JOBS=off on the web processes when workers
    run them."""
    import signal

    from walletdesk.jobqueue_pg import PgRunner, run_to_end
    from walletdesk.jobs import JobRunner, registered_jobs

    settings = _settings()
    engine = make_engine(settings.db_url)
    factory = make_sessionmaker(engine, info={"settings": settings})
    runner = JobRunner(factory=factory, settings=settings, jobs=registered_jobs(settings))
    queue = (
        PgRunner(factory=factory, settings=settings, concurrency=concurrency)
        if engine.dialect.name == "postgresql"
        else None
    )
    try:
        if once:
            _run_once(runner, queue)
            return
        console.print(f"worker {runner.owner}: {', '.join(j.name for j in runner.jobs)}")
        if queue is None:
            signal.signal(signal.SIGTERM, lambda *_: runner.stop(timeout=0))
            with contextlib.suppress(KeyboardInterrupt):
                runner.run_forever()
            return
        runner.start()  # the timers in a thread; procrastinate's worker here, until a signal
        try:
            run_to_end(queue.serve())
        finally:
            runner.stop()
    finally:
        engine.dispose()


def _run_once(runner: Any, queue: Any) -> None:
    """One pass: a JSON line per timer that ran (the queued-jobs pass only when it ran some)."""
    from walletdesk.jobqueue_pg import run_to_end

    outcomes = runner.run_due()
    if queue is not None:
        run_to_end(queue.serve(wait=False))
    for outcome in outcomes:
        if outcome.status == "ok" and outcome.result == {}:
            continue
        line: dict[str, object] = {"job": outcome.name, "status": outcome.status}
        line |= {"error": outcome.error} if outcome.error else {"result": outcome.result}
        typer.echo(json.dumps(line, default=str))
    if any(outcome.status == "failed" for outcome in outcomes):
        raise typer.Exit(1)


def _start_payments_sandbox() -> str | None:
    """The sandbox provider in a background thread, when the configured provider is local.

    Unless an address is configured, it takes a free port and this process's app is pointed
    at it, so that a second demo never talks to the first one's sandbox (whose webhooks it
    would refuse)."""
    from walletdesk.payments.sandbox import SandboxServer, SandboxState
    from walletdesk.payments.settings import PaymentSettings

    payments = PaymentSettings.of(Settings())
    configured = "WALLETDESK_PAYMENTS_SANDBOX_URL" in os.environ
    url = urlsplit(payments.sandbox_url)
    if url.hostname not in ("127.0.0.1", "localhost") or not url.port:
        return None
    state = SandboxState(payments.webhook_secret, delay_seconds=2.0, slow_seconds=15.0)
    try:
        server = SandboxServer(state, port=url.port if configured else 0).start()
    except OSError:
        console.print(
            f"[yellow]{payments.sandbox_url} is taken: using the payments provider there; "
            "its webhooks must be signed with this server's secret[/yellow]"
        )
        return None
    os.environ["WALLETDESK_PAYMENTS_SANDBOX_URL"] = server.url
    return server.url


@kb_app.command("load")
def kb_load() -> None:
    """Import the bundled help articles (new topics only; admins' edits are kept)."""
    from walletdesk.helpcenter import service as helpcenter

    settings = _settings()
    engine = make_engine(settings.db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        count = helpcenter.load_knowledge_base(db)
    engine.dispose()
    console.print(json.dumps({"articles_loaded": count}))


@kb_app.command("train")
def kb_train() -> None:
    """Build the help-search question model from the shipped training data and the admins'
    labels into the data dir (the evaluation's test split is never read)."""
    from walletdesk.helpcenter import questions
    from walletdesk.helpcenter import service as helpcenter

    settings = _settings()
    upgrade(settings.db_url)
    engine = make_engine(settings.db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        labels = questions.label_count(db)
        model = helpcenter.build_search_model(db, data_dir=settings.model_dir)
    engine.dispose()
    summary = {
        "labels": labels,
        "classes": len(model.classes),
        "blend": model.blend,
        "thresholds": model.thresholds,
        "seconds": round(model.build_seconds, 1),
        "path": str(settings.model_dir / "help-search-model.pkl"),
    }
    console.print(json.dumps(summary))


if __name__ == "__main__":
    app()
