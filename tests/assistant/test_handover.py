"""When the assistant hands over to a person at once, and when it must not: the rules of
assistant/rules.yaml on messages written for this test (zh Simplified and Traditional, en)."""

from __future__ import annotations

import pytest

from walletdesk.assistant.rules import handover_reason, normalised, smalltalk_kind

HANDOVER = [
    # asked for a person
    ("人工", "customer_request"),
    ("转人工", "customer_request"),
    ("人工客服", "customer_request"),
    ("真人", "customer_request"),
    ("找客服", "customer_request"),
    ("我要人工客服！", "customer_request"),
    ("请帮我转人工，谢谢", "customer_request"),
    ("我想跟真人聊", "customer_request"),
    ("轉人工", "customer_request"),
    ("我要找真人客服", "customer_request"),
    ("talk to a human", "customer_request"),
    ("agent", "customer_request"),
    ("Real person please", "customer_request"),
    ("human please", "customer_request"),
    ("I want to speak to a real person", "customer_request"),
    ("can I talk to someone from support?", "customer_request"),
    ("connect me to an agent", "customer_request"),
    ("let me speak to your manager", "customer_request"),
    # fraud and scams
    ("有人冒充客服骗走了我5000块", "fraud"),
    ("我被骗了，刚把验证码告诉了对方", "fraud"),
    ("我上當了，對方讓我報驗證碼", "fraud"),
    ("假客服让我把钱转到安全账户", "fraud"),
    ("someone asked me for my code on the phone", "fraud"),
    ("I was scammed by a fake support agent", "fraud"),
    ("I gave them my recovery phrase and now my USDT is gone", "fraud"),
    ("a fraudster called me pretending to be you", "fraud"),
    # stolen or hacked account
    ("我的账号被盗了", "account_stolen"),
    ("我的帳號被盜了", "account_stolen"),
    ("有人登录了我的账户", "account_stolen"),
    ("我没有提现，钱却被转走了", "account_stolen"),
    ("不是我本人操作的提现", "account_stolen"),
    ("my account was hacked", "account_stolen"),
    ("someone logged into my account from another country", "account_stolen"),
    ("there is an unauthorized withdrawal on my wallet", "account_stolen"),
    ("a withdrawal I didn't make just happened", "account_stolen"),
    # distress
    ("我不想活了", "distress"),
    ("钱都没了，我活不下去了", "distress"),
    ("一辈子的积蓄全没了", "distress"),
    ("我不想活了，被骗光了", "distress"),
    ("I lost all my savings, I can't go on", "distress"),
    ("I want to die", "distress"),
    ("thinking about ending my life", "distress"),
    ("I feel hopeless, everything is gone", "distress"),
]

NO_HANDOVER = [
    # questions that only mention people, support or scams
    "找客服需要提供交易单号吗",
    "週末有人工嗎",
    "怎么找人工客服",
    "人工客服几点上班",
    "联系客服之前要准备什么资料",
    "客服电话是多少",
    "有人打电话说是你们客服，让我报验证码，是真的吗",
    "怎么辨别假客服",
    "如何防止账号被盗",
    "收到的短信是不是你们官方发的",
    "充值一直没到账",
    "提现审核要多久",
    "交易失败了怎么办",
    "我要投诉",
    "忘记密码了",
    "账户被冻结了怎么解冻",
    "手续费怎么算",
    "你好",
    "how do I talk to a real person",
    "are human agents available on weekends",
    "what should I prepare before contacting support",
    "what are your support hours",
    "is this email from your support team legit",
    "how can I tell if a website is really yours",
    "how do I protect my account from hackers",
    "does customer service ever ask for my password",
    "my deposit has not arrived",
    "withdrawal still under review",
    "how do I change my phone number",
    "why was I charged twice",
    "the app keeps crashing",
    "thanks",
    "unknown login on my account",
    "how do I lock my own account",
]


@pytest.mark.parametrize(("text", "reason"), HANDOVER)
def test_hands_over_at_once(text, reason):
    assert handover_reason(normalised(text)) == reason


@pytest.mark.parametrize("text", NO_HANDOVER)
def test_answers_instead_of_handing_over(text):
    assert handover_reason(normalised(text)) is None


def test_enough_examples_in_both_languages():
    def zh(text: str) -> bool:
        return any("\u4e00" <= ch <= "\u9fff" for ch in text)

    assert len(HANDOVER) >= 30 and len(NO_HANDOVER) >= 30
    for examples in ([t for t, _ in HANDOVER], NO_HANDOVER):
        assert sum(map(zh, examples)) >= 10 and sum(not zh(t) for t in examples) >= 10


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("你好", "greeting"),
        ("您好！", "greeting"),
        ("hello there", "greeting"),
        ("謝謝", "thanks"),
        ("thank you!", "thanks"),
        ("再见", "bye"),
        ("你是机器人吗", "bot"),
        ("are you a bot?", "bot"),
        ("你好，我的充值没到账", None),
        ("hi, my withdrawal is late", None),
    ],
)
def test_small_talk_is_a_whole_message(text, kind):
    assert smalltalk_kind(normalised(text)) == kind
