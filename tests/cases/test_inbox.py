"""The agent inbox: filters, search by subject, description, case number and phone, pages,
newest update first, and a fixed number of queries however many cases are listed."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.cases.conftest import make_case
from tests.conftest import bearer, csrf_of, sign_in


def _numbers(client, headers, **params) -> list[str]:
    response = client.get("/api/v1/cases", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["number"] for item in response.json()["items"]]


def _n(case_id: int) -> str:
    return f"WD-{case_id:06d}"


def test_inbox_filters(app, client, people):
    deposit = make_case(app, people.customer)
    security = make_case(app, people.customer, "security", subject="有人登录了我的账户")
    technical = make_case(app, people.other_customer, "technical", subject="App 闪退")
    agent = bearer(client, people.agent)
    client.patch(f"/api/v1/cases/{technical}", json={"status": "resolved"}, headers=agent)
    client.patch(f"/api/v1/cases/{deposit}", json={"assignee_id": people.agent.id}, headers=agent)

    assert set(_numbers(client, agent)) == {_n(deposit), _n(security), _n(technical)}
    assert set(_numbers(client, agent, status="active")) == {_n(deposit), _n(security)}
    assert _numbers(client, agent, status="resolved") == [_n(technical)]
    assert _numbers(client, agent, category="security") == [_n(security)]
    assert _numbers(client, agent, priority="high") == [_n(security)]  # security starts high
    assert _numbers(client, agent, assignee="me") == [_n(deposit)]
    assert set(_numbers(client, agent, assignee="unassigned")) == {_n(security), _n(technical)}
    assert _numbers(client, bearer(client, people.supervisor), assignee="me") == []

    sign_in(client, people.agent)
    page = client.get("/console?lang=en&assignee=unassigned&status=all").text
    assert "有人登录了我的账户" in page and "App 闪退" in page
    assert "充值 500 元未到账" not in page
    assert "+86139****9000" in page  # customers' phones are masked
    assert "13900139000" not in page
    default = client.get("/console?lang=en").text  # active cases by default
    assert "App 闪退" not in default and "有人登录了我的账户" in default


def test_inbox_search(app, client, people):
    first = make_case(app, people.customer, subject="Withdrawal stuck for three days")
    second = make_case(app, people.customer, description="银行卡尾号 6789 的提现一直处理中")
    third = make_case(app, people.other_customer, "technical", subject="Login loop 100%_")
    agent = bearer(client, people.agent)
    assert _numbers(client, agent, q="withdrawal STUCK") == [_n(first)]
    assert _numbers(client, agent, q="尾号 6789") == [_n(second)]
    assert _numbers(client, agent, q=_n(second)) == [_n(second)]
    assert _numbers(client, agent, q=f"wd{second}") == [_n(second)]
    assert _numbers(client, agent, q="139 0013 9000") == [_n(third)]
    assert set(_numbers(client, agent, q="+86 138-0013")) == {_n(first), _n(second)}
    assert _numbers(client, agent, q="100%_") == [_n(third)]  # wildcards are plain text
    assert _numbers(client, agent, q="0%z") == []
    sign_in(client, people.agent)
    page = client.get("/console", params={"q": "139 0013 9000", "status": "all"}).text
    assert "Login loop 100%_" in page and "Withdrawal stuck" not in page


def test_inbox_pages_newest_update_first(app, client, people):
    ids = [make_case(app, people.customer, subject=f"Case {i:02d}") for i in range(23)]
    agent = bearer(client, people.agent)
    sign_in(client, people.agent)
    client.post(
        f"/console/cases/{ids[0]}/reply",
        data={"csrf_token": csrf_of(client), "body": "Looking into it."},
    )
    first_page = client.get("/api/v1/cases", headers=agent).json()
    assert (first_page["total"], first_page["pages"]) == (23, 2)
    numbers = [i["number"] for i in first_page["items"]]
    assert numbers[:3] == [_n(ids[0]), _n(ids[22]), _n(ids[21])]
    assert len(numbers) == 20
    second_page = _numbers(client, agent, page=2)
    assert second_page == [_n(ids[3]), _n(ids[2]), _n(ids[1])]
    assert _numbers(client, agent, page=2) == _numbers(client, agent, page=10**12)
    html = client.get("/console?lang=en&page=2").text
    assert "Page 2 of 2" in html and "Case 01" in html and "Case 22" not in html
    assert 'href="/console?page=1&amp;status=active&amp;assignee=anyone"' in html


@contextmanager
def _counting(engine):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_inbox_does_not_query_per_case(app, client, people):
    agent = bearer(client, people.agent)
    sign_in(client, people.agent)

    def add(count: int) -> None:
        for i in range(count):
            customer = people.customer if i % 2 else people.other_customer
            case_id = make_case(app, customer)
            client.patch(
                f"/api/v1/cases/{case_id}", json={"assignee_id": people.agent.id}, headers=agent
            )

    add(2)
    with _counting(app.state.engine) as few:
        assert client.get("/console").status_code == 200
    add(10)
    with _counting(app.state.engine) as many:
        assert client.get("/console").text.count("/console/cases/") >= 24
    assert len(many) == len(few)
    with _counting(app.state.engine) as api:
        assert len(client.get("/api/v1/cases", headers=agent).json()["items"]) == 12
    assert len(api) <= len(few)
