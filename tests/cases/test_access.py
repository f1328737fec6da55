"""Who sees which case: a customer only their own, by page, API or file link alike, and a
case that is not theirs looks exactly like one that does not exist."""

from __future__ import annotations

from tests.cases.conftest import csrf_header, make_case
from tests.conftest import bearer, csrf_of, sign_in
from tests.images import png_bytes


def _main(html: str) -> str:
    return html.split('<main id="main">', 1)[1].split("</main>", 1)[0]


def test_another_customers_case_is_not_found_anywhere(app, client, other_client, people):
    case_id = make_case(app, people.customer, subject="我的私人工单")
    sign_in(client, people.customer)
    uploaded = client.post(
        f"/api/v1/cases/{case_id}/attachments",
        files=[("files", ("id-card.png", png_bytes(), "image/png"))],
        headers=csrf_header(client),
    ).json()
    file_id = uploaded[0]["id"]

    missing = other_client.get("/portal/cases/999999?lang=en")
    theirs = other_client.get(f"/portal/cases/{case_id}?lang=en")
    assert missing.status_code == theirs.status_code == 404
    assert "我的私人工单" not in theirs.text
    assert _main(theirs.text) == _main(missing.text)

    headers = csrf_header(other_client)
    for path in (
        f"/api/v1/cases/{case_id}",
        f"/api/v1/cases/{case_id}/messages",
        f"/api/v1/cases/{case_id}/attachments",
        f"/api/v1/cases/{case_id}/attachments/{file_id}",
        f"/cases/{case_id}/attachments/{file_id}",
    ):
        assert other_client.get(path).status_code == 404, path
    api_missing = other_client.get("/api/v1/cases/999999").json()
    assert other_client.get(f"/api/v1/cases/{case_id}").json() == api_missing
    reply = other_client.post(
        f"/portal/cases/{case_id}/reply",
        data={"csrf_token": csrf_of(other_client), "body": "let me in"},
    )
    assert reply.status_code == 404
    api_reply = other_client.post(
        f"/api/v1/cases/{case_id}/messages", json={"body": "let me in"}, headers=headers
    )
    assert api_reply.status_code == 404
    upload = other_client.post(
        f"/api/v1/cases/{case_id}/attachments",
        files=[("files", ("x.png", png_bytes(), "image/png"))],
        headers=headers,
    )
    assert upload.status_code == 404
    assert other_client.get("/api/v1/cases").json()["total"] == 0
    assert "我的私人工单" not in other_client.get("/portal").text
    assert client.get(f"/api/v1/cases/{case_id}/messages").json() == []  # nothing got in


def test_customers_list_their_own_cases_and_staff_all(app, client, people):
    mine = make_case(app, people.customer)
    theirs = make_case(app, people.other_customer, "feedback")
    as_customer = bearer(client, people.customer)
    as_agent = bearer(client, people.agent)
    listed = client.get("/api/v1/cases", headers=as_customer).json()
    assert [c["id"] for c in listed["items"]] == [mine]
    assert {c["id"] for c in client.get("/api/v1/cases", headers=as_agent).json()["items"]} == {
        mine,
        theirs,
    }
    assert client.get("/api/v1/cases").status_code == 401


def test_staff_and_strangers_land_where_they_belong(app, client, people):
    case_id = make_case(app, people.customer)
    anonymous = client.get(f"/portal/cases/{case_id}", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    sign_in(client, people.supervisor)
    to_console = client.get(f"/portal/cases/{case_id}", follow_redirects=False)
    assert to_console.headers["location"] == f"/console/cases/{case_id}"
    assert client.get("/portal", follow_redirects=False).headers["location"] == "/console"
    assert client.get("/portal/cases/new").status_code == 403  # staff do not open cases here
    assert client.get("/console/cases/999999").status_code == 404


def test_the_case_api_is_documented(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/categories",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/messages",
        "/api/v1/cases/{case_id}/events",
        "/api/v1/cases/{case_id}/attachments",
        "/api/v1/cases/{case_id}/attachments/{attachment_id}",
    ):
        assert path in paths, path
    assert not any(p.startswith(("/portal", "/console", "/cases/")) for p in paths)


def test_a_locked_customer_still_reaches_support_but_not_money(app, client, people):
    from sqlalchemy import select

    from tests.cases.conftest import case_id_of, submit_case
    from walletdesk.cases.models import Case

    earlier = make_case(app, people.customer, subject="之前的工单")
    sign_in(client, people.customer)
    client.post(
        "/security/lock",
        data={"reason": "", "confirm": "1", "csrf_token": csrf_of(client)},
    )
    sign_in(client, people.customer)  # the right password on a locked account
    home = client.get("/portal?lang=en")
    assert home.status_code == 200
    assert "之前的工单" in home.text and "Your account is locked" in home.text
    assert client.get(f"/portal/cases/{earlier}").status_code == 200
    assert client.get("/portal/cases/new").status_code == 200
    opened = case_id_of(submit_case(client, transaction_id="DP20240601999999"))
    reply = client.post(
        f"/portal/cases/{opened}/reply",
        data={"csrf_token": csrf_of(client), "body": "I locked it, please help"},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    assert client.get("/help").status_code == 200
    for path in ("/wallet", "/wallet/transfer", "/wallet/withdraw", "/security"):
        refused = client.get(f"{path}?lang=en")
        assert refused.status_code == 403, path
        assert "Your account is locked" in refused.text and "/account/unlock" in refused.text
    with app.state.sessionmaker() as db:
        mine = db.scalars(select(Case.id).where(Case.customer_id == people.customer.id)).all()
    assert set(mine) == {earlier, opened}
