"""The scam shield hides what a customer must never share, and nothing else."""

from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from mnemonic import Mnemonic

from walletdesk.helpcenter.content import read_articles
from walletdesk.safety.redaction import redact

BANKING77 = Path(__file__).resolve().parents[3] / "shared" / "data" / "banking77" / "train.csv"


def kinds(text: str) -> list[str]:
    return [f.kind for f in redact(text).findings]


def test_english_recovery_phrase_with_valid_checksum_is_hidden():
    phrase = Mnemonic("english").generate(strength=128)
    result = redact(f"support told me to send my words: {phrase} is that ok?")
    assert phrase not in result.text
    assert phrase.split()[5] not in result.text
    assert "recovery phrase hidden" in result.text
    assert kinds(result.text) == []  # the marker itself is not a secret


def test_numbered_and_chinese_recovery_phrases_are_hidden():
    words = Mnemonic("english").generate(strength=256).split()
    numbered = " ".join(f"{i}. {w}" for i, w in enumerate(words, 1))
    assert kinds(f"my seed phrase: {numbered}") == ["recovery_phrase"]
    chinese = Mnemonic("chinese_simplified").generate(strength=128)
    result = redact(f"我的助记词是 {chinese} 请帮我找回")
    assert chinese not in result.text and "助记词已隐藏" in result.text


def test_short_word_run_needs_context():
    words = Mnemonic("english").generate(strength=128).split()[:9]
    assert kinds(" ".join(words)) == []
    assert kinds("recovery phrase " + " ".join(words)) == ["recovery_phrase"]


def test_card_numbers_keep_only_the_last_four_digits():
    result = redact("扣款卡号 6222 0202 0000 0000 006，cvv 123")  # Luhn-valid, UnionPay-shaped
    assert "6222 0202" not in result.text
    assert "****0006" in result.text
    assert "123" not in result.text
    assert kinds("card 4111-1111-1111-1112") == []  # fails the Luhn check: not a card


def test_one_time_codes_are_hidden_only_when_called_codes():
    assert (
        redact("验证码是 482913，请尽快处理").text
        == "验证码是 [验证码已隐藏 | one-time code hidden]，请尽快处理"
    )
    assert kinds("my OTP code 092211") == ["otp"]
    assert kinds("充值 100000 元没到账") == []
    assert kinds("验证码发到 400-820-6688 了吗") == []


def test_private_keys_are_hidden_but_transaction_hashes_are_kept():
    key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    assert kinds(f"here is my key {key}") == ["private_key"]
    assert kinds(f"充值的交易哈希 {key} 一直没到账") == []
    bip32_test_vector = (
        "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stVPy6cq3jPPqjiChkVvvNKmPGJx"
        "WUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
    )
    assert kinds(f"wallet export: {bip32_test_vector}") == ["private_key"]


def test_passwords_and_id_numbers():
    result = redact("我的密码是 Abc12345! 身份证 11010519491231002X")
    assert "Abc12345" not in result.text and "11010519491231002X" not in result.text
    assert kinds("I forgot my password, can you help?") == []


def test_offsets_point_into_the_input():
    text = "请帮忙 验证码 551234 和卡号 4111 1111 1111 1111"
    for finding in redact(text).findings:
        assert text[finding.start : finding.end] in {"551234", "4111 1111 1111 1111"}


def test_help_articles_pass_unchanged():
    for article in read_articles():
        text = f"{article.title}\n{article.summary}\n{article.body}"
        assert redact(text).text == text, (article.slug, article.lang)


def test_real_customer_queries_pass_unchanged():
    with BANKING77.open(encoding="utf-8") as fh:
        queries = [row["text"] for row in csv.DictReader(fh)]
    changed = [q for q in queries if redact(q).findings]
    assert len(queries) > 10_000 - 10
    assert changed == []


def _luhn_complete(prefix: str) -> str:
    for check in "0123456789":
        digits = prefix + check
        total = 0
        for i, c in enumerate(reversed(digits)):
            v = int(c) * (2 if i % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            return digits
    raise AssertionError


@settings(max_examples=60, deadline=None)
@given(
    prefix=st.from_regex(r"4[0-9]{14}", fullmatch=True),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_any_card_number_in_any_text_is_hidden(prefix, before, after):
    card = _luhn_complete(prefix)
    result = redact(f"{before} {card} {after}")
    assert card not in result.text


def test_api_redacts_for_integrators(client):
    response = client.post(
        "/api/v1/safety/redact", json={"text": "code 123456 is my verification code"}
    )
    body = response.json()
    assert response.status_code == 200
    assert "123456" not in body["text"]
    assert body["findings"] == [{"kind": "otp", "start": 5, "end": 11}]
