"""Is it really WalletDesk? The official-channel checker, in every format people paste."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from walletdesk.db import session_scope
from walletdesk.helpcenter import channels, service

README = Path(service.__file__).parent / "content" / "README.md"

OFFICIAL = [
    "400-820-6688",
    "4008206688",
    "400 820 6688",
    "+86 400 820 6688",
    "+86-400-820-6688",
    "tel:4008206688",
    "４００８２０６６８８",
    "+86 21 6288 6688",
    "021-62886688",
    "(021) 6288 6688",
    "0086 21 6288 6688",
    "+862162886688",
    "https://www.walletdesk.com",
    "http://walletdesk.com/",
    "WWW.WALLETDESK.COM",
    "walletdesk.com/help/withdraw?ref=sms",
    "https://help.walletdesk.com/fees",
    "help.walletdesk.com/",
    "support@walletdesk.com",
    "Support@WalletDesk.com",
    "mailto:security@walletdesk.com",
    "WalletDesk <complaints@walletdesk.com>",
    "@WalletDeskSupport",
    "walletdesksupport",
    "https://t.me/WalletDeskSupport",
    "WalletDesk钱包服务",
    "@WalletDesk官方",
    "WalletDesk",
]

LOOK_ALIKES = [
    "walletdesk.com.cn-help.top",
    "https://walletdesk.com.cn-help.top/login",
    "wallet-desk.com",
    "walletdesk.co",
    "https://walletdesk.com.evil.top/",
    "http://www.walletdesk.com.evil.top",
    "evilwalletdesk.com",
    "https://www.walletdesk.com@evil.top/",
    "https://evil.top\\@www.walletdesk.com",
    "wаlletdesk.com",  # Cyrillic а
    "support@walletdesk.co",
    "support@wallet-desk.com",
    "walletdesk.support@gmail.com",
    "@WalletDesk_Support",
    "@WalletDeskSupport1",
    "WalletDesk客服中心",
    "400-820-6689",
    "+86 138-0013-8000",
]


@pytest.fixture
def kb(app) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return service.load_knowledge_base(db)


def check(client, value: str, lang: str = "en"):
    response = client.get(
        "/api/v1/help/official-channels/check", params={"value": value, "lang": lang}
    )
    assert response.status_code == 200, (value, response.text)
    return response.json()


def test_same_number_in_every_format_normalises_alike():
    assert channels.phone_key("+86 138-0013-8000") == channels.phone_key("13800138000")
    assert channels.phone_key("400-820-6688") == channels.phone_key("4008206688")
    assert channels.phone_key("+86 400 820 6688") == "+864008206688"
    assert channels.phone_key("800-820-6688") == "+868008206688"
    assert channels.host_of("HTTPS://WWW.WalletDesk.com./a/b?c#d") == "walletdesk.com"
    assert channels.host_of("https://walletdesk.com@evil.top/") == "evil.top"
    assert channels.handle_key("@WalletDeskSupport") == channels.handle_key("walletdesksupport")
    assert channels.email_key("Mailto:Support@WalletDesk.COM") == "support@walletdesk.com"
    assert not channels.website_matches("walletdesk.com.evil.top", "walletdesk.com")
    assert channels.website_matches("help.walletdesk.com", "walletdesk.com")


@pytest.mark.parametrize("value", OFFICIAL)
def test_official_in_any_format(client, kb, value):
    body = check(client, value)
    assert body["official"] is True, value
    assert body["channel"]["kind"] in {"phone", "website", "email", "social", "app"}
    assert "never ask" in body["advice"]


def test_look_alikes_and_unknowns_are_not_official(client, kb):
    for value in LOOK_ALIKES:
        body = check(client, value)
        assert body["official"] is False, value
        assert body["channel"] is None


def test_not_official_comes_with_advice_in_the_callers_language(client, kb):
    english = check(client, "+86 171 0000 1234", lang="en")
    assert english["official"] is False
    assert "Hang up" in english["advice"]
    assert "recovery phrase" in english["advice"]
    assert "/help/articles/verify-official-channel" in english["advice"]
    chinese = check(client, "+86 171 0000 1234", lang="zh")
    assert "挂断" in chinese["advice"] and "助记词" in chinese["advice"]
    assert "/help/articles/verify-official-channel" in chinese["advice"]
    by_header = client.get(
        "/api/v1/help/official-channels/check",
        params={"value": "wallet-desk.com"},
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    ).json()
    assert "不是" in by_header["advice"]


def test_official_phone_advice_warns_that_caller_id_can_be_faked(client, kb):
    body = check(client, "400-820-6688", lang="en")
    assert body["channel"] == {
        "kind": "phone",
        "value": "400-820-6688",
        "label": "Customer service hotline (mainland China)",
        "region": "CN",
        "notes": (
            "Every day 09:00–21:00 Beijing time; at other times, open a case in the support portal."
        ),
    }
    assert "call this number back yourself" in body["advice"]


def test_empty_value_is_a_validation_error(client, kb):
    response = client.get("/api/v1/help/official-channels/check", params={"value": "  "})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "value"
    assert client.get("/api/v1/help/official-channels/check").status_code == 422


def test_registry_lists_every_kind(client, kb):
    listed = client.get("/api/v1/help/official-channels?lang=en").json()
    assert {c["kind"] for c in listed} == {"phone", "website", "email", "social", "app"}
    assert {"kind", "value", "label"} <= set(listed[0])
    assert any(c["value"] == "support@walletdesk.com" for c in listed)


def test_every_contact_in_the_facts_table_is_official(client, kb):
    facts = README.read_text("utf-8")
    emails = set(re.findall(r"[a-z]+@walletdesk\.com", facts))
    phones = {"400-820-6688", "+86 21 6288 6688"}
    handles = set(re.findall(r"@WalletDesk\w+", facts))
    assert len(emails) == 3 and phones <= set(re.findall(r"[+\d][\d -]{9,}\d", facts))
    for value in emails | phones | handles | {"https://help.walletdesk.com"}:
        assert check(client, value)["official"] is True, value


def test_checker_page_answers_without_javascript(client, kb):
    page = client.get("/help/official-channels", params={"value": "wallet-desk.com", "lang": "en"})
    assert page.status_code == 200
    assert "Not an official WalletDesk channel" in page.text
    assert 'href="/help/articles/verify-official-channel"' in page.text
    assert 'value="wallet-desk.com"' in page.text
    ok = client.get("/help/official-channels", params={"value": "+86 400 820 6688", "lang": "zh"})
    assert "官方渠道：客服热线（中国大陆）" in ok.text
    listing = client.get("/help/official-channels?lang=en").text
    assert "support@walletdesk.com" in listing and "@WalletDeskSupport" in listing
    assert "Not an official" not in listing


WHY = [
    ("wallet-desk.com", "lookalike_domain", "walletdesk.com", "imitates our domain walletdesk.com"),
    ("wаlletdesk.com", "lookalike_domain", "walletdesk.com", "xn--"),  # Cyrillic а
    ("evilwalletdesk.com", "lookalike_domain", "walletdesk.com", "evilwalletdesk.com"),
    (
        "https://walletdesk.com.evil.top/",
        "subdomain_trick",
        "walletdesk.com",
        "really opens is walletdesk.com.evil.top",
    ),
    (
        "https://www.walletdesk.com@evil.top/",
        "disguised_link",
        "walletdesk.com",
        "really opens evil.top",
    ),
    ("https://evil.top", "unknown_website", "walletdesk.com", "end in walletdesk.com"),
    ("support@walletdesk.co", "lookalike_email", "walletdesk.com", "comes from walletdesk.co"),
    (
        "walletdesk.support@gmail.com",
        "free_email",
        "walletdesk.com",
        "free mail service (gmail.com)",
    ),
    ("nobody@walletdesk.com", "unknown_email", "walletdesk.com", "@walletdesk.com"),
    ("400-820-6689", "lookalike_number", "400-820-6688", "our number 400-820-6688"),
    ("+86 171 0000 1234", "unknown_number", None, "not one of our phone numbers"),
    (
        "@WalletDesk_Support",
        "lookalike_handle",
        "@WalletDeskSupport",
        "imitates our account @WalletDeskSupport",
    ),
    ("@some_random_person", "unknown_handle", None, "not one of our accounts"),
]


@pytest.mark.parametrize(("value", "reason", "resembles", "said"), WHY)
def test_not_official_says_why(client, kb, value, reason, resembles, said):
    body = check(client, value)
    assert body["official"] is False
    assert (body["reason"], body["resembles"]) == (reason, resembles)
    assert said in body["advice"]
    assert set(body) == {"official", "channel", "advice", "reason", "resembles"}


def test_the_reason_is_in_the_callers_language_and_on_the_page(client, kb):
    chinese = check(client, "wallet-desk.com", lang="zh")
    assert "这个地址在模仿我们的域名 walletdesk.com" in chinese["advice"]
    assert check(client, "400-820-6688")["reason"] == "official"
    page = client.get("/help/official-channels", params={"value": "400-820-6689", "lang": "en"})
    assert 'data-reason="lookalike_number"' in page.text
    assert "one or two digits away from our number 400-820-6688" in page.text
    zh_page = client.get(
        "/help/official-channels", params={"value": "walletdesk.com.evil.top", "lang": "zh"}
    )
    assert "实际打开的网站是 walletdesk.com.evil.top" in zh_page.text


def test_numbers_and_addresses_on_the_channels_page_are_links(client, kb):
    page = client.get("/help/official-channels?lang=en").text
    assert '<a href="tel:+864008206688">400-820-6688</a>' in page
    assert '<a href="tel:+862162886688">+86 21 6288 6688</a>' in page
    assert '<a href="mailto:support@walletdesk.com">support@walletdesk.com</a>' in page
    assert '<a href="mailto:security@walletdesk.com">security@walletdesk.com</a>' in page
    checked = client.get("/help/official-channels", params={"value": "4008206688"}).text
    assert '<a href="tel:+864008206688">400-820-6688</a>' in checked


def test_channel_labels_are_whole(client, kb):
    page = client.get("/help/official-channels?lang=en").text
    assert "Security email (stolen accounts, fraud)" in page
    for channel in client.get("/api/v1/help/official-channels?lang=en").json():
        label = channel["label"]
        assert label.count("(") == label.count(")"), label
