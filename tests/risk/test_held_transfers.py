"""A transfer held by risk control waits with its money held; on the risk page a supervisor
sends it on or refuses it with a reason, and the review case records the decision."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_of, sign_in
from tests.risk.conftest import cases_of, fund, prepare, status_of, transfer, use_rules
from walletdesk.cases import service as cases
from walletdesk.cases.display import Display
from walletdesk.cases.models import Case
from walletdesk.db import session_scope
from walletdesk.i18n import Translator
from walletdesk.wallet import service as wallet
from walletdesk.wallet.ledger import verify_ledger
from walletdesk.wallet.transactions import WalletTransaction


def _balance(app, user) -> tuple[int, int]:
    with session_scope(app.state.sessionmaker) as db:
        found = wallet.balances(db, user_id=user.id).get("CNY")
        return (found.available_minor, found.held_minor) if found else (0, 0)


def _held_transfer(app, people, tmp_path) -> str:
    use_rules(app, tmp_path, {"unusual_amount": {}})
    for who in (people.customer, people.other_customer):
        prepare(app, who)
    fund(app, people.customer, 5_000_000)
    tx = transfer(app, people.customer, people.other_customer, 2_000_000)
    assert tx.status == "pending"
    assert _balance(app, people.customer) == (3_000_000, 2_000_000)
    assert _balance(app, people.other_customer) == (0, 0)
    return tx.public_id


def _timeline(app, people) -> list[str]:
    (case,) = cases_of(app, people.customer)
    with session_scope(app.state.sessionmaker) as db:
        shown = Display(Translator("en"), tz="Asia/Shanghai", staff=True)
        return [shown.event(e) for e in cases.timeline(db, case=db.get(Case, case.id))]


def test_a_supervisor_sends_a_held_transfer_on(app, client, people, tmp_path):
    public_id = _held_transfer(app, people, tmp_path)
    sign_in(client, people.agent)
    page = client.get("/console/risk?lang=en")
    assert public_id in page.text and "Send it" not in page.text  # agents only look
    # Who it is, by name and masked phone, not a bare database id.
    assert "张三 (+86138****8000)" in page.text and "13800138000" not in page.text
    sign_in(client, people.supervisor)
    assert "Send it" in client.get("/console/risk?lang=en").text
    answer = client.post(
        f"/console/risk/transfers/{public_id}/release",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert status_of(app, public_id) == "succeeded"
    assert _balance(app, people.customer) == (3_000_000, 0)
    assert _balance(app, people.other_customer) == (2_000_000, 0)
    with session_scope(app.state.sessionmaker) as db:
        received = db.scalar(
            select(WalletTransaction).where(WalletTransaction.user_id == people.other_customer.id)
        )
        assert received is not None and received.kind == "transfer_in"
        assert verify_ledger(db).problems == []
    lines = _timeline(app, people)
    assert f"System held payment {public_id} for review: " in lines[1]
    assert lines[-1] == f"Sup S approved payment {public_id}"


def test_a_refused_transfer_gives_the_money_back_with_the_reason(app, client, people, tmp_path):
    public_id = _held_transfer(app, people, tmp_path)
    sign_in(client, people.supervisor)
    token = csrf_of(client)
    empty = client.post(
        f"/console/risk/transfers/{public_id}/reject?lang=en", data={"csrf_token": token}
    )
    assert empty.status_code == 422 and "Give the reason the customer will see." in empty.text
    client.post(
        f"/console/risk/transfers/{public_id}/reject",
        data={"csrf_token": token, "reason": "The recipient looks like a scam"},
    )
    assert status_of(app, public_id) == "failed"
    assert _balance(app, people.customer) == (5_000_000, 0)
    assert _balance(app, people.other_customer) == (0, 0)
    assert _timeline(app, people)[-1] == (
        f"Sup S rejected payment {public_id}: The recipient looks like a scam"
    )
    sign_in(client, people.customer)
    page = client.get(f"/wallet/transactions/{public_id}?lang=en")
    assert "The recipient looks like a scam" in page.text
