"""Binding cards (Luhn-checked, stored masked: the full number is nowhere in the database) and
the deposit, withdraw and methods pages in Chinese and English."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData, select

from tests.conftest import bearer, csrf_of, sign_in
from tests.payments.conftest import available, tx_status, wait_for
from walletdesk.payments.methods import mask_card
from walletdesk.safety.service import luhn_valid

CARD = "6222021234567890128"


def test_luhn_and_mask():
    assert luhn_valid(CARD) and not luhn_valid("6222021234567890127")
    assert mask_card(CARD) == "622202*********0128"


def _bind(client, number: str, kind: str = "bank_card"):
    return client.post(
        "/wallet/methods?lang=en",
        data={"csrf_token": csrf_of(client), "kind": kind, "number": number, "bank_name": "ICBC"},
    )


def test_card_is_stored_masked_and_can_be_unbound(app, client, people, sandbox, live):
    sign_in(client, people.customer)
    assert _bind(client, "6222 0212 3456 7890 128").status_code == 200  # after the redirect
    page = client.get("/wallet/methods?lang=en")
    assert "622202*********0128" in page.text
    assert CARD not in page.text
    engine = app.state.engine
    meta = MetaData()
    meta.reflect(bind=engine)
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                assert CARD not in repr(tuple(row)), table.name
    method_id = client.get("/api/v1/payments/methods").json()[0]["id"]
    client.post(f"/wallet/methods/{method_id}/unbind", data={"csrf_token": csrf_of(client)})
    assert "622202*********0128" not in client.get("/wallet/methods?lang=en").text


def test_invalid_card_number_is_refused_next_to_the_field(app, client, people, sandbox, live):
    sign_in(client, people.customer)
    response = _bind(client, "6222021234567890127")
    assert response.status_code == 422
    assert 'data-field="number">This card number is not valid.' in response.text
    assert "6222021234567890127" not in response.text  # not echoed back


def test_another_customers_method_cannot_be_unbound(app, client, people, sandbox, live):
    sign_in(client, people.customer)
    _bind(client, CARD)
    method_id = client.get("/api/v1/payments/methods").json()[0]["id"]
    sign_in(client, people.other_customer)
    response = client.post(
        f"/wallet/methods/{method_id}/unbind", data={"csrf_token": csrf_of(client)}
    )
    assert response.status_code == 404
    sign_in(client, people.customer)
    assert len(client.get("/api/v1/payments/methods").json()) == 1


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ["充值", "手续费", "支付"]),
        ("en", ["Deposit", "Fee", "Pay"]),
    ],
)
def test_deposit_page_shows_the_fee_then_pays(app, client, people, sandbox, live, lang, words):
    sign_in(client, people.customer)
    _bind(client, CARD)
    method_id = client.get("/api/v1/payments/methods").json()[0]["id"]
    page = client.get(f"/wallet/deposit?lang={lang}")
    assert page.status_code == 200 and words[0] in page.text
    form = {"csrf_token": csrf_of(client), "method": "bank_card", "amount": "88.00"}
    form["payment_method_id"] = str(method_id)
    preview = client.post(f"/wallet/deposit?lang={lang}", data=form)
    assert preview.status_code == 200
    assert words[1] in preview.text and "0.00 CNY" in preview.text and words[2] in preview.text
    assert available(app, people.customer) == 0  # nothing happens before confirming
    done = client.post(
        f"/wallet/deposit?lang={lang}", data={**form, "confirm": "1"}, follow_redirects=False
    )
    assert done.status_code == 303
    status_url = done.headers["location"]
    wait_for(lambda: available(app, people.customer) == 8800)
    page = client.get(status_url)
    assert page.status_code == 200 and "88.00 CNY" in page.text


def test_the_bound_card_is_chosen_and_other_methods_ignore_it(app, client, people, sandbox, live):
    sign_in(client, people.customer)
    _bind(client, CARD)
    method_id = client.get("/api/v1/payments/methods").json()[0]["id"]
    page = client.get("/wallet/deposit?lang=en").text
    assert f'<option value="{method_id}" selected>' in page
    # The form sends the card along when the customer picks the payment app instead.
    form = {
        "csrf_token": csrf_of(client),
        "method": "payment_app",
        "payment_method_id": str(method_id),
        "amount": "20.00",
        "confirm": "1",
    }
    done = client.post("/wallet/deposit?lang=en", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    public_id = done.headers["location"].rsplit("/", 1)[1]
    wait_for(lambda: tx_status(app, public_id) == "succeeded")
    assert available(app, people.customer) == 2000 - 12  # the payment app's 0.6% fee


def test_bad_amount_keeps_the_input(app, client, people, sandbox, live):
    sign_in(client, people.customer)
    response = client.post(
        "/wallet/deposit?lang=en",
        data={"csrf_token": csrf_of(client), "method": "payment_app", "amount": "12.345"},
    )
    assert response.status_code == 422
    assert 'value="12.345"' in response.text
    assert "CNY amounts have at most 2 decimal places." in response.text


def test_a_decimal_comma_is_refused_and_full_width_digits_are_shown_back(
    app, client, people, sandbox, live
):
    """Issue 8: "100,50" was read as 10,050.00 CNY; "1,0,0" as 100."""
    sign_in(client, people.customer)
    form = {"csrf_token": csrf_of(client), "method": "payment_app"}
    comma = client.post("/wallet/deposit?lang=en", data={**form, "amount": "100,50"})
    assert comma.status_code == 422
    assert "Use a dot for decimals in the amount: 100.50, not 100,50." in comma.text
    scattered = client.post("/wallet/deposit?lang=en", data={**form, "amount": "1,0,0"})
    assert scattered.status_code == 422 and "only separate thousands" in scattered.text
    wide = client.post("/wallet/deposit?lang=en", data={**form, "amount": "１，０００．５"})
    assert wide.status_code == 200, wide.text
    assert 'value="1,000.5"' in wide.text and "1000.50 CNY" in wide.text
    assert available(app, people.customer) == 0


@pytest.mark.parametrize("amount", ["1E+100", "9" * 30, "1e999999", "NaN", "Infinity", "100,50"])
def test_the_payments_api_refuses_amounts_it_could_misread_with_a_422(app, client, people, amount):
    headers = bearer(client, people.customer)
    for path, body in (
        ("/api/v1/payments/deposits", {"method": "payment_app"}),
        ("/api/v1/payments/withdrawals", {"payment_method_id": 1}),
    ):
        response = client.post(
            path, json={**body, "amount": amount, "currency": "CNY"}, headers=headers
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == "amount"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_withdraw_and_methods_pages_render(app, client, people, sandbox, live, lang):
    sign_in(client, people.customer)
    withdraw = client.get(f"/wallet/withdraw?lang={lang}")
    assert withdraw.status_code == 200
    expected = "请先完成实名认证" if lang == "zh" else "Verify your identity before withdrawing."
    assert expected in withdraw.text
    methods = client.get(f"/wallet/methods?lang={lang}")
    assert ("支付方式" if lang == "zh" else "Payment methods") in methods.text


def test_crypto_deposit_address_is_stable(app, client, people, sandbox, live):
    sign_in(client, people.customer)
    first = client.get("/wallet/deposit?lang=en").text
    second = client.get("/wallet/deposit?lang=en").text
    start = first.index('class="address">') + len('class="address">')
    address = first[start : first.index("<", start)]
    assert address.startswith("T") and len(address) == 34
    assert address in second
    sign_in(client, people.other_customer)
    assert address not in client.get("/wallet/deposit?lang=en").text
