"""What every page and endpoint shares: error shapes, security headers, language, size limits."""

from __future__ import annotations

from tests.conftest import sign_in


def test_unknown_page_is_a_translated_404_page_that_keeps_the_menu(client, people):
    sign_in(client, people.agent)
    response = client.get("/no/such/page?lang=en")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "Not found." in response.text
    assert "Agent A" in response.text
    assert "未找到" in client.get("/no/such/page?lang=zh").text


def test_unknown_api_path_is_json(client):
    response = client.get("/api/v1/nothing-here", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "未找到。", "field": None}


def test_pages_carry_security_headers(client):
    headers = client.get("/help").headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in headers["content-security-policy"]


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(client):
    response = client.get("/console?status=open", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fconsole%3Fstatus%3Dopen"


def test_oversized_request_is_refused_before_it_is_read(client, people):
    response = client.post(
        "/api/v1/safety/redact",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(200 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_malformed_json_names_no_stack_trace(client):
    response = client.post(
        "/api/v1/auth/token", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "Traceback" not in response.text
