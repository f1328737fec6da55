"""A fee waiver from support: an agent asks on the case, a second person approves, and the
customer's withdrawals and transfers cost no fee until it ends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.cases.conftest import make_case
from tests.cases.test_agent_actions import _post, _timeline
from tests.conftest import sign_in
from walletdesk.approvals.models import Approval
from walletdesk.db import session_scope, utcnow
from walletdesk.identity.models import User
from walletdesk.wallet import fees


def _withdrawal_fee(app, customer, *, now=None) -> int:
    """The fee of a 1,000.00 CNY cross-border card withdrawal (no promotion applies)."""
    with session_scope(app.state.sessionmaker) as db:
        return fees.quote_fee(
            db,
            user_id=customer.id,
            method="bank_card",
            direction="withdrawal",
            scope="cross_border",
            amount_minor=100_000,
            currency="CNY",
            now=now,
        ).fee_minor


def test_a_fee_waiver_is_asked_approved_and_lasts_its_days(app, client, people):
    standard = _withdrawal_fee(app, people.customer)
    assert standard > 0
    case_id = make_case(app, people.customer)
    sign_in(client, people.agent)
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Waive fees for some days" in page
    too_long = _post(client, f"/console/cases/{case_id}/fee-waiver", days="91", reason="x")
    assert too_long.status_code == 422 and "A fee waiver lasts from 1 to 90 days." in too_long.text
    asked = _post(
        client, f"/console/cases/{case_id}/fee-waiver", days="30", reason="Three failed payouts"
    )
    assert asked.status_code == 303
    assert _withdrawal_fee(app, people.customer) == standard  # nothing before approval

    sign_in(client, people.supervisor)
    with session_scope(app.state.sessionmaker) as db:
        approval_id = db.scalar(select(Approval.id).where(Approval.kind == "fee_waiver"))
    queue = client.get("/console/approvals?lang=en").text
    assert "Waive fees for some days" in queue and "Three failed payouts" in queue
    assert _post(client, f"/console/approvals/{approval_id}/approve").status_code == 303

    waived = _withdrawal_fee(app, people.customer)
    assert waived == 0
    with session_scope(app.state.sessionmaker) as db:
        until = db.get(User, people.customer.id).fee_waiver_until
        assert timedelta(days=29, hours=23) < until - utcnow() <= timedelta(days=30)
        quoted = fees.quote_fee(
            db,
            user_id=people.customer.id,
            method="balance",
            direction="transfer",
            scope="any",
            amount_minor=100_000,
            currency="USD",
            conversion=True,
        )
        assert quoted.fee_minor == 0 and quoted.waiver is not None
        assert quoted.waiver.id == "support-fee-waiver"
    # When it ends, fees come back; the other customer never had one.
    assert _withdrawal_fee(app, people.customer, now=until + timedelta(minutes=1)) == standard
    assert _withdrawal_fee(app, people.other_customer) == standard
    assert any(
        "waived the customer's withdrawal and transfer fees until" in line
        for line in _timeline(app, case_id)
    )
    sign_in(client, people.customer)
    home = client.get("/wallet?lang=en").text
    assert "Your withdrawal and transfer fees are waived until" in home
    alerts = client.get("/security?lang=zh").text  # told, in their language
    assert "您的提现和转账免收手续费" in alerts
