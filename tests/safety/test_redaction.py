"""The scam shield hides what a customer must never share, and nothing else."""

from __future__ import annotations

import csv
import random
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
    assert "[recovery phrase hidden]" in result.text
    assert kinds(result.text) == []  # the marker itself is not a secret


def test_numbered_and_chinese_recovery_phrases_are_hidden():
    words = Mnemonic("english").generate(strength=256).split()
    numbered = " ".join(f"{i}. {w}" for i, w in enumerate(words, 1))
    assert kinds(f"my seed phrase: {numbered}") == ["recovery_phrase"]
    chinese = Mnemonic("chinese_simplified").generate(strength=128)
    result = redact(f"我的助记词是 {chinese} 请帮我找回")
    assert chinese not in result.text and "[助记词已隐藏]" in result.text


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
    assert redact("验证码是 482913，请尽快处理").text == "验证码是 [验证码已隐藏]，请尽快处理"
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


def test_chinese_recovery_phrase_without_spaces_followed_by_text_is_hidden():
    rng = random.Random(8)
    for language in ("chinese_simplified", "chinese_traditional"):
        for size in (16, 20, 24, 32, 16, 16):
            words = Mnemonic(language).to_mnemonic(rng.randbytes(size)).split()
            phrase = "".join(words)
            text = f"我的助记词是{phrase}请帮我找回资产"
            result = redact(text)
            assert [f.kind for f in result.findings] == ["recovery_phrase"]
            start = text.index(phrase)
            found = result.findings[0]
            assert found.start <= start and found.end >= start + len(phrase), result.text
            # No word "助记词" needed: the characters themselves give it away.
            assert phrase not in redact(f"{phrase}这是客服让我发的").text


def test_chinese_prose_made_of_common_characters_is_kept():
    # Every character here is in the BIP-39 Chinese list.
    prose = "我的钱包里的钱不见了请帮我查一下是不是有人盗了我的账户我昨天还能正常登录的"
    assert kinds(prose) == []


def test_six_digits_inside_a_transaction_hash_or_our_id_are_not_a_code():
    tx_hash = "0x5f3a9c1d882930eab123456cdef0987654321fedcba9876543210abcdef12345"
    assert kinds(f"TxHash: {tx_hash} 显示成功，验证码也输入了") == []
    assert kinds(f"deposit {tx_hash[2:]} still missing, I entered the code") == []
    assert kinds("交易号 W2612041530123456 验证码输入后还是失败") == []
    assert kinds("refund for T2612041530AB1234 please, verification code was fine") == []
    assert kinds("code:123456") == ["otp"]


def test_markers_are_in_one_language_the_authors_or_the_one_asked_for():
    assert redact("my OTP code 092211").text == "my OTP code [one-time code hidden]"
    assert redact("验证码 092211").text == "验证码 [验证码已隐藏]"
    assert redact("my OTP code 092211", lang="zh").text == "my OTP code [验证码已隐藏]"
    card = redact("card 4111 1111 1111 1111 please", lang="en").text
    assert card == "card [card number hidden ****1111] please"
    assert "|" not in redact("身份证 11010519491231002X").text


def test_api_markers_follow_the_requested_language(client):
    body = client.post("/api/v1/safety/redact", json={"text": "验证码 482913", "lang": "en"}).json()
    assert body["text"] == "验证码 [one-time code hidden]"
    assert body["findings"] == [{"kind": "otp", "start": 4, "end": 10}]
    chinese = client.post("/api/v1/safety/redact", json={"text": "验证码 482913"}).json()
    assert chinese["text"] == "验证码 [验证码已隐藏]"


def test_more_ways_of_writing_a_phrase_and_a_card():
    rng = random.Random(77)
    chinese = Mnemonic("chinese_simplified").to_mnemonic(rng.randbytes(16)).split()
    english = Mnemonic("english").to_mnemonic(rng.randbytes(16)).split()
    assert kinds("|".join(chinese)) == ["recovery_phrase"]
    assert kinds(" / ".join(english)) == ["recovery_phrase"]
    # Eleven characters (one forgotten, so no checksum) right after 助记词.
    assert kinds("助记词 " + "".join(chinese[:11]) + " 最后一个忘了") == ["recovery_phrase"]
    assert kinds("卡号４１１１１１１１１１１１１１１１") == ["card_number"]  # full-width digits


def test_questions_about_recovery_phrases_are_kept():
    for question in (
        "我的助记词丢了怎么办，能不能帮我找回来",
        "助记词是什么意思，为什么客服不能问我要助记词",
        "刚才有人冒充客服要我的助记词和私钥，还让我下载远程软件",
        "助记词被别人知道了，资产会不会被转走，现在该怎么保护",
    ):
        assert kinds(question) == [], question
