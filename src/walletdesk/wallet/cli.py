"""`walletdesk ledger …`: operator commands on the wallet's ledger.

Registered by walletdesk.cli as the `ledger` sub-command.
"""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from walletdesk.config import Settings
from walletdesk.db import make_engine, make_sessionmaker, session_scope
from walletdesk.wallet.ledger import verify_ledger

ledger_app = typer.Typer(help="The wallet's double-entry ledger.", no_args_is_help=True)


@ledger_app.callback()
def _group() -> None:
    """The wallet's double-entry ledger."""


@ledger_app.command()
def verify() -> None:
    """Recompute the ledger from its postings; exit 1 if anything does not add up."""
    settings = Settings()
    engine = make_engine(settings.db_url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            report = verify_ledger(db)
    except SQLAlchemyError as exc:
        typer.echo(f"cannot read the ledger: {type(exc).__name__}: {exc.args[0]}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    for line in report.lines():
        typer.echo(line)
    raise typer.Exit(0 if report.ok else 1)
