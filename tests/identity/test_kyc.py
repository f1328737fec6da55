"""Real-name verification: customers submit name, ID number and photos; staff review and
approve or reject with a reason (audited); the level the wallet reads follows."""

from __future__ import annotations

import stat

from sqlalchemy import select

from tests.conftest import bearer, csrf_of, sign_in
from tests.identity.support import VALID_ID_CARD
from tests.images import png_bytes
from walletdesk.audit.models import AuditEntry
from walletdesk.identity import service
from walletdesk.identity.kyc import valid_id_number

EN = {"Accept-Language": "en"}


def submit_basic(client, *, front: bytes | None = None, id_number: str = VALID_ID_CARD):
    return client.post(
        "/security/kyc?lang=en",
        data={
            "level": "basic",
            "real_name": "张三",
            "id_type": "id_card",
            "id_number": id_number,
            "csrf_token": csrf_of(client),
        },
        files={
            "id_front": (
                "front.png",
                front if front is not None else png_bytes(color="red"),
                "image/png",
            ),
            "id_back": ("back.png", png_bytes(color="blue"), "image/png"),
        },
        follow_redirects=False,
    )


def test_id_card_check_character():
    assert valid_id_number("id_card", VALID_ID_CARD)
    assert not valid_id_number("id_card", VALID_ID_CARD[:-1] + "1")
    assert valid_id_number("passport", "E12345678")


def test_customer_submits_and_an_agent_approves(client, app, people, settings):
    sign_in(client, people.customer)
    sent = submit_basic(client)
    assert sent.headers["location"] == "/security/kyc?sent=1"
    page = client.get("/security/kyc?lang=en").text
    assert "Waiting for review" in page
    assert "110105********002X" in page and VALID_ID_CARD not in page
    stored = list((settings.uploads_dir / "kyc").iterdir())
    assert len(stored) == 2
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in stored)

    client.cookies.clear()
    sign_in(client, people.agent)
    listing = client.get("/console/kyc").text
    submission_id = int(listing.split('href="/console/kyc/')[1].split('"')[0])
    detail = client.get(f"/console/kyc/{submission_id}?lang=en").text
    assert "110105********002X" in detail
    image_path = detail.split('<img src="')[1].split('"')[0]
    image = client.get(image_path)
    assert image.headers["content-type"] == "image/png"
    assert "no-store" in image.headers["cache-control"]
    decided = client.post(
        f"/console/kyc/{submission_id}/decision",
        data={"decision": "approve", "reason": "", "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert decided.headers["location"] == "/console/kyc"
    with app.state.sessionmaker() as db:
        assert service.kyc_level(db, user_id=people.customer.id) == "basic"
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "kyc.approve"))
        assert entry is not None and entry.actor_id == people.agent.id
    client.cookies.clear()
    headers = bearer(client, people.customer)
    alerts = client.get("/api/v1/me/security/alerts?lang=en", headers=headers).json()
    approved = next(a for a in alerts if a["kind"] == "kyc_approved")
    assert approved["text"] == "Your real-name verification was approved: Basic (ID document)."


def test_rejection_needs_a_reason_the_customer_then_sees(client, app, people):
    headers = bearer(client, people.customer)
    created = client.post(
        "/api/v1/me/security/kyc",
        data={
            "level": "basic",
            "real_name": "张三",
            "id_type": "id_card",
            "id_number": VALID_ID_CARD,
        },
        files={
            "id_front": ("a.png", png_bytes(color="red"), "image/png"),
            "id_back": ("b.png", png_bytes(color="blue"), "image/png"),
        },
        headers=headers,
    )
    assert created.status_code == 201
    assert created.json()["id_number"] == "110105********002X"
    staff = bearer(client, people.supervisor)
    queue = client.get("/api/v1/kyc/submissions", headers=staff).json()
    assert [s["id"] for s in queue] == [created.json()["id"]]
    url = f"/api/v1/kyc/submissions/{created.json()['id']}/decision"
    no_reason = client.post(url, json={"approve": False}, headers=staff | EN)
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["field"] == "reason"
    rejected = client.post(
        url, json={"approve": False, "reason": "The photo of the back is blurred."}, headers=staff
    )
    assert rejected.json()["status"] == "rejected"
    mine = client.get("/api/v1/me/security/kyc", headers=headers).json()
    assert mine["level"] == "unverified"
    assert mine["submissions"][0]["reason"] == "The photo of the back is blurred."
    twice = client.post(url, json={"approve": True}, headers=staff)
    assert twice.status_code == 409
    with app.state.sessionmaker() as db:
        assert db.scalar(select(AuditEntry).where(AuditEntry.action == "kyc.reject")) is not None


def test_customers_cannot_review(client, people):
    headers = bearer(client, people.other_customer)
    assert client.get("/api/v1/kyc/submissions", headers=headers).status_code == 403
    decision = client.post(
        "/api/v1/kyc/submissions/1/decision", json={"approve": True}, headers=headers
    )
    assert decision.status_code == 403
    assert client.get("/console/kyc", follow_redirects=False).status_code == 303  # to sign-in
    sign_in(client, people.customer)
    assert client.get("/console/kyc").status_code == 403
    assert client.get("/console/kyc/1").status_code == 403


def test_files_that_are_not_real_photos_are_refused(client, app, people, settings):
    sign_in(client, people.customer)
    text_file = submit_basic(client, front=b"just some text, named like a picture")
    assert text_file.status_code == 422
    assert 'data-field="id_front"' in text_file.text
    assert "Upload a photo in JPEG, PNG or WebP format." in text_file.text
    broken = submit_basic(client, front=png_bytes()[:60])
    assert broken.status_code == 422
    assert "This photo is damaged or not a real picture." in broken.text
    bad_number = submit_basic(client, id_number=VALID_ID_CARD[:-1] + "1")
    assert 'data-field="id_number"' in bad_number.text
    folder = settings.uploads_dir / "kyc"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_advanced_needs_basic_first_and_one_pending_at_a_time(client, people):
    headers = bearer(client, people.customer)
    selfie = {"selfie": ("me.png", png_bytes(color="green"), "image/png")}
    early = client.post(
        "/api/v1/me/security/kyc?lang=en", data={"level": "advanced"}, files=selfie, headers=headers
    )
    assert early.status_code == 422
    assert early.json()["error"]["message"] == "Complete basic verification first."
    sign_in(client, people.customer)
    assert submit_basic(client).status_code == 303
    again = submit_basic(client)
    assert again.status_code == 409
    assert "still being reviewed" in again.text
