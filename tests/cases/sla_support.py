"""Helpers of the SLA tests: Shanghai wall-clock times, the timeline's clock set by the test,
a case opened through the service (at a moment of the test's), and a case's clocks by metric."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.cases.conftest import REQUIRED
from walletdesk.cases import events, service
from walletdesk.cases.sla import tracking
from walletdesk.db import session_scope
from walletdesk.identity.models import User

SHANGHAI = ZoneInfo("Asia/Shanghai")


def cst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


class Clock:
    """The moment the timeline (and so the SLA clocks) takes as now."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.now(UTC)
        monkeypatch.setattr(events, "utcnow", lambda: self.now)

    def at(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)


def open_case(db, customer: User, settings, category: str = "deposit_withdrawal"):
    return service.open_case(
        db,
        customer=db.get(User, customer.id),
        category=category,
        subject="充值 500 元未到账",
        description="发生了什么：银行卡已扣款，但钱包余额没变。",
        fields=REQUIRED[category],
        settings=settings,
        force=True,
    )


def case_opened_at(app, customer: User, clock: Clock, moment: datetime) -> int:
    """At `moment` (the timeline's clock set to it), `customer` opens a case: its id."""
    clock.at(moment)
    with session_scope(app.state.sessionmaker) as db:
        return open_case(db, customer, app.state.settings).id


def by_metric(db, case_id: int) -> dict[str, list]:
    found: dict[str, list] = {}
    for c in tracking.clocks_of(db, case_id=case_id):
        found.setdefault(c.metric, []).append(c)
    return found


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(SHANGHAI) if moment else None
