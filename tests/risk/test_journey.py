"""The journey risk control was built for: a customer who registered today, verified, deposits
and withdraws 50,000 CNY. The withdrawal waits for review and the account is frozen, a case is
opened; an agent asks to lift the freeze, a supervisor approves, then pays the withdrawal."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_of, sign_in, stepped_up
from tests.identity.support import last_code
from tests.payments.conftest import (  # noqa: F401 (fixtures: the sandbox and a live server)
    live,
    live_port,
    sandbox,
    settings,
    tx_status,
    verify_kyc,
    wait_for,
)
from tests.risk.conftest import alert_kinds, cases_of, freezes, frozen, texts_to
from walletdesk.approvals.models import Approval
from walletdesk.db import session_scope
from walletdesk.identity.models import User

PHONE = "+8613912345678"
CARD = "6222021234567890128"


def _register(client) -> tuple[User, dict[str, str]]:
    client.post("/api/v1/auth/register/code", json={"phone": PHONE})
    answer = client.post(
        "/api/v1/auth/register",
        json={
            "phone": PHONE,
            "code": last_code(client.app, PHONE),
            "password": "violet meadow lantern",
            "display_name": "王五",
        },
    )
    assert answer.status_code == 201, answer.text
    with session_scope(client.app.state.sessionmaker) as db:
        user = db.scalar(select(User).where(User.phone == PHONE))
        assert user is not None
    return user, {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.mark.usefixtures("sandbox", "live")
def test_new_customer_large_withdrawal_is_held_frozen_and_released_by_two_people(
    app, client, people
):
    customer, headers = _register(client)
    verify_kyc(app, customer, "basic")
    card = client.post(
        "/api/v1/payments/methods",
        json={"kind": "bank_card", "number": CARD, "bank_name": "ICBC"},
        headers=headers,
    ).json()["id"]
    deposit = client.post(
        "/api/v1/payments/deposits",
        json={"method": "bank_card", "amount": "60000.00", "payment_method_id": card},
        headers=headers,
    ).json()
    wait_for(lambda: tx_status(app, deposit["public_id"]) == "succeeded")

    answer = stepped_up(  # 50,000 CNY asks for the code texted to the customer
        client,
        app,
        PHONE,
        "/api/v1/payments/withdrawals",
        json={"payment_method_id": card, "amount": "50000.00"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text  # the basic level's limits allow it
    withdrawal = answer.json()
    assert withdrawal["status"] == "pending"
    assert frozen(app, customer)
    (case,) = cases_of(app, customer)
    assert withdrawal["public_id"] in case.description
    assert {"account_frozen", "payment_held"} <= set(alert_kinds(app, customer))
    assert any(case.number in text for text in texts_to(app, PHONE))
    (freeze,) = freezes(app, customer)
    assert freeze.rule == "new_account_large_withdrawal"

    # the customer sees why, and cannot move money out meanwhile
    again = client.post(
        "/api/v1/payments/withdrawals",
        json={"payment_method_id": card, "amount": "100.00"},
        headers=headers,
    )
    assert again.json()["error"]["code"] == "account_frozen"
    portal = client.get(f"/portal/cases/{case.id}?lang=en", headers=headers)
    assert portal.status_code == 200 and withdrawal["public_id"] in portal.text

    # an agent asks to lift the freeze; the supervisor cannot pay before it is lifted
    sign_in(client, people.agent)
    client.post(
        f"/console/risk/freezes/{freeze.id}/unfreeze",
        data={"csrf_token": csrf_of(client), "reason": "Called the customer back, all in order"},
    )
    with session_scope(app.state.sessionmaker) as db:
        approval = db.scalar(select(Approval).where(Approval.kind == "unfreeze"))
        assert approval is not None and approval.status == "pending"
        approval_id = approval.id
    sign_in(client, people.supervisor)
    token = csrf_of(client)
    early = client.post(
        f"/console/withdrawals/{withdrawal['public_id']}/approve?lang=en",
        data={"csrf_token": token},
    )
    assert early.status_code == 409
    queue = client.get("/console/approvals?lang=en")
    assert "Unfreeze the account" in queue.text
    client.post(f"/console/approvals/{approval_id}/approve", data={"csrf_token": token})
    assert not frozen(app, customer)
    assert "account_unfrozen" in alert_kinds(app, customer)

    client.post(
        f"/console/withdrawals/{withdrawal['public_id']}/approve", data={"csrf_token": token}
    )
    wait_for(lambda: tx_status(app, withdrawal["public_id"]) == "succeeded")
    sign_in(client, people.agent)
    console = client.get(f"/console/cases/{case.id}?lang=en").text
    assert re.search(r"Sup S approved payment\s+" + withdrawal["public_id"], console)
