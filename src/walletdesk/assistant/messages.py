"""Everything the chat assistant says, in Simplified Chinese and English: one place, our own
words. `say(key, lang, **values)` picks the conversation's language (zh for any zh-*).
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "answer": {
        "zh": "这篇帮助文章应该能解答您的问题：《{title}》\n{snippet}",
        "en": 'This help article should answer your question: "{title}"\n{snippet}',
    },
    "answer_more": {
        "zh": "如果还没解决，告诉我哪里不清楚，或者说“转人工”找我们的同事。",
        "en": 'If this does not solve it, tell me what is still unclear, or say "agent" to reach '
        "a colleague.",
    },
    "ask_details": {
        "zh": "如果问题仍未解决，请告诉我：{fields}。我会整理好交给同事核查。",
        "en": "If it is still not sorted, please send me: {fields}. I will pass them to a "
        "colleague to check.",
    },
    "ask_missing": {
        "zh": "谢谢，已记下。还差：{fields}。",
        "en": "Thank you, noted. I still need: {fields}.",
    },
    "pick_transaction": {
        "zh": "也可以直接从下面您最近的交易中选一笔。",
        "en": "You can also pick one of your recent transactions below.",
    },
    "clarify": {
        "zh": "抱歉，我没能确定您问的是什么。能换个说法，或者说说您想做什么、遇到了什么情况吗？",
        "en": "Sorry, I am not sure what you are asking. Could you put it another way, or tell "
        "me what you were trying to do and what happened?",
    },
    "file_received": {
        "zh": "收到您的文件，已保存在这次对话中。我看不了图片和文件的内容；如需同事查看，"
        "请点“转人工”或直接说“转人工”，同事接入后就能看到。",
        "en": "I have your file: it is kept with this conversation. I cannot read pictures or "
        'documents myself; for a colleague to look at it, tap "Talk to a person" or say '
        '"agent", and they will see it as soon as they join.',
    },
    "clarify_suggestions": {
        "zh": "您是不是想问：{titles}？",
        "en": "Did you mean: {titles}?",
    },
    "greeting": {
        "zh": "您好！我是钱包的智能助手。充值、提现、转账、手续费、账户安全等问题都可以问我；"
        "需要时我也可以帮您转接人工客服。",
        "en": "Hello! I am the wallet's assistant. Ask me about deposits, withdrawals, "
        "transfers, fees or account security; I can also put you through to a person.",
    },
    "thanks": {
        "zh": "不客气！还有其他问题随时问我。",
        "en": "You are welcome! Ask me anytime if something else comes up.",
    },
    "bye": {
        "zh": "好的，祝您生活愉快！有问题随时回来找我。",
        "en": "All right, have a good day! Come back whenever you need help.",
    },
    "bot": {
        "zh": "我是钱包的智能助手，不是真人。我可以根据帮助中心为您解答问题；"
        "想和人工客服沟通，直接说“转人工”就行。",
        "en": "I am the wallet's assistant, not a person. I answer from our help center; "
        'to talk to a colleague, just say "agent".',
    },
    "handover_customer_request": {
        "zh": "好的，正在为您转接人工客服，请稍候，同事会在这里继续为您服务。",
        "en": "Sure, I am passing you to a colleague. Please wait here; they will continue "
        "in this conversation.",
    },
    "handover_low_confidence": {
        "zh": "抱歉，这个问题我没能帮上忙。我已为您转接人工客服，请稍候。",
        "en": "Sorry, I could not help with this one. I am passing you to a colleague; "
        "please wait here.",
    },
    "handover_details_collected": {
        "zh": "谢谢，信息已齐全。我已把这些信息交给人工客服核查，请稍候。",
        "en": "Thank you, that is everything. I have passed these details to a colleague who "
        "will check them; please wait here.",
    },
    "handover_fraud": {
        "zh": "这可能是诈骗，我们马上为您转接人工客服。请不要再向任何人提供验证码、密码或"
        "助记词，也不要再转账；官方客服绝不会索要这些信息。",
        "en": "This may be a scam, so I am passing you to a colleague right away. Do not give "
        "anyone codes, passwords or your recovery phrase, and do not send more money: our "
        "support never asks for them.",
    },
    "handover_account_stolen": {
        "zh": "您的账户可能有风险，我们马上为您转接人工客服。如果还能登录，请先修改密码；"
        "也可以在账户安全页面临时锁定账户。",
        "en": "Your account may be at risk, so I am passing you to a colleague right away. If "
        "you can still sign in, change your password now; you can also lock your account "
        "on the security page.",
    },
    "handover_distress": {
        "zh": "听到您这么说，我很担心您。您并不孤单，我们的同事马上就来和您一起想办法。"
        "如果您有伤害自己的念头，请立即拨打全国心理援助热线 12356，紧急情况请拨打 120 或 110。",
        "en": "I am really sorry you are going through this, and I am worried about you. You "
        "are not alone: a colleague is coming right now to work this out with you. If you "
        "are thinking of hurting yourself, please call your local emergency number or a "
        "crisis line now.",
    },
    "list_separator": {"zh": "、", "en": ", "},
    "field_transaction_id": {"zh": "交易单号", "en": "the transaction ID"},
    "field_amount": {"zh": "金额（含币种）", "en": "the amount (and currency)"},
    "field_occurred_at": {"zh": "交易时间", "en": "when it happened"},
    "field_registered_phone": {"zh": "注册手机号", "en": "your registered phone number"},
}


def lang_of(lang: str) -> str:
    return "zh" if lang.lower().startswith("zh") else "en"


def say(key: str, lang: str, **values: str) -> str:
    text = MESSAGES[key][lang_of(lang)]
    return text.format(**values) if values else text


def field_list(fields: list[str], lang: str) -> str:
    """The names of `fields` as one phrase: 交易单号、金额 / the transaction ID, the amount."""
    return say("list_separator", lang).join(say(f"field_{f}", lang) for f in fields)
