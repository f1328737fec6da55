"""The case API as an integrator uses it: categories, opening a case with its details,
validation errors in the caller's language, and messages."""

from __future__ import annotations

from tests.cases.conftest import REQUIRED
from tests.conftest import bearer


def test_categories_say_what_each_one_needs(client):
    english = client.get("/api/v1/cases/categories", headers={"Accept-Language": "en"}).json()
    by_key = {c["key"]: c for c in english}
    assert list(by_key) == list(REQUIRED)
    deposit = {f["name"]: f["required"] for f in by_key["deposit_withdrawal"]["fields"]}
    # A bank debit with no record in the wallet has no transaction ID: the bank or card
    # (with the bank's time and amount) may stand in for it.
    assert deposit == {
        "occurred_at": True,
        "amount": True,
        "transaction_id": False,
        "bank_account": False,
        "attachments": False,
    }
    unless = {f["name"]: f["required_unless"] for f in by_key["deposit_withdrawal"]["fields"]}
    assert unless["transaction_id"] == "bank_account"
    assert "What happened" in by_key["fees"]["description_example"]
    chinese = client.get("/api/v1/cases/categories", headers={"Accept-Language": "zh"}).json()
    assert chinese[2]["label"] == "充值 / 提现"


def test_a_customer_opens_a_case_through_the_api(client, people):
    headers = bearer(client, people.customer)
    body = {
        "category": "deposit_withdrawal",
        "subject": "USDT deposit not credited",
        "description": "I sent 150 USDT from another wallet two hours ago; nothing arrived yet.",
        "details": {
            "occurred_at": "2024-06-01T12:00:00+00:00",
            "amount": 150,
            "currency": "USDT",
            "transaction_id": "0xabc123def456",
        },
    }
    created = client.post("/api/v1/cases", json=body, headers=headers)
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["number"] == f"WD-{case['id']:06d}"
    assert (case["amount_minor"], case["currency"]) == (150_000_000, "USDT")
    assert case["details"]["occurred_at"] == "2024-06-01T12:00:00+00:00"
    assert case["status"] == "new" and case["channel"] == "api"
    assert case["customer"]["phone_masked"] == "+86138****8000"
    again = client.get(f"/api/v1/cases/{case['id']}", headers=headers).json()
    assert again["subject"] == "USDT deposit not credited"

    reply = client.post(
        f"/api/v1/cases/{case['id']}/messages", json={"body": "Tx hash attached."}, headers=headers
    )
    assert reply.status_code == 201 and reply.json()["from_staff"] is False


def test_api_errors_name_the_field_in_the_callers_language(client, people):
    headers = bearer(client, people.customer)
    body = {"category": "technical", "subject": "Crash", "description": "The app crashes a lot."}
    english = client.post("/api/v1/cases?lang=en", json=body, headers=headers).json()
    assert english["error"] == {
        "code": "validation_failed",
        "message": "Enter the error message you saw.",
        "field": "error_message",
    }
    chinese = client.post(
        "/api/v1/cases",
        json={**body, "category": "lottery"},
        headers={**headers, "Accept-Language": "zh"},
    ).json()
    assert chinese["error"]["field"] == "category"
    assert chinese["error"]["message"] == "请选择问题分类。"


def test_only_customers_open_cases(client, people):
    body = {
        "category": "feedback",
        "subject": "Idea",
        "description": "Please add dark mode to the app.",
    }
    staff = client.post("/api/v1/cases", json=body, headers=bearer(client, people.agent))
    assert staff.status_code == 403
    assert client.post("/api/v1/cases", json=body).status_code == 401
