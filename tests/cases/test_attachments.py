"""Screenshots and PDFs on cases: checked by content, kept outside the web root under random
names, and served only to the case's customer and to staff."""

from __future__ import annotations

from pathlib import Path

from tests.cases.conftest import (
    EXE,
    PDF,
    case_id_of,
    csrf_header,
    make_case,
    submit_case,
)
from tests.conftest import csrf_of, sign_in
from tests.images import png_bytes
from walletdesk.cases.attachments import safe_file_name


def _stored_files(app) -> list[Path]:
    folder = app.state.settings.uploads_dir / "cases"
    return sorted(folder.iterdir()) if folder.exists() else []


def _links(html: str, case_id: int) -> list[str]:
    marker = f'href="/cases/{case_id}/attachments/'
    return [
        f"/cases/{case_id}/attachments/" + part.split('"', 1)[0] for part in html.split(marker)[1:]
    ]


def test_a_screenshot_is_kept_and_shown_to_owner_and_staff_only(app, client, other_client, people):
    sign_in(client, people.customer)
    image = png_bytes()
    files = [
        ("attachments", ("转账截图.png", image, "image/png")),
        ("attachments", ("bank-statement.pdf", PDF, "application/pdf")),
    ]
    case_id = case_id_of(submit_case(client, files=files))
    page = client.get(f"/portal/cases/{case_id}")
    assert "转账截图.png" in page.text and "bank-statement.pdf" in page.text
    png_url, pdf_url = _links(page.text, case_id)

    download = client.get(png_url)
    assert download.status_code == 200
    assert download.content == image
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("inline;")
    assert "filename*=utf-8''%E8%BD%AC" in download.headers["content-disposition"]
    pdf = client.get(pdf_url)
    assert pdf.headers["content-disposition"].startswith("attachment;")

    # Stored outside the web root, under a random name that says nothing about the file.
    stored = _stored_files(app)
    assert len(stored) == 2
    assert all("转账" not in p.name and not p.name.endswith(".png") for p in stored)
    assert client.get(f"/static/../{stored[0].name}").status_code == 404

    assert other_client.get(png_url).status_code == 404
    assert other_client.get(f"/api/v1{png_url}").status_code == 404
    sign_in(client, people.agent)
    assert client.get(png_url).content == image


def test_a_disguised_program_is_refused_and_nothing_is_kept(app, client, people):
    sign_in(client, people.customer)
    files = [
        ("attachments", ("ok.png", png_bytes(), "image/png")),
        ("attachments", ("holiday.png", EXE, "image/png")),
    ]
    response = submit_case(client, files=files)
    assert response.status_code == 422
    assert "holiday.png is not a file type we accept" in response.text
    assert 'value="充值 500 元未到账"' in response.text  # the rest of the form is kept
    assert _stored_files(app) == []
    assert "You have no cases yet." in client.get("/portal?lang=en").text


def test_a_file_over_the_limit_is_refused(app, client, people):
    sign_in(client, people.customer)
    limit = app.state.settings.upload_max_bytes
    big = png_bytes() + b"\0" * limit
    response = submit_case(client, files=[("attachments", ("big.png", big, "image/png"))])
    assert response.status_code == 413
    assert "big.png is larger than 5.0 MB." in response.text
    assert _stored_files(app) == []


def test_an_image_that_does_not_decode_is_refused(client, people):
    sign_in(client, people.customer)
    broken = png_bytes(64, 64)[:60]  # a real PNG header, then nothing
    response = submit_case(client, files=[("attachments", ("shot.png", broken, "image/png"))])
    assert response.status_code == 422
    assert "shot.png could not be read as an image." in response.text


def test_file_names_are_cleaned_and_follow_the_content(client, people):
    sign_in(client, people.customer)
    case_id = case_id_of(submit_case(client))
    headers = csrf_header(client)
    response = client.post(
        f"/api/v1/cases/{case_id}/attachments",
        headers=headers,
        files=[
            ("files", ("../../etc/evil.exe", png_bytes(), "application/octet-stream")),
            ("files", ("a<b>:c|?.PNG", png_bytes(), "image/png")),
        ],
    )
    assert response.status_code == 201, response.text
    names = [a["file_name"] for a in response.json()]
    assert names == ["evil.png", "abc.PNG"]
    listed = client.get(f"/api/v1/cases/{case_id}/attachments", headers=headers).json()
    assert [a["file_name"] for a in listed] == names
    assert safe_file_name("\x00\x1f..") == "attachment"


def test_replies_carry_several_files_and_note_files_stay_internal(app, client, people):
    case_id = make_case(app, people.customer)
    sign_in(client, people.customer)
    reply = client.post(
        f"/portal/cases/{case_id}/reply",
        data={"csrf_token": csrf_of(client), "body": "两张截图见附件"},
        files=[
            ("attachments", ("one.png", png_bytes(color=(1, 2, 3)), "image/png")),
            ("attachments", ("two.png", png_bytes(color=(4, 5, 6)), "image/png")),
        ],
        follow_redirects=False,
    )
    assert reply.status_code == 303
    sign_in(client, people.agent)
    client.post(
        f"/console/cases/{case_id}/note",
        data={"csrf_token": csrf_of(client), "note": "Bank statement from the ops tool"},
        files=[("attachments", ("ops-export.png", png_bytes(), "image/png"))],
    )
    console = client.get(f"/console/cases/{case_id}").text
    assert "one.png" in console and "two.png" in console and "ops-export.png" in console
    ops_url = _links(console, case_id)[-1]
    assert client.get(ops_url).status_code == 200

    sign_in(client, people.customer)
    portal = client.get(f"/portal/cases/{case_id}").text
    assert "one.png" in portal and "two.png" in portal
    assert "ops-export.png" not in portal
    assert client.get(ops_url).status_code == 404
    messages = client.get(f"/api/v1/cases/{case_id}/messages").json()
    assert [a["file_name"] for m in messages for a in m["attachments"]] == ["one.png", "two.png"]


def test_a_refused_reply_keeps_what_the_customer_wrote(app, client, people):
    case_id = make_case(app, people.customer)
    sign_in(client, people.customer)
    response = client.post(
        f"/portal/cases/{case_id}/reply?lang=en",
        data={"csrf_token": csrf_of(client), "body": "Here is the bank receipt."},
        files=[("attachments", ("receipt.png", EXE, "image/png"))],
    )
    assert response.status_code == 422
    assert "receipt.png is not a file type we accept" in response.text
    assert ">Here is the bank receipt.</textarea>" in response.text
    assert client.get(f"/api/v1/cases/{case_id}/messages").json() == []


def test_anonymous_visitors_are_asked_to_sign_in(app, client, people):
    case_id = make_case(app, people.customer)
    sign_in(client, people.customer)
    client.post(
        f"/api/v1/cases/{case_id}/attachments",
        headers=csrf_header(client),
        files=[("files", ("a.png", png_bytes(), "image/png"))],
    )
    url = _links(client.get(f"/portal/cases/{case_id}").text, case_id)[0]
    client.cookies.clear()
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
