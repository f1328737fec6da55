"""Domain events: an in-transaction subscriber works in the publisher's transaction (its failure
undoes the publisher's change); an after-commit one runs only once that transaction committed,
never after a rollback, and one that fails does not stop the others. The app registers the
cases' subscribers once, however many apps are built."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from walletdesk.app import SUBSCRIBER_MODULES, create_app, register_subscribers
from walletdesk.audit.models import AuditEntry
from walletdesk.audit.service import record as audit
from walletdesk.db import session_scope
from walletdesk.events import Event, Phase, publish, subscribe, subscribers_of
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.identity.signals import AccountUnlocked, SignedIn

seen: list[str] = []


@pytest.fixture(autouse=True)
def _fresh() -> None:
    seen.clear()


@dataclass(frozen=True)
class Renamed(Event):
    user_id: int
    name: str


@dataclass(frozen=True)
class Refused(Event):
    user_id: int


@dataclass(frozen=True)
class Shipped(Event):
    label: str


def note_rename(db, event: Renamed) -> None:
    """Reads the publisher's uncommitted change and writes beside it."""
    user = db.get(User, event.user_id)
    seen.append(f"in-transaction saw {user.display_name}")
    audit(db, actor_id=None, action="test.renamed", subject_type="user", subject_id=user.id)


def refuse(db, event: Refused) -> None:
    raise RuntimeError("the subscriber refuses")


def ship_first(event: Shipped) -> None:
    seen.append(f"first {event.label}")
    raise RuntimeError("the first after-commit subscriber fails")


def ship_second(event: Shipped) -> None:
    seen.append(f"second {event.label}")


subscribe(Renamed, note_rename, phase=Phase.IN_TRANSACTION)
subscribe(Refused, refuse, phase=Phase.IN_TRANSACTION)
subscribe(Shipped, ship_first, phase=Phase.AFTER_COMMIT)
subscribe(Shipped, ship_second, phase=Phase.AFTER_COMMIT)


def _customer(app) -> int:
    with session_scope(app.state.sessionmaker) as db:
        user = identity.create_user(
            db, role="customer", phone="13700137000", password=PASSWORD, display_name="赵六"
        )
        return user.id


def _name_of(app, user_id: int) -> str:
    with app.state.sessionmaker() as db:
        return db.get(User, user_id).display_name


def test_in_transaction_subscriber_sees_the_change_and_commits_with_it(app) -> None:
    user_id = _customer(app)
    with session_scope(app.state.sessionmaker) as db:
        db.get(User, user_id).display_name = "王五"
        db.flush()
        publish(db, Renamed(user_id=user_id, name="王五"))
    assert seen == ["in-transaction saw 王五"]
    with app.state.sessionmaker() as db:
        actions = db.scalars(select(AuditEntry.action)).all()
    assert actions.count("test.renamed") == 1
    assert _name_of(app, user_id) == "王五"


def test_a_failing_in_transaction_subscriber_rolls_the_publisher_back(app) -> None:
    user_id = _customer(app)
    before = _name_of(app, user_id)
    with pytest.raises(RuntimeError, match="refuses"), session_scope(app.state.sessionmaker) as db:
        db.get(User, user_id).display_name = "王五"
        db.flush()
        publish(db, Refused(user_id=user_id))
    assert _name_of(app, user_id) == before != "王五"


def test_after_commit_subscribers_run_after_commit_and_one_failing_stops_no_other(
    app, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="walletdesk.events")
    with session_scope(app.state.sessionmaker) as db:
        publish(db, Shipped(label="parcel"))
        assert seen == []  # not before the commit
    assert seen == ["first parcel", "second parcel"]
    assert "ship_first failed" in caplog.text


def test_after_commit_subscribers_never_run_after_a_rollback(app) -> None:
    with pytest.raises(ValueError), session_scope(app.state.sessionmaker) as db:
        publish(db, Shipped(label="lost"))
        raise ValueError("the publisher fails")
    assert seen == []
    # Rolled back, then other work committed on the same session: still not sent.
    with session_scope(app.state.sessionmaker) as db:
        publish(db, Shipped(label="undone"))
        db.rollback()
        publish(db, Shipped(label="kept"))
    assert seen == ["first kept", "second kept"]


def test_the_app_registers_each_subscriber_once(settings) -> None:
    for _ in range(2):
        create_app(settings).state.engine.dispose()
    register_subscribers()  # as the worker and the CLI do
    assert SUBSCRIBER_MODULES[0] == "walletdesk.cases.subscribers"
    assert subscribers_of(AccountUnlocked) == ["walletdesk.cases.subscribers.account_unlocked"]
    assert subscribers_of(SignedIn) == ["walletdesk.risk.subscribers.signed_in"]


@dataclass(frozen=True)
class Careless(Event):
    user: object


def test_an_event_carrying_an_orm_row_is_refused(app) -> None:
    user_id = _customer(app)
    with app.state.sessionmaker() as db, pytest.raises(TypeError, match="pass its id"):
        publish(db, Careless(user=db.get(User, user_id)))


def test_the_cli_registers_the_subscribers_before_any_command() -> None:
    """`walletdesk worker` and `walletdesk seed` publish too: in a fresh process, running a
    command (here `worker --help`, which does no work) registers the subscribers first."""
    script = (
        "from typer.testing import CliRunner\n"
        "from walletdesk import cli\n"
        "from walletdesk.events import subscribers_of\n"
        "from walletdesk.risk.signals import PaymentFlagged\n"
        "assert subscribers_of(PaymentFlagged) == []\n"
        "assert CliRunner().invoke(cli.app, ['worker', '--help']).exit_code == 0\n"
        "print(subscribers_of(PaymentFlagged))\n"
    )
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "walletdesk.cases.subscribers.payment_flagged" in done.stdout
