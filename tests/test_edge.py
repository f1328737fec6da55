"""What every request meets at the edge: bad characters and out-of-range numbers are refused
with a 422 that names the field, bodies stop at the limit, errors keep one shape, personal
answers are never cached, and nothing blocks the event loop."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi.testclient import TestClient

from tests import loop_guard
from tests.conftest import PASSWORD, bearer, csrf_of, sign_in
from tests.live import serving


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["field"] == field


def test_a_nul_character_anywhere_is_a_422_naming_the_field(client, people):
    _refused(client.get("/api/v1/help/search", params={"q": "充值\x00"}), "q")
    _refused(client.post("/api/v1/auth/token", json={"login": "a\x00", "password": "x"}), "login")
    headers = bearer(client, people.customer)
    case = {"category": "feedback", "subject": "hi\x00there", "description": "text"}
    _refused(client.post("/api/v1/cases", json=case, headers=headers), "subject")
    details = {**case, "subject": "ok", "details": {"error_message": "x\x00"}}
    _refused(client.post("/api/v1/cases", json=details, headers=headers), "details.error_message")
    _refused(client.get("/api/v1/help/articles/dep%00osit"), "slug")


def test_a_nul_character_in_a_page_form_is_refused_in_the_customers_language(client, people):
    sign_in(client, people.customer)
    response = client.post(
        "/login",
        data={"login": "138\x00", "password": "x", "csrf_token": csrf_of(client)},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 422
    assert "不允许" in response.text  # the page, in Chinese, says what is wrong


@pytest.mark.parametrize("case_id", ["2147483648", str(2**63), "0", "-1"])
def test_ids_out_of_range_are_a_422_not_a_database_error(client, people, case_id):
    headers = bearer(client, people.customer)
    _refused(client.get(f"/api/v1/cases/{case_id}", headers=headers), "case_id")


def test_a_chunked_body_is_refused_at_the_limit_without_reading_the_rest(app, settings, people):
    limit = settings.upload_max_bytes
    sent = 0

    def endless():
        nonlocal sent
        yield (
            b'--x\r\nContent-Disposition: form-data; name="files"; filename="big.png"\r\n'
            b"Content-Type: image/png\r\n\r\n"
        )
        while sent < 1024**3:
            sent += 64 * 1024
            yield b"\x89PNG" + b"\x00" * (64 * 1024 - 4)

    with serving(settings) as url, httpx.Client(base_url=url, timeout=60) as http:
        token = http.post(
            "/api/v1/auth/token", json={"login": people.customer.login, "password": PASSWORD}
        ).json()["access_token"]
        try:
            response = http.post(
                "/api/v1/cases/1/attachments",
                content=endless(),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "multipart/form-data; boundary=x",
                },
            )
            assert response.status_code == 413, response.text
            assert response.json()["error"]["code"] == "too_large"
        except httpx.WriteError:
            pass  # the server answered 413 and closed while the client was still sending
    assert sent < limit * 10  # stopped near the limit, not after a gigabyte


def test_starlettes_own_errors_have_the_error_shape(client, people):
    headers = bearer(client, people.customer)
    response = client.post(
        "/api/v1/cases/1/attachments",
        content=b"--broken",
        headers={**headers, "Content-Type": "multipart/form-data"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert "detail" not in response.json()
    wrong_method = client.delete("/api/v1/wallet/balances", headers=headers)
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_personal_pages_and_answers_are_never_cached(client, people):
    headers = bearer(client, people.customer)
    for path in ("/api/v1/wallet/balances", "/api/v1/wallet/statement.csv"):
        assert client.get(path, headers=headers).headers["cache-control"] == "no-store"
    sign_in(client, people.customer)
    assert client.get("/wallet").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")


def test_the_api_docs_and_the_icon_are_served_from_here(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"


def test_the_loop_guard_catches_a_handler_that_blocks_the_event_loop(app):
    @app.get("/blocking-for-test")
    async def blocking() -> dict[str, str]:
        time.sleep(loop_guard.LIMIT_SECONDS * 3)  # what a database call in `async def` does
        return {}

    with TestClient(app) as blocked_client:
        blocked_client.get("/blocking-for-test")
    caught, loop_guard._slow[:] = list(loop_guard._slow), []
    assert any("took" in line for line in caught), caught
