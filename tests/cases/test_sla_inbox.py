"""The console inbox shows the SLA time left on every row, sorts by it (due soonest first,
cases without a running clock last) and filters breached cases and those due within the hour."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests.cases.conftest import make_case
from tests.conftest import bearer, sign_in
from walletdesk.cases import service
from walletdesk.cases.models import Case
from walletdesk.cases.sla.models import SlaClock
from walletdesk.cases.sla.timeleft import duration
from walletdesk.cases.sla.tracking import refresh_due
from walletdesk.db import session_scope
from walletdesk.identity.models import User


def _due_in(app, case_id: int, left: timedelta, *, warned: bool = False) -> None:
    """Every open clock of the case due `left` from now (negative: overdue)."""
    now = datetime.now(UTC)
    with session_scope(app.state.sessionmaker) as db:
        db.execute(
            update(SlaClock)
            .where(SlaClock.case_id == case_id)
            .values(due_at=now + left, warning_at=now + (-timedelta(hours=1) if warned else left))
        )
        refresh_due(db, case=db.get(Case, case_id))


def _rows(page: str) -> list[tuple[str, str]]:
    """(case number, time-left text) of each inbox row, in order."""
    found = re.findall(
        r'<a href="/console/cases/\d+">(WD-\d+)</a>.*?<td class="nowrap sla-cell">(.*?)</td>',
        page,
        re.S,
    )
    return [(number, re.sub(r"<[^>]+>", "", cell).strip()) for number, cell in found]


def test_the_inbox_shows_sorts_and_filters_by_time_left(app, client, people):
    late = make_case(app, people.customer, subject="Late")
    later = make_case(app, people.customer, subject="Plenty of time")
    soon = make_case(app, people.other_customer, "technical", subject="Due soon")
    waiting = make_case(app, people.customer, subject="Waiting")
    _due_in(app, late, -timedelta(minutes=40, seconds=30))
    _due_in(app, later, timedelta(hours=2, minutes=15, seconds=50))
    _due_in(app, soon, timedelta(minutes=30, seconds=50))
    with session_scope(app.state.sessionmaker) as db:
        case = db.get(service.Case, waiting)
        agent = db.get(User, people.agent.id)
        service.change_status(db, case=case, actor=agent, status="pending_customer")

    sign_in(client, people.agent)
    page = client.get("/console?lang=en&sort=due").text
    assert _rows(page) == [
        (f"WD-{late:06d}", "overdue 40m"),
        (f"WD-{soon:06d}", "30m left"),
        (f"WD-{later:06d}", "2h 15m left"),
        (f"WD-{waiting:06d}", "paused: waiting for the customer"),
    ]
    assert 'class="sla sla-red" data-sla="overdue">overdue 40m' in page
    assert 'class="sla sla-amber" data-sla="warning">30m left' in page
    assert "1 case is past its SLA time" in page

    newest_first = [number for number, _ in _rows(client.get("/console?lang=en").text)]
    assert newest_first[0] == f"WD-{waiting:06d}"  # the default order is unchanged

    breached = _rows(client.get("/console?lang=en&due=breached").text)
    assert breached == [(f"WD-{late:06d}", "overdue 40m")]
    assert _rows(client.get("/console?lang=en&due=soon").text) == [(f"WD-{soon:06d}", "30m left")]

    zh = _rows(client.get("/console?lang=zh&sort=due").text)
    assert zh[0][1] == "已超时 40分钟" and zh[2][1] == "剩余 2小时15分"

    # A pending warning turns a row amber before the last hour.
    _due_in(app, later, timedelta(hours=2, minutes=15, seconds=50), warned=True)
    assert 'data-sla="warning">2h 15m left' in client.get("/console?lang=en&sort=due").text


def test_durations_read_in_days_hours_and_minutes():
    assert duration(timedelta(days=2, hours=3, minutes=5)) == "2d 3h"
    assert duration(timedelta(hours=2, minutes=15)) == "2h 15m"
    assert duration(timedelta(hours=2)) == "2h"
    assert duration(timedelta(seconds=59)) == "0m"


def test_the_api_sorts_and_filters_by_time_left(app, client, people):
    first = make_case(app, people.customer, subject="First")
    second = make_case(app, people.customer, subject="Second")
    _due_in(app, first, timedelta(hours=3))
    _due_in(app, second, -timedelta(minutes=5))
    agent = bearer(client, people.agent)
    found = client.get("/api/v1/cases", params={"sort": "due"}, headers=agent).json()
    assert [item["id"] for item in found["items"]] == [second, first]
    found = client.get("/api/v1/cases", params={"due": "breached"}, headers=agent).json()
    assert [item["id"] for item in found["items"]] == [second]
    assert client.get("/api/v1/cases", params={"due": "x"}, headers=agent).status_code == 422


def _clock_rows(page: str) -> dict[str, str]:
    """Target -> time-left text of the case page's SLA clocks."""
    section = page[page.index('id="sla-clocks"') :]
    section = section[: section.index("</section>")]
    rows = re.findall(r'<tr data-sla-clock="([^"]+)">(.*?)</tr>', section, re.S)
    return {
        metric: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells.split("</td>")[2])).strip()
        for metric, cells in rows
    }


def test_the_case_page_shows_each_clock_with_its_time_left_and_when_it_was_met(app, client, people):
    case_id = make_case(app, people.customer, subject="Clocks")
    _due_in(app, case_id, timedelta(hours=3, minutes=5, seconds=30))
    sign_in(client, people.agent)
    before = _clock_rows(client.get(f"/console/cases/{case_id}?lang=en").text)
    assert before["First response"] == "3h 5m left"
    assert "Resolution" in before

    with session_scope(app.state.sessionmaker) as db:
        service.post_reply(
            db,
            case=db.get(Case, case_id),
            author=db.get(User, people.agent.id),
            body="On it",
            settings=app.state.settings,
        )
    after = _clock_rows(client.get(f"/console/cases/{case_id}?lang=en").text)
    assert after["First response"].startswith("met ")
    assert after["Resolution"] == before["Resolution"]
    zh = client.get(f"/console/cases/{case_id}?lang=zh").text
    assert "服务时限" in zh and "首次回复" in zh
