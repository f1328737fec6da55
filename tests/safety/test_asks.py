"""Staff messages that ask a customer for a secret are found; warnings that name one are not."""

from __future__ import annotations

import pytest

from walletdesk.safety.asks import secret_asked


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Please send me your recovery phrase so I can check.", "recovery_phrase"),
        ("What are the 12 words of your wallet?", "recovery_phrase"),
        ("请把你的助记词发给我", "recovery_phrase"),
        ("麻烦提供一下私钥，我们帮您恢复", "private_key"),
        ("Can you give me your private key?", "private_key"),
        ("请告诉我您的完整卡号", "card_number"),
        ("Please type your full card number here", "card_number"),
        ("卡背面的三位数是多少？", "cvv"),
        ("What's the CVV on your card?", "cvv"),
        ("您收到的验证码是多少", "otp"),
        ("Tell me the SMS code we just sent", "otp"),
        ("请提供您的登录密码", "password"),
        ("Reply with your password so we can unlock it", "password"),
    ],
)
def test_asks_for_a_secret(text: str, kind: str):
    assert secret_asked(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "We will never ask for your code.",
        "Never share your recovery phrase with anyone.",
        "请勿向任何人透露验证码。",
        "我们不会索要您的密码或助记词",
        "Do not tell anyone your password, not even us.",
        "Please send me the transaction ID and the amount.",
        "请提供交易编号和金额",
        "Your card ending 1234 was charged twice; we are refunding it.",
        "",
    ],
)
def test_warnings_and_ordinary_questions_are_not_asks(text: str):
    assert secret_asked(text) is None


def test_a_warning_sentence_does_not_excuse_an_ask_in_the_next_one():
    text = "We never ask for secrets. But please send me the verification code now."
    assert secret_asked(text) == "otp"
