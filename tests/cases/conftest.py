"""Helpers for the case tests: valid answers per category, real image bytes, opening cases
through the portal or the service, and a second browser for another customer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import csrf_of, sign_in
from walletdesk.cases import service
from walletdesk.db import session_scope
from walletdesk.identity.models import User

# Valid answers to every category's required questions.
REQUIRED = {
    "account": {"registered_phone": "138 0013 8000"},
    "transaction": {
        "occurred_at": "2024-06-01T14:30",
        "amount": "25.50",
        "currency": "CNY",
        "transaction_id": "TX20240601001",
    },
    "deposit_withdrawal": {
        "occurred_at": "2024-06-01T14:30",
        "amount": "500",
        "currency": "CNY",
        "transaction_id": "DP20240601143012",
    },
    "fees": {"occurred_at": "2024-06-01 09:00", "amount": "2", "currency": "USD"},
    "security": {"registered_phone": "+8613800138000"},
    "technical": {"error_message": "Error 1002: network timeout"},
    "feedback": {},
    "complaint": {"registered_phone": "13800138000"},
}
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def case_form(client: TestClient, category: str = "deposit_withdrawal", **fields: Any) -> dict:
    return {
        "csrf_token": csrf_of(client),
        "category": category,
        "subject": "充值 500 元未到账",
        "description": "发生了什么：银行卡已扣款。什么时候：昨天 14:30。结果：钱包余额没变。",
        **REQUIRED[category],
        **fields,
    }


def submit_case(
    client: TestClient,
    category: str = "deposit_withdrawal",
    *,
    files: list | None = None,
    lang: str = "en",
    **fields: Any,
):
    data = {k: v for k, v in case_form(client, category, **fields).items() if v is not None}
    return client.post(
        f"/portal/cases/new?lang={lang}", data=data, files=files, follow_redirects=False
    )


def csrf_header(client: TestClient) -> dict[str, str]:
    """What the page's JS sends with a cookie-authenticated JSON call that changes state."""
    return {"X-CSRF-Token": csrf_of(client)}


def case_id_of(response) -> int:
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def make_case(app, customer: User, category: str = "deposit_withdrawal", **fields: Any) -> int:
    """A case opened through the service, for tests about what happens afterwards."""
    subject = fields.pop("subject", "充值 500 元未到账")
    description = fields.pop("description", "发生了什么：银行卡已扣款，但钱包余额没变。")
    with session_scope(app.state.sessionmaker) as db:
        case = service.open_case(
            db,
            customer=db.get(User, customer.id),
            category=category,
            subject=subject,
            description=description,
            fields={**REQUIRED[category], **fields},
            settings=app.state.settings,
            force=True,  # tests open several cases about the same transaction
        )
        return case.id


@pytest.fixture
def other_client(app, people) -> Iterator[TestClient]:
    """A second browser, signed in as the other customer."""
    with TestClient(app, base_url="http://testserver") as second:
        sign_in(second, people.other_customer)
        yield second
