"""Opening a case from the portal: category first, its own questions, errors that name the
field in the customer's language with the input kept, money in minor units, CSRF, and
help-center suggestions before submitting."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.cases.conftest import REQUIRED, case_form, case_id_of, submit_case
from tests.cases.test_customer_panel import _fail, declined_deposit
from tests.conftest import csrf_of, sign_in
from walletdesk.cases.categories import CATEGORIES, FIELDS
from walletdesk.db import session_scope
from walletdesk.errors import ValidationFailed
from walletdesk.money import parse_amount
from walletdesk.wallet.transactions import WalletTransaction


def _field_box(html: str, name: str) -> str:
    match = re.search(rf'<div class="case-field" data-field="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def test_choosing_a_category_is_the_first_step(client, people):
    sign_in(client, people.customer)
    first = client.get("/portal/cases/new?lang=en")
    assert first.status_code == 200
    assert 'href="/portal/cases/new?category=deposit_withdrawal"' in first.text
    assert 'name="subject"' not in first.text

    form = client.get("/portal/cases/new?category=deposit_withdrawal&lang=en")
    assert "hidden" not in _field_box(form.text, "transaction_id")
    assert "hidden" not in _field_box(form.text, "amount")
    assert "hidden" in _field_box(form.text, "error_message")
    # The description is guided: what happened, when, and the result.
    assert "What happened?" in form.text and "What was the result?" in form.text
    assert "the bank took the money" in form.text  # the category's example as placeholder

    technical = client.get("/portal/cases/new?category=technical&lang=zh")
    assert "hidden" not in _field_box(technical.text, "error_message")
    assert "hidden" in _field_box(technical.text, "transaction_id")
    assert "发生了什么？" in technical.text
    assert client.get("/portal/cases/new?category=nonsense&lang=en").text.count(
        "Choose a category."
    )


def _input_value(html: str, name: str) -> str:
    match = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def test_a_case_about_a_transaction_starts_with_what_support_needs(app, client, people):
    declined = declined_deposit(app, people.customer)
    _fail(app, declined, "card_declined")
    sign_in(client, people.customer)
    page = client.get(f"/wallet/transactions/{declined}?lang=en").text
    assert f'href="/portal/cases/new?transaction={declined}"' in page
    form = client.get(f"/portal/cases/new?transaction={declined}&lang=en").text
    assert 'name="category" value="deposit_withdrawal"' in form
    assert _input_value(form, "subject") == f"Deposit {declined} of 500.00 CNY: Failed"
    assert _input_value(form, "transaction_id") == declined
    assert _input_value(form, "amount") == "500.00"
    with session_scope(app.state.sessionmaker) as db:
        created = db.scalar(
            select(WalletTransaction.created_at).where(WalletTransaction.public_id == declined)
        )
    local = created.astimezone(ZoneInfo("Asia/Shanghai"))
    assert _input_value(form, "occurred_at") == f"{local:%Y-%m-%dT%H:%M}"
    # Once opened, the case links back to the transaction.
    sent = client.post(
        "/portal/cases/new?lang=en",
        data={
            "csrf_token": csrf_of(client),
            "category": "deposit_withdrawal",
            "subject": _input_value(form, "subject"),
            "description": "The bank said no, but I have money on the card.",
            "occurred_at": _input_value(form, "occurred_at"),
            "amount": "500.00",
            "currency": "CNY",
            "transaction_id": declined,
        },
        follow_redirects=True,
    ).text
    assert f'href="/wallet/transactions/{declined}"' in sent
    # Someone else's transaction is not found, and says nothing about it.
    theirs = declined_deposit(app, people.other_customer)
    assert client.get(f"/portal/cases/new?transaction={theirs}").status_code == 404


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_each_category_opens_with_its_required_information(client, people, category):
    sign_in(client, people.customer)
    response = submit_case(client, category)
    case_id = case_id_of(response)
    page = client.get(f"/portal/cases/{case_id}?lang=en")
    assert page.status_code == 200
    assert f"WD-{case_id:06d}" in page.text
    assert "充值 500 元未到账" in page.text
    for name in CATEGORIES[category].required:
        assert FIELDS[name].label in page.text  # the detail is shown back, labelled


def test_every_missing_required_field_is_named(client, people):
    sign_in(client, people.customer)
    for key, category in CATEGORIES.items():
        for name in category.required:
            response = submit_case(client, key, **{name: ""})
            assert response.status_code == 422, (key, name)
            assert FIELDS[name].missing in response.text, (key, name)
    assert client.get("/portal").text.count("/portal/cases/") == 1  # only the "open" link


def test_errors_are_in_the_users_language_and_keep_the_input(client, people):
    sign_in(client, people.customer)
    english = submit_case(client, transaction_id="", subject="Deposit gone", lang="en")
    assert english.status_code == 422
    assert 'id="error-transaction_id"' in english.text
    assert "Enter the transaction ID, or the bank or card the money left" in english.text
    assert 'value="Deposit gone"' in english.text and 'value="500"' in english.text

    chinese = submit_case(client, transaction_id="", amount="", lang="zh")
    assert "请输入交易编号，或扣款的银行或银行卡" in chinese.text
    assert "请输入金额。" in chinese.text
    assert "发生了什么：银行卡已扣款" in chinese.text  # description kept


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "100,50"}, "Use a dot for decimals in the amount: 100.50, not 100,50."),
        ({"amount": "1,0,0"}, "A comma in the amount may only separate thousands, e.g. 1,000.50."),
        ({"amount": "١٠٠"}, "Type the amount with the digits 0 to 9."),
        ({"amount": "1E+100"}, "Enter the amount as a number, e.g. 100.50."),
        ({"amount": "9" * 30}, "This amount is too large."),
        ({"amount": "1.234"}, "CNY amounts have at most 2 decimal places."),
        ({"amount": "0"}, "The amount must be greater than zero."),
        ({"currency": "EUR"}, "Choose a currency."),
        ({"occurred_at": "2999-01-01T10:00"}, "The transaction time cannot be in the future."),
        ({"occurred_at": "yesterday"}, "Enter the date and time as YYYY-MM-DD HH:MM."),
        ({"transaction_id": "#!"}, "A transaction ID has 4 to 64 letters, digits, - or _."),
        ({"description": "help"}, "Describe what happened in at least 10 characters."),
    ],
)
def test_wrong_answers_are_explained(client, people, fields, message):
    sign_in(client, people.customer)
    response = submit_case(client, **fields)
    assert response.status_code == 422
    assert message in response.text


def test_a_wrong_phone_is_named_on_the_phone_field(client, people):
    sign_in(client, people.customer)
    response = submit_case(client, "account", registered_phone="12")
    assert response.status_code == 422
    assert 'id="error-registered_phone"' in response.text
    assert "Enter a valid phone number." in response.text


def test_amount_parsing():
    assert parse_amount("1,234.5", "CNY") == 123450
    assert parse_amount("¥ 88", "CNY") == 8800
    assert parse_amount("１００．５", "USD") == 10050  # full-width digits from a Chinese IME
    assert parse_amount("0.000001", "USDT") == 1
    assert parse_amount("12.3456780", "USDT") == 12345678
    for text, currency in [("12,34", "CNY"), ("1e3", "CNY"), ("-5", "CNY"), ("0.001", "USD")]:
        with pytest.raises(ValidationFailed) as error:
            parse_amount(text, currency)
        assert error.value.field == "amount"
    with pytest.raises(ValidationFailed) as error:
        parse_amount("5", "BTC")
    assert error.value.field == "currency"


def test_amounts_are_stored_as_minor_units_with_their_currency(client, people):
    sign_in(client, people.customer)
    usdt = case_id_of(submit_case(client, amount="12.345678", currency="USDT"))
    cny = case_id_of(
        submit_case(client, amount="1,234.5", currency="CNY", transaction_id="DP20240601143099")
    )
    got = client.get(f"/api/v1/cases/{usdt}").json()
    assert (got["amount_minor"], got["currency"]) == (12345678, "USDT")
    got = client.get(f"/api/v1/cases/{cny}").json()
    assert (got["amount_minor"], got["currency"], got["amount"]) == (123450, "CNY", "1,234.50 CNY")
    # Times typed in local (Beijing) time are stored in UTC.
    assert got["details"]["occurred_at"] == "2024-06-01T06:30:00+00:00"


def test_portal_forms_require_the_csrf_token(client, people):
    sign_in(client, people.customer)
    data = case_form(client)
    del data["csrf_token"]
    assert client.post("/portal/cases/new", data=data).status_code == 403
    case_id = case_id_of(submit_case(client))
    refused = client.post(f"/portal/cases/{case_id}/reply", data={"body": "still waiting"})
    assert refused.status_code == 403
    assert "still waiting" not in client.get(f"/portal/cases/{case_id}").text


def test_the_preview_step_suggests_articles_before_submitting(app, client, people):
    from walletdesk.db import session_scope
    from walletdesk.helpcenter import service as helpcenter

    with session_scope(app.state.sessionmaker) as db:
        helpcenter.load_knowledge_base(db)
    sign_in(client, people.customer)
    preview = submit_case(
        client,
        subject="充值未到账",
        description="我用银行卡充值，银行已经扣款，但是钱包余额一直没有到账。",
        suggest="1",
        lang="zh",
    )
    assert preview.status_code == 200
    assert "仍然提交" in preview.text  # "Submit anyway"
    assert re.search(r'href="/help/articles/[a-z0-9-]+"', preview.text)
    assert "/portal/cases/" not in client.get("/portal").text.replace("/portal/cases/new", "")
    submitted = submit_case(client, subject="充值未到账")
    assert case_id_of(submitted)


def test_the_preview_step_checks_the_form_first(client, people):
    sign_in(client, people.customer)
    response = submit_case(client, amount="", suggest="1")
    assert response.status_code == 422
    assert "Enter the amount." in response.text
    assert "Submit anyway" not in response.text


def test_customer_home_lists_their_cases(client, people):
    sign_in(client, people.customer)
    empty = client.get("/portal?lang=en")
    assert "You have no cases yet." in empty.text
    assert 'href="/portal/cases/new"' in empty.text
    case_id = case_id_of(submit_case(client, "technical", subject="App crashes on transfer"))
    home = client.get("/portal?lang=en")
    assert f"WD-{case_id:06d}" in home.text and "App crashes on transfer" in home.text
    assert "Received" in home.text  # the customer's word for a new case


def test_required_fields_of_each_category_are_defined_once():
    # The test data mirrors the definition; a new category without answers here fails loudly.
    assert set(REQUIRED) == set(CATEGORIES)
    for key, category in CATEGORIES.items():
        assert category.required <= set(category.fields), key
        assert set(category.fields) <= set(FIELDS), key


def test_a_bank_debit_without_a_wallet_record_opens_a_case_without_a_transaction_id(client, people):
    """The help article sends customers whose bank was debited but whose wallet shows nothing
    here: they have no transaction ID, so the bank or card and the bank's time and amount do."""
    sign_in(client, people.customer)
    form = client.get("/portal/cases/new?category=deposit_withdrawal&lang=en")
    assert "hidden" not in _field_box(form.text, "bank_account")
    assert "Bank or card" in form.text

    neither = submit_case(client, transaction_id="", lang="en")
    assert neither.status_code == 422
    assert "or the bank or card the money left" in neither.text

    created = submit_case(client, transaction_id="", bank_account="ICBC card ending 1234")
    assert created.status_code == 303, created.text
    page = client.get(created.headers["location"] + "?lang=en")
    assert "ICBC card ending 1234" in page.text and "500.00 CNY" in page.text
