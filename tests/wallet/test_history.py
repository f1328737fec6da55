"""Transaction history as a customer sees it: filters, paging, one transaction's steps, the CSV
statement (BOM, Beijing times, plain-words reasons) and never another customer's rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from tests.conftest import bearer, sign_in
from walletdesk.db import session_scope
from walletdesk.wallet.reasons import REASONS, reason_text
from walletdesk.wallet.transactions import advance, record_transaction


def seed(app, people):
    """Three transactions of the customer's and one of the other customer's; their public ids."""
    with session_scope(app.state.sessionmaker) as db:

        def add(user, kind, status, amount, when, **kw):
            tx = record_transaction(
                db, user_id=user.id, kind=kind, status=status, amount_minor=amount, **kw
            )
            tx.created_at = when
            return tx

        deposit = add(
            people.customer,
            "deposit",
            "succeeded",
            100_000,
            datetime(2026, 3, 1, 2, tzinfo=UTC),
            currency="CNY",
            method="bank_card",
        )
        failed = add(
            people.customer,
            "withdrawal",
            "pending",
            20_000,
            datetime(2026, 3, 31, 17, tzinfo=UTC),  # 1 April 01:00 in Beijing
            currency="CNY",
            method="bank_card",
            fee_minor=200,
            counterparty='=HYPERLINK("x") 招商银行 ****1234',
        )
        advance(db, tx=failed, step="provider", status="failed", failure_code="card_declined")
        usd = add(
            people.customer,
            "deposit",
            "succeeded",
            5_000,
            datetime(2026, 4, 2, tzinfo=UTC),
            currency="USD",
            method="credit_card",
        )
        other = add(
            people.other_customer,
            "deposit",
            "succeeded",
            77_700,
            datetime(2026, 3, 5, tzinfo=UTC),
            currency="CNY",
            method="bank_card",
        )
        return deposit.public_id, failed.public_id, usd.public_id, other.public_id


def test_filters_and_paging_in_the_api(app, client, people):
    deposit, failed, usd, other = seed(app, people)
    headers = bearer(client, people.customer)

    def ids(**params):
        body = client.get("/api/v1/wallet/transactions", params=params, headers=headers).json()
        return [t["public_id"] for t in body["items"]]

    assert ids() == [usd, failed, deposit]  # newest first; never the other customer's
    assert ids(kind="withdrawal") == [failed]
    assert ids(status="failed") == [failed]
    assert ids(currency="USD") == [usd]
    assert ids(date_from="2026-04-01") == [usd, failed]  # Beijing days
    assert ids(date_to="2026-03-31") == [deposit]
    assert ids(per_page=2, page=2) == [deposit]
    bad = client.get("/api/v1/wallet/transactions?kind=theft", headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "kind"
    one = client.get(f"/api/v1/wallet/transactions/{failed}?lang=en", headers=headers).json()
    assert [s["status"] for s in one["steps"]] == ["pending", "provider"]
    assert one["failure_reason"] == REASONS["card_declined"]["en"]
    assert client.get(f"/api/v1/wallet/transactions/{other}", headers=headers).status_code == 404


def test_csv_statement_opens_in_excel_and_holds_only_own_rows(app, client, people):
    deposit, failed, usd, other = seed(app, people)
    headers = bearer(client, people.customer)
    sign_in(client, people.customer)
    response = client.get("/wallet/statement.csv?lang=zh")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "交易编号" and len(rows[0]) == 10
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {deposit, failed, usd}
    assert other not in response.text and "777.00" not in response.text
    row = by_id[failed]
    assert row[1] == "2026-04-01 01:00:00"  # Beijing time
    assert row[2:8] == ["提现", "失败", "200.00", "2.00", "CNY", "银行卡"]
    assert row[8].startswith("'=HYPERLINK")  # not run as a formula
    assert row[9] == reason_text("card_declined", "zh")
    api = client.get("/api/v1/wallet/statement.csv?currency=USD&lang=en", headers=headers)
    rows = list(csv.reader(io.StringIO(api.content.decode("utf-8-sig"))))
    assert rows[0][1] == "Time (Beijing)" and [r[0] for r in rows[1:]] == [usd]


def test_every_failure_code_has_plain_words_in_both_languages():
    for code in (
        "insufficient_funds",
        "network_timeout",
        "provider_outage",
        "card_declined",
        "risk_hold",
        "limit_exceeded",
        "not_received",
        "rejected_by_review",
    ):
        zh, en = reason_text(code, "zh"), reason_text(code, "en")
        assert zh and en and zh != en and "_" not in en
    assert reason_text(None, "en") == ""
    assert "support" in reason_text("some_new_code", "en")
