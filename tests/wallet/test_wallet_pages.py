"""The customer's wallet pages in Chinese and English: balances, recent transactions with their
status and failure reason, history filters, one transaction's steps, and who may see what."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import sign_in
from walletdesk.db import session_scope
from walletdesk.wallet import service as wallet
from walletdesk.wallet.transactions import advance, record_transaction


@pytest.fixture
def money(app, people):
    """The customer has 1,234.56 CNY with 100 CNY held, and a failed withdrawal."""
    with session_scope(app.state.sessionmaker) as db:
        wallet.post_deposit(
            db,
            user_id=people.customer.id,
            method="bank_card",
            amount_minor=123_456,
            currency="CNY",
            idempotency_key=f"fund-{uuid.uuid4().hex}",
        )
        wallet.place_hold(
            db,
            user_id=people.customer.id,
            currency="CNY",
            amount_minor=10_000,
            idempotency_key=f"hold-{uuid.uuid4().hex}",
        )
        record_transaction(
            db,
            user_id=people.customer.id,
            kind="deposit",
            status="succeeded",
            amount_minor=123_456,
            currency="CNY",
            method="bank_card",
        )
        failed = record_transaction(
            db,
            user_id=people.customer.id,
            kind="withdrawal",
            status="processing",
            amount_minor=10_000,
            currency="CNY",
            method="bank_card",
        )
        advance(db, tx=failed, step="risk_check", note="pass")
        advance(db, tx=failed, step="failed", status="failed", failure_code="provider_outage")
        theirs = record_transaction(
            db,
            user_id=people.other_customer.id,
            kind="deposit",
            status="succeeded",
            amount_minor=99_900,
            currency="CNY",
        )
        return failed.public_id, theirs.public_id


def test_wallet_home_in_both_languages(client, people, money):
    sign_in(client, people.customer)
    zh = client.get("/wallet?lang=zh")
    assert zh.status_code == 200
    assert "我的钱包" in zh.text and "1134.56 CNY" in zh.text  # available = total - held
    assert "冻结中：100.00 CNY" in zh.text
    assert "失败" in zh.text and "银行或支付渠道暂时不可用" in zh.text
    for path in ("deposit", "withdraw", "transfer", "receive", "transactions", "methods"):
        assert f'href="/wallet/{path}"' in zh.text  # every wallet page is one click away
    en = client.get("/wallet?lang=en")
    assert "My wallet" in en.text and "On hold: 100.00 CNY" in en.text
    assert "The bank or payment provider was temporarily unavailable" in en.text
    assert "+1234.56 CNY" in en.text and "-100.00 CNY" in en.text
    assert "999.00" not in en.text  # the other customer's deposit
    assert "style=" not in en.text  # the CSP forbids inline styles


def test_the_wallet_and_payments_pages_share_one_navigation(client, people):
    sign_in(client, people.customer)
    for path in ("/wallet", "/wallet/deposit", "/wallet/withdraw", "/wallet/methods"):
        page = client.get(path + "?lang=en").text
        nav = page[page.index('<nav class="wallet-nav"') :]
        nav = nav[: nav.index("</nav>")]
        assert f'href="{path}" aria-current="page"' in nav
        for label in ("Deposit", "Withdraw", "Transfer", "Receive", "Payment methods"):
            assert f">{label}</a>" in nav


def test_history_page_filters_and_links_the_statement(client, people, money):
    failed, _ = money
    sign_in(client, people.customer)
    page = client.get("/wallet/transactions?status=failed&lang=en")
    assert failed in page.text and "1 transactions" in page.text
    assert 'href="/wallet/statement.csv?status=failed"' in page.text
    page = client.get("/wallet/transactions?kind=deposit&lang=zh")
    assert failed not in page.text and "共 1 笔交易" in page.text
    bad = client.get("/wallet/transactions?date_from=yesterday&lang=en")
    assert bad.status_code == 200 and "Enter a date as YYYY-MM-DD." in bad.text


def test_transaction_page_shows_steps_and_hides_others(client, people, money):
    failed, theirs = money
    sign_in(client, people.customer)
    page = client.get(f"/wallet/transactions/{failed}?lang=en")
    assert page.status_code == 200
    steps = re.findall(r"<li><strong>([^<]+)</strong>", page.text)
    # Steps in plain words: the risk verdict's code ("pass") is not shown as a note.
    assert steps == ["Submitted, waiting for the provider", "Risk check passed", "Failed"]
    assert "<p>pass</p>" not in page.text
    assert "Failure reason" in page.text
    zh = client.get(f"/wallet/transactions/{failed}?lang=zh")
    assert "处理进度" in zh.text and "失败原因" in zh.text and "风险检查通过" in zh.text
    assert client.get(f"/wallet/transactions/{theirs}").status_code == 404


def test_transfer_and_receive_pages_render(client, people, money):
    sign_in(client, people.customer)
    form = client.get("/wallet/transfer?lang=zh")
    assert form.status_code == 200 and "收款人手机号" in form.text
    assert 'name="csrf_token"' in form.text
    receive = client.get("/wallet/receive?lang=en&amount=5")
    assert "<svg" in receive.text and "Amount: 5.00 CNY" in receive.text
    bad = client.get("/wallet/receive?lang=en&amount=-1")
    assert bad.status_code == 200 and "Enter the amount as a number, e.g. 100.50." in bad.text


def test_pages_are_for_signed_in_customers(client, people):
    response = client.get("/wallet", follow_redirects=False)
    assert response.status_code in (303, 401)
    sign_in(client, people.agent)
    assert client.get("/wallet").status_code == 403
    assert client.get("/api/v1/wallet/balances").status_code == 403
