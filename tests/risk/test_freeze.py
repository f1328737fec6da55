"""A freeze stops money leaving (withdrawals and transfers out) but not coming in; tripping a
rule leaves its freeze, hit, case and payment committed, and the customer is told."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.conftest import bearer, csrf_of, sign_in
from tests.risk.conftest import (
    alert_kinds,
    bind_card,
    cases_of,
    freezes,
    frozen,
    fund,
    hits,
    prepare,
    texts_to,
    transfer,
    use_rules,
    withdraw,
)
from walletdesk.audit.models import AuditEntry
from walletdesk.cases import service as cases
from walletdesk.cases.display import Display
from walletdesk.cases.models import Case
from walletdesk.db import session_scope
from walletdesk.errors import Forbidden
from walletdesk.i18n import Translator
from walletdesk.identity.models import User
from walletdesk.risk import service as risk
from walletdesk.wallet import service as wallet
from walletdesk.wallet.transactions import WalletTransaction


def _freeze_by_staff(app, people, reason="Reported stolen phone") -> int:
    with session_scope(app.state.sessionmaker) as db:
        freeze = risk.freeze_account(
            db, user_id=people.customer.id, reason=reason, staff=db.get(User, people.agent.id)
        )
        return freeze.id


def _available(app, user) -> int:
    with session_scope(app.state.sessionmaker) as db:
        found = wallet.balances(db, user_id=user.id).get("CNY")
        return found.available_minor if found else 0


def test_a_frozen_account_cannot_send_or_withdraw_but_still_receives(app, client, people):
    for who in (people.customer, people.other_customer):
        prepare(app, who)
        fund(app, who, 1_000_000)
    card = bind_card(app, people.customer)
    _freeze_by_staff(app, people)
    case = cases_of(app, people.customer)[0]
    headers = bearer(client, people.customer)
    refused = client.post(
        "/api/v1/payments/withdrawals?lang=en",
        json={"payment_method_id": card, "amount": "100.00"},
        headers=headers,
    )
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "account_frozen"
    assert f"Contact support about case {case.number}" in error["message"]
    sent = client.post(
        "/api/v1/wallet/transfer",
        json={"phone": "13900139000", "amount": "1", "idempotency_key": uuid.uuid4().hex},
        headers=headers,
    )
    assert sent.status_code == 403 and sent.json()["error"]["code"] == "account_frozen"
    assert "账户因安全审核已被冻结" in sent.json()["error"]["message"]  # their language
    # money still comes in: a deposit and a transfer from someone else
    fund(app, people.customer, 5_000)
    incoming = transfer(app, people.other_customer, people.customer, 2_500)
    assert incoming.status == "succeeded"
    assert _available(app, people.customer) == 1_000_000 + 5_000 + 2_500


def test_the_wallet_and_security_pages_say_why_and_what_to_do(app, client, people):
    _freeze_by_staff(app, people, reason="We need to check a payment with you")
    case = cases_of(app, people.customer)[0]
    sign_in(client, people.customer)
    for path in ("/wallet?lang=en", "/security?lang=en"):
        page = client.get(path)
        assert page.status_code == 200
        assert "Your account is frozen" in page.text
        assert "We need to check a payment with you" in page.text
        assert case.number in page.text
        assert "money cannot be sent or withdrawn" in page.text
    assert client.get("/wallet/transfer?lang=en").status_code == 200  # pages still open
    form = client.post(
        "/wallet/transfer?lang=en",
        data={"csrf_token": csrf_of(client), "phone": "13900139000", "amount": "1"},
    )
    assert form.status_code == 403 and "Your account is frozen" in form.text
    # The withdrawal's fee preview says so too, before the customer confirms anything.
    prepare(app, people.customer)
    fund(app, people.customer, 100_000)
    card = bind_card(app, people.customer)
    preview = client.post(
        "/wallet/withdraw?lang=en",
        data={"csrf_token": csrf_of(client), "payment_method_id": str(card), "amount": "10"},
    )
    assert "Your account is frozen" in preview.text and 'name="confirm"' not in preview.text


def test_staff_freezing_needs_the_permission_a_reason_and_is_audited(app, people):
    with session_scope(app.state.sessionmaker) as db, pytest.raises(Forbidden):
        risk.freeze_account(
            db, user_id=people.customer.id, reason="x", staff=db.get(User, people.other_customer.id)
        )
    assert not frozen(app, people.customer)
    freeze_id = _freeze_by_staff(app, people)
    with session_scope(app.state.sessionmaker) as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "account.freeze"))
        assert entry is not None and entry.actor_id == people.agent.id
        assert entry.details["freeze_id"] == freeze_id
        case = db.get(Case, risk.freezes_of(db, user_id=people.customer.id)[0].case_id)
        assert case is not None and (case.channel, case.priority) == ("risk", "high")
        shown = Display(Translator("en"), tz="Asia/Shanghai", staff=True)
        lines = [shown.event(e) for e in cases.timeline(db, case=case)]
        assert "Agent A froze the account: Reported stolen phone" in lines
    assert "account_frozen" in alert_kinds(app, people.customer)


def test_a_transfer_that_trips_a_freeze_rule_keeps_everything_it_wrote(
    app, client, people, tmp_path
):
    use_rules(app, tmp_path, {"velocity": {"params": {"max_count": 1}}})
    for who in (people.customer, people.other_customer):
        prepare(app, who)
    fund(app, people.customer, 1_000_000)
    headers = bearer(client, people.customer)

    def send():
        body = {"phone": "13900139000", "amount": "10", "idempotency_key": uuid.uuid4().hex}
        return client.post("/api/v1/wallet/transfer?lang=en", json=body, headers=headers)

    assert send().json()["status"] == "succeeded"
    stopped = send().json()
    assert stopped["status"] == "failed" and stopped["failure_code"] == "account_frozen"
    assert "frozen" in stopped["failure_reason"]
    # all of it committed: the failed transaction, the freeze, the hit and one case
    with session_scope(app.state.sessionmaker) as db:
        tx = db.scalar(
            select(WalletTransaction).where(WalletTransaction.public_id == stopped["public_id"])
        )
        assert tx is not None and tx.status == "failed"
    (freeze,) = freezes(app, people.customer)
    assert (freeze.rule, freeze.active) == ("velocity", True)
    assert freeze.source == f"wallet_transaction:{stopped['public_id']}"
    assert hits(app, people.customer) == [("velocity", "freeze", stopped["public_id"])]
    (case,) = cases_of(app, people.customer)
    assert freeze.case_id == case.id
    assert _available(app, people.customer) == 1_000_000 - 1_000  # only the first one left


def test_tripping_a_rule_opens_one_case_and_tells_the_customer_in_their_language(
    app, people, tmp_path
):
    # two rules match the same withdrawal: still one case, one freeze, two hits
    use_rules(app, tmp_path, {"large_withdrawal": {}, "new_account_large_withdrawal": {}})
    prepare(app, people.customer, age_days=1)
    fund(app, people.customer, 10_000_000)
    card = bind_card(app, people.customer)
    tx = withdraw(app, people.customer, card, 5_000_000)
    assert tx.status == "pending"
    assert sorted(h[:2] for h in hits(app, people.customer)) == [
        ("large_withdrawal", "review"),
        ("new_account_large_withdrawal", "freeze"),
    ]
    (case,) = cases_of(app, people.customer)
    assert (case.channel, case.priority, case.category) == ("risk", "high", "security")
    assert tx.public_id in case.description
    assert "新开立的账户发起了大额提现" in case.description  # the rule's reason, in Chinese
    assert "大额提现须经工作人员审核" in case.description
    assert "绝不会向您索要密码或验证码" in case.description
    assert [f.case_id for f in freezes(app, people.customer)] == [case.id]
    with session_scope(app.state.sessionmaker) as db:
        assert {h.case_id for h in risk.hits_of(db, user_id=people.customer.id)} == {case.id}
    assert alert_kinds(app, people.customer) == ["account_frozen", "payment_held"]
    (text,) = texts_to(app, people.customer.phone)
    assert "账户已于" in text and "被冻结" in text and case.number in text
    assert "绝不会索要您的密码或验证码" in text


def test_a_held_withdrawal_cannot_be_approved_while_the_account_is_frozen(
    app, client, people, tmp_path
):
    use_rules(app, tmp_path, {"new_account_large_withdrawal": {}})
    prepare(app, people.customer, age_days=1)
    fund(app, people.customer, 10_000_000)
    tx = withdraw(app, people.customer, bind_card(app, people.customer), 5_000_000)
    answer = client.post(
        f"/api/v1/payments/staff/withdrawals/{tx.public_id}/approve?lang=en",
        headers=bearer(client, people.supervisor),
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "account_frozen"
