"""The admin as an admin uses it: drafts, preview and publishing of articles, announcements,
the official-channel registry and staff; and as others meet it: closed to them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import csrf_of, sign_in
from walletdesk.audit.models import AuditEntry
from walletdesk.audit.service import verify_chain
from walletdesk.db import session_scope
from walletdesk.helpcenter import service


@pytest.fixture
def kb(app) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return service.load_knowledge_base(db)


@pytest.fixture
def admin_client(client, people, kb):
    sign_in(client, people.admin)
    return client


@pytest.fixture
def public(app):
    """A second browser, signed out: what the public sees."""
    with TestClient(app, base_url="http://testserver") as browser:
        yield browser


def audit_actions(app) -> list[str]:
    with session_scope(app.state.sessionmaker) as db:
        assert verify_chain(db) is None
        return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_of(client), **data}, follow_redirects=False)


def test_agents_and_customers_are_refused_and_visitors_sent_to_sign_in(client, people, kb):
    assert client.get("/admin", follow_redirects=False).headers["location"].startswith("/login")
    sign_in(client, people.agent)
    for path in ("/admin", "/admin/articles", "/admin/staff", "/admin/official-channels"):
        assert client.get(path).status_code == 403, path
    refused = post(client, "/admin/staff", role="admin", email="evil@x.example", password="x" * 12)
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    sign_in(client, people.supervisor)
    assert client.get("/admin/articles/fees/zh/edit").status_code == 403


def test_dashboard_links_every_area(admin_client):
    page = admin_client.get("/admin?lang=en")
    assert page.status_code == 200
    for link in (
        "/admin/articles",
        "/admin/announcements",
        "/admin/official-channels",
        "/admin/staff",
    ):
        assert f'href="{link}"' in page.text


def test_draft_preview_publish_and_history(app, admin_client, public):
    listing = admin_client.get("/admin/articles?lang=en")
    assert "Published v1" in listing.text and 'href="/admin/articles/fees/en/edit"' in listing.text
    editor = admin_client.get("/admin/articles/fees/en/edit?lang=en")
    assert "Fees for deposits, withdrawals and transfers" in editor.text
    saved = post(
        admin_client,
        "/admin/articles/fees/en/edit",
        title="Fees, explained",
        summary="The new summary.",
        body="## New fees section\n\nEverything is **clearer** now.",
        category="fees-limits",
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin/articles/fees/en/preview?done=saved"
    preview = admin_client.get(saved.headers["location"])
    assert "<h2>New fees section</h2>" in preview.text
    assert "Publish this version" in preview.text
    # The public still sees the published version while the draft waits.
    seen = public.get("/api/v1/help/articles/fees?lang=en").json()
    assert seen["title"] == "Fees for deposits, withdrawals and transfers"
    assert "Fees, explained" not in public.get("/help/articles/fees?lang=en").text
    assert "Draft v2" in admin_client.get("/admin/articles?lang=en").text

    published = post(admin_client, "/admin/articles/fees/en/publish")
    assert published.status_code == 303
    seen = public.get("/api/v1/help/articles/fees?lang=en").json()
    assert seen["title"] == "Fees, explained"
    assert seen["body"].startswith("## New fees section")
    assert public.get("/api/v1/help/articles/fees?lang=zh").json()["title"] != "Fees, explained"
    history = admin_client.get("/admin/articles/fees/en/history?lang=en")
    assert "v2" in history.text and "v1" in history.text
    assert "superseded" in history.text or "Superseded" in history.text

    restored = post(admin_client, "/admin/articles/fees/en/versions/1/restore")
    assert restored.status_code == 303
    post(admin_client, "/admin/articles/fees/en/publish")
    seen = public.get("/api/v1/help/articles/fees?lang=en").json()
    assert seen["title"] == "Fees for deposits, withdrawals and transfers"
    actions = audit_actions(app)
    assert actions.count("article.published") == 2
    assert "article.draft_saved" in actions


def test_publishing_without_a_draft_is_refused(admin_client):
    response = post(admin_client, "/admin/articles/fees/zh/publish")
    assert response.status_code == 409


def test_invalid_draft_is_shown_again_with_the_message_and_input(admin_client):
    response = post(
        admin_client,
        "/admin/articles/fees/en/edit?lang=en",
        title="   ",
        summary="kept summary",
        body="kept body",
        category="fees-limits",
    )
    assert response.status_code == 422
    assert "Enter a title." in response.text
    assert "kept body" in response.text and "kept summary" in response.text


def test_script_in_an_article_body_is_sanitised(admin_client, public):
    body = (
        "Hello <script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[click](javascript:alert(2))\n\n"
        '<a href="javascript:alert(3)" onclick="alert(4)">there</a>\n\n'
        '<iframe src="https://evil.example"></iframe>'
    )
    post(
        admin_client,
        "/admin/articles/feedback/en/edit",
        title="Feedback",
        summary="",
        body=body,
        category="app-feedback",
    )
    preview = admin_client.get("/admin/articles/feedback/en/preview")
    post(admin_client, "/admin/articles/feedback/en/publish")
    page = public.get("/help/articles/feedback?lang=en")
    for html in (preview.text, page.text):
        article = html.split('class="article-body">', 1)[1].split("</article>", 1)[0]
        assert "<script" not in article
        assert "onerror" not in article and "onclick" not in article
        assert 'href="javascript' not in article
        assert "<iframe" not in article
        assert "Hello" in article


def test_new_article_becomes_public_once_published(admin_client, public):
    created = post(admin_client, "/admin/articles", slug="lost-card", category="payments-transfers")
    assert created.status_code == 303
    assert public.get("/api/v1/help/articles/lost-card?lang=zh").status_code == 404
    post(
        admin_client,
        "/admin/articles/lost-card/zh/edit",
        title="银行卡丢失怎么办",
        summary="挂失并解绑。",
        body="先挂失，再解绑。",
        category="payments-transfers",
    )
    post(admin_client, "/admin/articles/lost-card/zh/publish")
    zh = public.get("/api/v1/help/articles/lost-card?lang=zh").json()
    assert zh["title"] == "银行卡丢失怎么办"
    # Not yet written in English: the Chinese version is served and says so.
    en = public.get("/api/v1/help/articles/lost-card?lang=en").json()
    assert en["lang"] == "zh"
    bad = post(admin_client, "/admin/articles", slug="Lost Card!", category="payments-transfers")
    assert bad.status_code == 422
    taken = post(admin_client, "/admin/articles", slug="lost-card", category="payments-transfers")
    assert taken.status_code == 409


def test_announcement_created_published_and_unpublished(app, admin_client, public):
    created = post(
        admin_client,
        "/admin/announcements/new",
        kind="maintenance",
        title_zh="系统维护通知",
        title_en="Scheduled maintenance",
        body_zh="今晚 02:00–04:00 维护。",
        body_en="Maintenance tonight 02:00–04:00.",
        starts_at="2024-01-01T00:00",
        ends_at="",
        pinned="on",
    )
    assert created.status_code == 303
    edit_path = created.headers["location"].split("?")[0]
    number = edit_path.split("/")[3]
    assert "Scheduled maintenance" not in public.get("/help?lang=en").text  # not published
    post(admin_client, f"/admin/announcements/{number}/publish")
    assert "Scheduled maintenance" in public.get("/help?lang=en").text  # pinned on home
    assert "系统维护通知" in public.get("/help/announcements?lang=zh").text
    post(admin_client, f"/admin/announcements/{number}/unpublish")
    assert "Scheduled maintenance" not in public.get("/help/announcements?lang=en").text
    bad = post(
        admin_client,
        edit_path,
        kind="maintenance",
        title_zh="x",
        title_en="y",
        starts_at="2024-02-01T00:00",
        ends_at="2024-01-01T00:00",
    )
    assert bad.status_code == 422
    assert "The end must be after the start." in bad.text or "结束时间" in bad.text
    assert {"announcement.created", "announcement.published", "announcement.unpublished"} <= set(
        audit_actions(app)
    )


def test_channel_registry_changes_what_the_checker_answers(app, admin_client, public):
    def official(value: str) -> bool:
        return public.get("/api/v1/help/official-channels/check", params={"value": value}).json()[
            "official"
        ]

    assert not official("+86 10 8888 1234")
    added = post(
        admin_client,
        "/admin/official-channels",
        kind="phone",
        value="010-8888-1234",
        label_zh="北京服务中心",
        label_en="Beijing service centre",
        region="CN",
        notes_zh="",
        notes_en="",
    )
    assert added.status_code == 303
    assert official("+86 10 8888 1234")
    duplicate = post(
        admin_client,
        "/admin/official-channels",
        kind="phone",
        value="+86 10 8888 1234",
        label_zh="",
        label_en="",
        region="",
        notes_zh="",
        notes_en="",
    )
    assert duplicate.status_code == 409
    assert "Beijing service centre" in admin_client.get("/admin/official-channels?lang=en").text
    with session_scope(app.state.sessionmaker) as db:
        from walletdesk.helpcenter.models import OfficialChannel

        cid = db.scalar(select(OfficialChannel.id).where(OfficialChannel.value == "010-8888-1234"))
    removed = post(admin_client, f"/admin/official-channels/{cid}/remove")
    assert removed.status_code == 303
    assert not official("+86 10 8888 1234")
    invalid = post(
        admin_client,
        "/admin/official-channels",
        kind="email",
        value="not-an-email",
        label_zh="",
        label_en="",
        region="",
        notes_zh="",
        notes_en="",
    )
    assert invalid.status_code == 422
    assert {"channel.added", "channel.removed"} <= set(audit_actions(app))


def test_staff_created_signs_in_and_deactivated_cannot(app, admin_client, public, people):
    created = post(
        admin_client,
        "/admin/staff",
        role="agent",
        email="New.Agent@Test.example",
        display_name="New Agent",
        password="a fresh passphrase",
        lang="en",
    )
    assert created.status_code == 303
    page = admin_client.get("/admin/staff?lang=en")
    assert "new.agent@test.example" in page.text
    taken = post(
        admin_client,
        "/admin/staff",
        role="agent",
        email="new.agent@test.example",
        display_name="Again",
        password="another passphrase",
        lang="zh",
    )
    assert taken.status_code == 409
    weak = post(
        admin_client,
        "/admin/staff",
        role="agent",
        email="weak@test.example",
        display_name="Weak",
        password="123",
        lang="zh",
    )
    assert weak.status_code == 422
    bad_role = post(
        admin_client,
        "/admin/staff",
        role="customer",
        email="c@test.example",
        display_name="C",
        password="a fresh passphrase",
        lang="zh",
    )
    assert bad_role.status_code == 422

    token = public.post(
        "/api/v1/auth/token",
        json={"login": "new.agent@test.example", "password": "a fresh passphrase"},
    )
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert public.get("/api/v1/auth/me", headers=headers).json()["role"] == "agent"

    with session_scope(app.state.sessionmaker) as db:
        from walletdesk.identity.service import find_by_login

        new_id = find_by_login(db, "new.agent@test.example").id
    assert post(admin_client, f"/admin/staff/{new_id}/deactivate").status_code == 303
    assert public.get("/api/v1/auth/me", headers=headers).status_code == 401
    again = public.post(
        "/api/v1/auth/token",
        json={"login": "new.agent@test.example", "password": "a fresh passphrase"},
    )
    assert again.status_code == 401
    assert post(admin_client, f"/admin/staff/{people.admin.id}/deactivate").status_code == 409
    assert post(admin_client, f"/admin/staff/{people.customer.id}/deactivate").status_code == 404
    assert {"staff.created", "staff.deactivated"} <= set(audit_actions(app))


def test_forms_without_csrf_token_are_refused(admin_client):
    response = admin_client.post("/admin/articles/fees/en/publish", data={})
    assert response.status_code == 403


def test_reloading_the_knowledge_base_keeps_admins_edits(app, admin_client, public):
    post(
        admin_client,
        "/admin/articles/service-hours/zh/edit",
        title="客服时间（管理员修改）",
        summary="",
        body="每天 09:00–21:00。",
        category="contact-us",
    )
    post(admin_client, "/admin/articles/service-hours/zh/publish")
    with session_scope(app.state.sessionmaker) as db:
        assert service.load_knowledge_base(db) == 0
    seen = public.get("/api/v1/help/articles/service-hours?lang=zh").json()
    assert seen["title"] == "客服时间（管理员修改）"


def test_the_channel_list_names_regions_in_words(admin_client):
    page = admin_client.get("/admin/official-channels?lang=en").text
    assert "<td>Mainland China</td>" in page and "<td>From abroad</td>" in page
    assert "<td>CN</td>" not in page and "<td>INTL</td>" not in page
