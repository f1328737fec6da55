"""Fee quotes from the wallet's one schedule: per method and tier, the monthly free withdrawals,
waivers, and the help center's fee page showing the same numbers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from tests.conftest import bearer
from walletdesk.db import session_scope
from walletdesk.errors import ValidationFailed
from walletdesk.helpcenter import fees as help_fees
from walletdesk.helpcenter import service as help_service
from walletdesk.i18n import Translator
from walletdesk.identity.models import User
from walletdesk.wallet import fees, limits
from walletdesk.wallet.transactions import record_transaction


def quote(db, user_id, method, direction, amount, scope="domestic", currency="CNY", **kw):
    return fees.quote_fee(
        db,
        user_id=user_id,
        method=method,
        direction=direction,
        scope=scope,
        amount_minor=amount,
        currency=currency,
        **kw,
    )


def withdraw(db, user_id, rule_id, status="succeeded"):
    record_transaction(
        db,
        user_id=user_id,
        kind="withdrawal",
        status=status,
        method="bank_card",
        amount_minor=100_000,
        currency="CNY",
        details={"fee_rule": rule_id},
    )


def test_quotes_per_method_and_tier(app, people):
    with session_scope(app.state.sessionmaker) as db:
        uid = people.customer.id
        card = quote(db, uid, "credit_card", "deposit", 100_000)
        assert (card.fee_minor, card.rule.id) == (2_500, "deposit-credit-card")
        assert quote(db, uid, "credit_card", "deposit", 2_000).fee_minor == 100  # minimum
        assert quote(db, uid, "bank_card", "deposit", 100_000).fee_minor == 0
        abroad = quote(db, uid, "bank_card", "withdrawal", 200_000, scope="cross_border")
        assert (abroad.fee_minor, abroad.promotion) == (3_000, None)
        usdt = quote(db, uid, "crypto", "withdrawal", 50_000_000, scope="any", currency="USDT")
        assert usdt.fee_minor == 1_000_000
        with pytest.raises(ValidationFailed) as err:
            quote(db, uid, "crypto", "withdrawal", 100_000, currency="CNY")
        assert err.value.field == "method"


def test_tiers_pick_the_bracket_of_the_amount():
    rule = fees.FeeRule(
        id="t",
        direction="withdrawal",
        method="bank_card",
        scope="any",
        currency="CNY",
        tiers=(
            fees.FeeTier(up_to=10_000, fixed=100),
            fees.FeeTier(up_to=None, percent=Decimal("1")),
        ),
    )
    assert fees.fee_for(rule, 9_999) == 100
    assert fees.fee_for(rule, 10_000) == 100  # 1% of 100 CNY
    assert fees.fee_for(rule, 50_000) == 500


def test_first_three_domestic_withdrawals_each_month_are_free(app, people):
    rule = "withdrawal-bank-card-domestic"
    with session_scope(app.state.sessionmaker) as db:
        uid = people.customer.id
        first = quote(db, uid, "bank_card", "withdrawal", 1_000_000)
        assert first.fee_minor == 0 and first.standard_fee_minor == 1_000
        assert first.promotion is not None and first.promotion.id == "free-domestic-withdrawals"
        assert first.details()["fee_rule"] == rule
        withdraw(db, uid, rule)
        withdraw(db, uid, rule)
        withdraw(db, uid, rule, status="failed")  # a failed one does not use up a free one
        assert quote(db, uid, "bank_card", "withdrawal", 1_000_000).fee_minor == 0
        withdraw(db, uid, rule, status="pending")
        fourth = quote(db, uid, "bank_card", "withdrawal", 1_000_000)
        assert (fourth.fee_minor, fourth.promotion) == (1_000, None)
        # Another customer still has their own three; next month starts again.
        assert (
            quote(db, people.other_customer.id, "bank_card", "withdrawal", 1_000_000).fee_minor == 0
        )
        later = datetime(2099, 1, 15, tzinfo=UTC)
        assert quote(db, uid, "bank_card", "withdrawal", 1_000_000, now=later).fee_minor == 0


def test_waivers_by_customer_flag_and_by_window(app, people, monkeypatch):
    schedule = fees.load_schedule()
    flag = fees.Offer("vip", ("deposit-credit-card",), {"en": "VIP"}, {}, customer_flag=True)
    window = fees.Offer(
        "launch",
        ("deposit-payment-app",),
        {"en": "Launch week"},
        {},
        starts=date(2030, 1, 1),
        ends=date(2030, 1, 8),
    )
    changed = dataclasses.replace(schedule, waivers=(flag, window))
    monkeypatch.setattr(fees, "load_schedule", lambda: changed)
    inside, after = datetime(2030, 1, 7, 15, tzinfo=UTC), datetime(2030, 1, 7, 16, tzinfo=UTC)
    with session_scope(app.state.sessionmaker) as db:
        uid = people.customer.id
        assert quote(db, uid, "credit_card", "deposit", 100_000).fee_minor == 2_500
        waived = quote(db, uid, "credit_card", "deposit", 100_000, fee_waived=True)
        assert waived.fee_minor == 0 and waived.waiver == flag
        assert quote(db, uid, "payment_app", "deposit", 100_000, now=inside).fee_minor == 0
        # 16:00 UTC on the 7th is already the 8th in Beijing: the window has ended.
        assert quote(db, uid, "payment_app", "deposit", 100_000, now=after).fee_minor == 600


def test_help_fee_page_shows_what_quote_fee_charges(app, client, people):
    assert help_service.fee_schedule() is fees.load_schedule()  # one configuration
    schedule = fees.load_schedule()
    page = client.get("/help/fees?lang=en").text
    with session_scope(app.state.sessionmaker) as db:
        quoted = quote(db, people.customer.id, "bank_card", "withdrawal", 200_000, "cross_border")
    described = help_fees.describe_rule(quoted.rule, schedule, Translator("en"))
    assert described == "1%, minimum 30 CNY" and described in page
    assert quoted.fee_minor == 3_000  # the minimum the page states
    api = client.get("/api/v1/help/fees?lang=en").json()
    assert {r["id"] for r in api["rules"]} == {r.id for r in schedule.rules}


def test_limits_come_from_the_same_file():
    table = limits.limit_table()
    assert table["unverified"].single_minor == 100_000 and not table["unverified"].withdrawals
    assert (table["basic"].single_minor, table["basic"].daily_minor) == (5_000_000, 10_000_000)
    assert table["advanced"].daily_minor == 50_000_000


def test_fee_quote_api(client, app, people):
    with session_scope(app.state.sessionmaker) as db:
        db.execute(update(User).where(User.id == people.customer.id).values(kyc_level="basic"))
    headers = bearer(client, people.customer)
    body = client.get(
        "/api/v1/wallet/fee-quote",
        params={"method": "credit_card", "direction": "deposit", "amount": "1000"},
        headers=headers,
    ).json()
    assert (body["fee"], body["fee_minor"], body["rule"]) == ("25.00", 2_500, "deposit-credit-card")
    bad = client.get(
        "/api/v1/wallet/fee-quote",
        params={"method": "credit_card", "direction": "deposit", "amount": "1.001"},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "amount"
