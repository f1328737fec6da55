"""The customer panel on a console case: the customer's real money, transactions with their
failure reasons, security events, locks and past cases; personal data masked unless a
supervisor shows it in full, which is audited and on the timeline."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import event, select

from tests.cases.conftest import make_case
from tests.conftest import csrf_of, sign_in
from tests.identity.support import VALID_ID_CARD
from tests.wallet.test_adjustments import paid_withdrawal
from walletdesk.audit.models import AuditEntry
from walletdesk.cases import service as cases
from walletdesk.cases.display import Display
from walletdesk.cases.models import Case
from walletdesk.db import session_scope, utcnow
from walletdesk.i18n import Translator
from walletdesk.identity import account
from walletdesk.identity.kyc_models import KycSubmission
from walletdesk.identity.models import User
from walletdesk.wallet import service as wallet
from walletdesk.wallet.transactions import record_transaction

MASKED_ID = "110105********002X"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def verified(app, customer, name: str = "张三丰") -> None:
    with session_scope(app.state.sessionmaker) as db:
        db.add(
            KycSubmission(
                user_id=customer.id,
                level="basic",
                real_name=name,
                id_type="id_card",
                id_number=VALID_ID_CARD,
                status="approved",
            )
        )
        db.get(User, customer.id).kyc_level = "basic"


def declined_deposit(app, customer) -> str:
    with session_scope(app.state.sessionmaker) as db:
        return record_transaction(
            db,
            user_id=customer.id,
            kind="deposit",
            amount_minor=50_000,
            currency="CNY",
            status="failed",
            method="credit_card",
        ).public_id


def _fail(app, public_id: str, code: str) -> None:
    from walletdesk.wallet.transactions import WalletTransaction

    with session_scope(app.state.sessionmaker) as db:
        tx = db.scalar(select(WalletTransaction).where(WalletTransaction.public_id == public_id))
        tx.failure_code = code


def _customer_signs_in(client, customer) -> None:
    client.headers["user-agent"] = CHROME
    sign_in(client, customer)
    client.headers["user-agent"] = "testclient"


def test_an_agent_sees_the_customers_money_and_history_with_personal_data_masked(
    app, client, people
):
    # Cases first: make_case merges the fixture's (older) customer into its session.
    earlier = make_case(app, people.customer, subject="上个月的提现问题")
    someone_elses = make_case(app, people.other_customer, subject="别人的工单")
    case_id = make_case(app, people.customer)
    verified(app, people.customer)
    withdrawal = paid_withdrawal(app, people.customer)  # 1000.00 in, 1000.00 + 5.00 fee out
    declined = declined_deposit(app, people.customer)
    _fail(app, declined, "card_declined")
    broke = declined_deposit(app, people.customer)
    _fail(app, broke, "insufficient_funds")
    with session_scope(app.state.sessionmaker) as db:
        wallet.place_hold(
            db, user_id=people.customer.id, currency="CNY", amount_minor=20_000, idempotency_key="h"
        )
    _customer_signs_in(client, people.customer)

    sign_in(client, people.agent)
    page = client.get(f"/console/cases/{case_id}?lang=en")
    assert page.status_code == 200
    text = page.text
    # Money: 10000.00 funded, 1005.00 paid out, 200.00 held.
    assert "8795.00 CNY" in text and "200.00 CNY" in text
    assert f'href="/console/cases/{case_id}/transactions/{withdrawal}"' in text
    assert "-1000.00 CNY" in text and "5.00 CNY" in text
    assert "Your card issuer declined the payment. Contact them or use another card." in text
    # In the words the customer reads for a deposit (not the wallet's own balance).
    assert "The bank or payment app declined it: not enough money in that account." in text
    # Personal data: masked, and no way for an agent to show it in full.
    assert MASKED_ID in text and VALID_ID_CARD not in text
    assert "张**" in text and "张三丰" not in text
    assert "+86138****8000" in text and "13800138000" not in text
    assert "Basic (ID document)" in text
    assert "Show in full" not in text and "/reveal" not in text
    # Security events with the device and place; past cases of this customer only.
    assert "Signed in" in text and "Chrome on Windows" in text
    panel = text[text.index('class="card customer-panel"') :]  # not the queue beside it
    assert f'href="/console/cases/{earlier}"' in panel and "上个月的提现问题" in panel
    assert f'href="/console/cases/{someone_elses}"' not in panel
    assert "No lock or freeze." in text

    detail = client.get(f"/console/cases/{case_id}/transactions/{declined}?lang=en")
    assert detail.status_code == 200
    assert "Your card issuer declined the payment." in detail.text
    # A transaction of someone else is not reachable through this case.
    other = declined_deposit(app, people.other_customer)
    assert client.get(f"/console/cases/{case_id}/transactions/{other}").status_code == 404
    sign_in(client, people.customer)
    assert client.get(f"/console/cases/{case_id}?lang=en").status_code == 403


def test_the_case_names_the_customers_transaction_it_is_about(app, client, people):
    declined = declined_deposit(app, people.customer)
    _fail(app, declined, "card_declined")
    theirs = declined_deposit(app, people.other_customer)
    about = make_case(app, people.customer, transaction_id=declined.lower())  # typed loosely
    wrong = make_case(app, people.customer, transaction_id="D2606011430AB12CD")
    not_theirs = make_case(app, people.customer, transaction_id=theirs)
    sign_in(client, people.agent)
    page = client.get(f"/console/cases/{about}?lang=en").text
    found = page[page.index('class="case-transaction"') :]
    found = found[: found.index("</p>")]
    assert f'href="/console/cases/{about}/transactions/{declined}"' in found
    assert "Failed" in found and "Your card issuer declined the payment." in found
    for case_id, given in ((wrong, "D2606011430AB12CD"), (not_theirs, theirs)):
        page = html.unescape(client.get(f"/console/cases/{case_id}?lang=en").text)
        assert f"None of this customer's transactions has the ID {given}" in page
        assert f"/transactions/{theirs}" not in page


def test_locks_show_with_their_reasons(app, client, people):
    case_id = make_case(app, people.customer)
    with session_scope(app.state.sessionmaker) as db:
        customer = db.get(User, people.customer.id)
        account.lock_account(db, user=customer, reason="手机丢了", ip="", device="")
        customer.locked_until = utcnow() + timedelta(minutes=15)
    sign_in(client, people.agent)
    text = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "After wrong passwords, until" in text
    assert "By the customer on" in text and "手机丢了" in text
    assert "Unlock the account" in text


def test_the_panel_reads_in_the_same_number_of_queries_however_much_history(app, client, people):
    case_id = make_case(app, people.customer)
    declined_deposit(app, people.customer)
    sign_in(client, people.agent)

    def queries() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args) -> None:
            seen.append(statement)

        engine = app.state.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/console/cases/{case_id}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    few = queries()
    for _ in range(6):
        declined_deposit(app, people.customer)
        make_case(app, people.customer)
    paid_withdrawal(app, people.customer)
    _customer_signs_in(client, people.customer)
    _customer_signs_in(client, people.customer)
    sign_in(client, people.agent)
    assert queries() == few


def test_a_supervisor_shows_personal_data_in_full_once_and_it_is_audited(app, client, people):
    case_id = make_case(app, people.customer)
    verified(app, people.customer)
    sign_in(client, people.supervisor)
    page = client.get(f"/console/cases/{case_id}?lang=en").text
    assert "Show in full" in page and VALID_ID_CARD not in page
    shown = client.post(
        f"/console/cases/{case_id}/reveal?lang=en",
        data={"csrf_token": csrf_of(client), "fields": ["phone", "id_number"]},
    )
    assert shown.status_code == 200
    assert VALID_ID_CARD in shown.text and "+8613800138000" in shown.text
    assert "张**" in shown.text and "张三丰" not in shown.text  # not asked for
    assert shown.headers["cache-control"] == "no-store"
    again = client.get(f"/console/cases/{case_id}?lang=en").text
    assert VALID_ID_CARD not in again and MASKED_ID in again  # once only
    with session_scope(app.state.sessionmaker) as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "customer.reveal"))
        assert entry is not None and entry.actor_id == people.supervisor.id
        assert entry.details["fields"] == ["phone", "id_number"]
        assert entry.subject_id == str(people.customer.id)
        events = cases.timeline(db, case=db.get(Case, case_id))
        shown_lines = [
            Display(Translator("en"), tz="Asia/Shanghai", staff=True).event(e)
            for e in events
            if e.type == "action"
        ]
        assert shown_lines == ["Sup S viewed the customer's personal data in full"]
    nothing = client.post(
        f"/console/cases/{case_id}/reveal?lang=en", data={"csrf_token": csrf_of(client)}
    )
    assert nothing.status_code == 422 and "Choose what to show in full." in nothing.text


def test_an_agent_cannot_show_personal_data_in_full(app, client, people):
    case_id = make_case(app, people.customer)
    verified(app, people.customer)
    sign_in(client, people.agent)
    refused = client.post(
        f"/console/cases/{case_id}/reveal?lang=en",
        data={"csrf_token": csrf_of(client), "fields": ["id_number"]},
    )
    assert refused.status_code == 403
    assert VALID_ID_CARD not in refused.text
    no_csrf = client.post(f"/console/cases/{case_id}/reveal", data={"fields": ["id_number"]})
    assert no_csrf.status_code == 403
    with session_scope(app.state.sessionmaker) as db:
        assert db.scalar(select(AuditEntry).where(AuditEntry.action == "customer.reveal")) is None


def test_transaction_steps_on_staff_pages_say_codes_in_words(app, client, people):
    from walletdesk.wallet.transactions import WalletTransaction, advance

    case_id = make_case(app, people.customer)
    declined = declined_deposit(app, people.customer)
    with session_scope(app.state.sessionmaker) as db:
        tx = db.scalar(select(WalletTransaction).where(WalletTransaction.public_id == declined))
        advance(db, tx=tx, step="risk_check", note="pass")
        advance(db, tx=tx, step="processing", note="bank_card")
    sign_in(client, people.agent)
    page = client.get(f"/console/cases/{case_id}/transactions/{declined}?lang=en").text
    assert "Risk check passed" in page and "· Bank card" in page
    for code in ("· pass", "· bank_card", "· automatic", "· freeze"):
        assert code not in page
