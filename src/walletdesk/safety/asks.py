"""Whether a message from staff asks the customer for a secret (recovery phrase, private key,
full card number, card security code, one-time code, password): support never does.

A pure function over the text, zh and en. Sentences that warn ("we will never ask for your
code", "请勿告诉任何人验证码") are not asks; a sentence that names a secret and asks for it
("please send me the code", "把助记词发给我") is.
"""

from __future__ import annotations

import re

# kind → what names it, in zh and en.
SECRETS: dict[str, re.Pattern[str]] = {
    "recovery_phrase": re.compile(
        r"助记词|恢复短语|恢复词|种子短语|recovery\s*(?:phrase|words?)|mnemonic|seed\s*(?:phrase|words?)?\b"
        r"|secret\s*phrase|12\s*words|24\s*words",
        re.I,
    ),
    "private_key": re.compile(r"私钥|密钥|private\s*key|secret\s*key|keystore", re.I),
    "card_number": re.compile(
        r"完整(?:的)?(?:银行)?卡号|(?:银行)?卡号|(?:full|whole|complete|entire)\s+card\s*number"
        r"|card\s*number|16[-\s]digit",
        re.I,
    ),
    "cvv": re.compile(r"cvv2?|cvc2?|安全码|卡背面?(?:的)?三位数?|security\s*code", re.I),
    "otp": re.compile(
        r"验证码|校验码|动态码|短信码|一次性密码|verification\s*code|sms\s*code|one[-\s]?time\s*"
        r"(?:code|password)|otp|2fa\s*code|authenticator\s*code|(?:the|your)\s+code\b",
        re.I,
    ),
    "password": re.compile(r"登录密码|支付密码|交易密码|密码|口令|password|passcode|\bpin\b", re.I),
}

# A request for it: a verb of giving or telling, or a question about its value.
_ASK = re.compile(
    r"请|麻烦|发(?:给|一下|过来|来|我)|告诉|提供|输入|报(?:一下|给)|念(?:一下|给)|给我|发送|"
    r"是多少|是什么|多少|截图|拍照|\?|？|"
    r"\b(?:send|tell|give|share|provide|type|enter|read|confirm|verify|need|require|what(?:'s| is)"
    r"|let\s+me\s+(?:know|have)|reply\s+with|forward|paste|dm|message\s+me|screenshot)\b",
    re.I,
)
# A warning, not a request: "never", "do not", "will not ask", 不要 / 切勿 / 不会 / 绝不.
_NOT = re.compile(
    r"不要|切勿|请勿|勿|不会|绝不|从不|永远不|不可|不能|别|千万不|严禁|"
    r"\b(?:never|not|don't|do\s+not|won't|will\s+not|no\s+one|nobody|no\s+need|keep\b.*\bsafe"
    r"|keep\b.*\bprivate|to\s+yourself)\b|n't\b",
    re.I,
)
_SENTENCE = re.compile(r"[。！？!?\n；;]+|(?<=[.])\s+")


def secret_asked(text: str) -> str | None:
    """The kind of secret `text` asks for (recovery_phrase, private_key, card_number, cvv,
    otp, password), or None when it asks for none."""
    for sentence in _sentences(text):
        if _NOT.search(sentence):
            continue
        if not _ASK.search(sentence):
            continue
        for kind, pattern in SECRETS.items():
            if pattern.search(sentence):
                return kind
    return None


def _sentences(text: str) -> list[str]:
    """Sentences, each keeping its own question mark (a question asks)."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE.finditer(text):
        parts.append(text[start : match.end()])
        start = match.end()
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]
