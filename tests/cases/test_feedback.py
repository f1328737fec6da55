"""Feedback and suggestions: sent with tags from a list, answered by staff (the customer reads
the answer), tags corrected by staff, and counted by tag over a period."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from tests.conftest import bearer, csrf_of, sign_in
from walletdesk.audit.models import AuditEntry
from walletdesk.cases import feedback
from walletdesk.cases import service as cases
from walletdesk.cases.models import Case
from walletdesk.db import session_scope
from walletdesk.errors import Forbidden, ValidationFailed
from walletdesk.identity.models import User


def _send(app, who: User, tags=("app",), body="希望可以把常用收款人设为收藏。") -> int:
    with session_scope(app.state.sessionmaker) as db:
        case = feedback.send_feedback(
            db, customer=db.get(User, who.id), subject="", body=body, tags=tags
        )
        return case.id


def _case(db, case_id: int) -> Case:
    case = db.get(Case, case_id)
    assert case is not None
    return case


def test_feedback_is_tagged_answered_and_retagged(app, people):
    case_id = _send(app, people.customer, tags=("feature-request", "app"))
    with session_scope(app.state.sessionmaker) as db:
        case = _case(db, case_id)
        assert (case.type, case.status, case.category) == ("feedback", "received", "feedback")
        assert feedback.tags_of(db, case=case) == ["app", "feature-request"]
        assert case.subject == "希望可以把常用收款人设为收藏。"
    with session_scope(app.state.sessionmaker) as db:
        feedback.answer(
            db,
            settings=app.state.settings,
            case=_case(db, case_id),
            staff=db.get(User, people.agent.id),
            body="谢谢建议，我们已转给产品团队。",
        )
        feedback.set_tags(
            db, case=_case(db, case_id), staff=db.get(User, people.agent.id), tags=["support"]
        )
    with session_scope(app.state.sessionmaker) as db:
        case = _case(db, case_id)
        assert case.status == "answered"
        assert feedback.tags_of(db, case=case) == ["support"]
        customer = db.get(User, people.customer.id)
        bodies = [m.body for m in cases.conversation(db, case=case, user=customer)]
        assert "谢谢建议，我们已转给产品团队。" in bodies
        audited = set(db.scalars(select(AuditEntry.action)))
        assert {"case.reply", "case.action", "case.status"} <= audited
        with pytest.raises(Forbidden):
            feedback.set_tags(db, case=case, staff=customer, tags=["app"])


def test_tags_come_from_the_list(app, people):
    for tags in ((), ("lottery",)):
        with pytest.raises(ValidationFailed):
            _send(app, people.customer, tags=tags)


def test_counts_by_tag_over_a_period(app, people):
    first = _send(app, people.customer, tags=("fees", "speed"))
    _send(app, people.other_customer, tags=("fees",))
    old = _send(app, people.customer, tags=("app",))
    with session_scope(app.state.sessionmaker) as db:
        long_ago = datetime.now(ZoneInfo("UTC")) - timedelta(days=40)
        db.execute(update(Case).where(Case.id == old).values(created_at=long_ago))
    tz = app.state.settings.timezone
    today = datetime.now(ZoneInfo(tz)).date()
    with session_scope(app.state.sessionmaker) as db:
        counts = feedback.count_by_tag(db, since=today - timedelta(days=7), until=today, tz=tz)
        shown = {c.tag: c.count for c in counts}
        assert shown["fees"] == 2 and shown["speed"] == 1 and shown["app"] == 0
        assert counts[0].tag == "fees"
        everything = feedback.count_by_tag(db, since=today - timedelta(days=60), until=today, tz=tz)
        assert {c.tag: c.count for c in everything}["app"] == 1
        with pytest.raises(ValidationFailed):
            feedback.count_by_tag(db, since=today, until=today - timedelta(days=1), tz=tz)
    assert first


# --- through the pages ---------------------------------------------------------------------------


def _post(client, url: str, data: dict):
    return client.post(url, data={"csrf_token": csrf_of(client), **data}, follow_redirects=False)


def test_feedback_through_the_portal_and_the_console(app, client, people):
    sign_in(client, people.customer)
    assert client.get("/portal/feedback/new?lang=en").status_code == 200
    refused = _post(client, "/portal/feedback/new?lang=en", {"body": "more colours"})
    assert refused.status_code == 422 and "Choose at least one topic." in refused.text
    sent = _post(
        client, "/portal/feedback/new", {"body": "深色模式", "tags": ["app", "feature-request"]}
    )
    assert sent.status_code == 303
    case_id = int(sent.headers["location"].rsplit("/", 1)[1])
    assert client.get(f"/console/feedback/{case_id}").status_code == 403
    agent = client.__class__(app, base_url="http://testserver")
    with agent:
        sign_in(agent, people.agent)
        page = agent.get(f"/console/feedback/{case_id}?lang=en")
        assert page.status_code == 200 and "深色模式" in page.text
        assert (
            _post(agent, f"/console/feedback/{case_id}/tags", {"tags": ["app"]}).status_code == 303
        )
        answered = _post(agent, f"/console/feedback/{case_id}/answer", {"body": "已在计划中"})
        assert answered.status_code == 303
        report = agent.get("/console/feedback/report?lang=zh")
        assert report.status_code == 200 and "应用" in report.text
        assert 'data-tag="app"><td>应用</td><td>1</td>' in report.text
        assert agent.get("/console/feedback/report?since=yesterday").status_code == 422
    mine = client.get(f"/portal/cases/{case_id}")
    assert mine.status_code == 200 and "已在计划中" in mine.text


def test_the_api_sends_feedback_and_counts_it_by_topic(app, client, people):
    topics = client.get("/api/v1/cases/feedback/topics?lang=zh").json()
    assert {"key": "fees", "label": "手续费"} in topics
    headers = bearer(client, people.customer)
    sent = client.post(
        "/api/v1/cases/feedback", json={"body": "到账太慢", "tags": ["speed"]}, headers=headers
    )
    assert sent.status_code == 201, sent.text
    assert (sent.json()["status"], sent.json()["tags"]) == ("received", ["speed"])
    refused = client.post(
        "/api/v1/cases/feedback", json={"body": "x", "tags": ["lottery"]}, headers=headers
    )
    assert refused.status_code == 422
    assert client.get("/api/v1/cases/feedback/counts", headers=headers).status_code == 403
    counts = client.get("/api/v1/cases/feedback/counts", headers=bearer(client, people.agent))
    assert {c["tag"]: c["count"] for c in counts.json()}["speed"] == 1
