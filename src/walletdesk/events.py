"""Typed domain events: a lower domain publishes what happened, higher domains subscribe.

A subscriber runs either in the publisher's transaction (`Phase.IN_TRANSACTION`: it must be
consistent with the change, like a case's timeline line) or once that transaction has committed
(`Phase.AFTER_COMMIT`: side effects such as real-time fan-out or notifications, dropped when the
transaction rolls back). Subscribers are registered at start-up by each domain's
`subscribe()`; the publisher never knows who listens, so the ledger need not know support exists.
"""

from __future__ import annotations

import enum
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from walletdesk.db import Base, after_commit

log = logging.getLogger("walletdesk.events")


@dataclass(frozen=True)
class Event:
    """Base of every domain event: a frozen dataclass whose fields are plain values (ids,
    strings, numbers), never ORM rows, so after-commit subscribers cannot touch a stale row."""


E = TypeVar("E", bound=Event)


class Phase(enum.Enum):
    IN_TRANSACTION = "in_transaction"
    AFTER_COMMIT = "after_commit"


InTransaction = Callable[[Session, Any], None]
AfterCommit = Callable[[Any], None]


@dataclass(frozen=True)
class _Subscriber:
    handler: Callable[..., None]
    phase: Phase
    name: str


_subscribers: dict[type[Event], list[_Subscriber]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[..., None], *, phase: Phase) -> None:
    """Register `handler` for `event_type` (and its subclasses). In the transaction it is
    called as `handler(db, event)`; after commit as `handler(event)`. Registering the same
    handler twice for one type is a no-op, so start-up may run again (tests build many apps)."""
    name = f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"
    known = _subscribers[event_type]
    if any(s.name == name and s.phase is phase for s in known):
        return
    known.append(_Subscriber(handler=handler, phase=phase, name=name))


def publish(db: Session, event: Event) -> None:
    """Tell the subscribers: in-transaction ones now (their error aborts the publisher's
    transaction, as the change and its consequences are one), after-commit ones once `db`
    commits (each on its own: one that fails is logged and the others still run)."""
    _check_plain(event)
    for subscriber in _matching(type(event)):
        if subscriber.phase is Phase.IN_TRANSACTION:
            subscriber.handler(db, event)
        else:
            after_commit(db, _guarded(subscriber, event))


def subscribers_of(event_type: type[Event]) -> list[str]:
    """The names of what listens to `event_type`, for tests and the admin's overview."""
    return [s.name for s in _matching(event_type)]


def _matching(event_type: type[Event]) -> list[_Subscriber]:
    found: list[_Subscriber] = []
    for known_type, subscribers in list(_subscribers.items()):
        if issubclass(event_type, known_type):
            found.extend(subscribers)
    return found


def _check_plain(event: Event) -> None:
    """An ORM row in an event would let a subscriber read it stale after commit, or load it
    lazily from a closed session: refused at once, in the publisher's own test."""
    for field in fields(event):
        if isinstance(getattr(event, field.name), Base):
            raise TypeError(f"{type(event).__name__}.{field.name} is an ORM row: pass its id")


def _guarded(subscriber: _Subscriber, event: Event) -> Callable[[], None]:
    def run() -> None:
        try:
            subscriber.handler(event)
        except Exception:
            log.exception("after-commit subscriber %s failed on %r", subscriber.name, event)

    return run
