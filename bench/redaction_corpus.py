"""The scam shield's evaluation corpus: customer messages in zh and en, with the secrets in
them marked, and benign messages that look like them.

Generated from templates with a fixed seed (`generate`), plus hand-written messages
(`redaction_handwritten.yaml`, secrets between ⟦ and ⟧). `split` divides them into dev and
test by a fixed seed; tune on dev, report on test.
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from mnemonic import Mnemonic

HERE = Path(__file__).parent
HANDWRITTEN = HERE / "redaction_handwritten.yaml"
SEED = 20261204
SPLIT_SEED = 8
OPEN, CLOSE = "⟦", "⟧"


@dataclass
class Sample:
    id: str
    lang: str
    text: str
    secrets: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, kind
    family: str = ""


def parse_marked(sample_id: str, lang: str, marked: str, family: str, kind: str) -> Sample:
    """A message with its secrets between ⟦ and ⟧ (every marked part is of `kind`)."""
    text, secrets, cursor = "", [], 0
    while True:
        opening = marked.find(OPEN, cursor)
        if opening < 0:
            text += marked[cursor:]
            break
        closing = marked.index(CLOSE, opening)
        text += marked[cursor:opening]
        start = len(text)
        text += marked[opening + 1 : closing]
        secrets.append((start, len(text), kind))
        cursor = closing + 1
    return Sample(sample_id, lang, text, secrets, family)


# --- secrets -----------------------------------------------------------------------------

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58check(payload: bytes) -> str:
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, rest = divmod(number, 58)
        out = B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def luhn_complete(prefix: str) -> str:
    for check in "0123456789":
        digits = prefix + check
        total = 0
        for i, char in enumerate(reversed(digits)):
            value = int(char) * (2 if i % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return digits
    raise AssertionError(prefix)


def phrase_en(rng: random.Random) -> str:
    words = Mnemonic("english").to_mnemonic(rng.randbytes(rng.choice([16, 20, 24, 32]))).split()
    style = rng.randrange(7)
    if style == 0:
        return " ".join(f"{i}. {w}" for i, w in enumerate(words, 1))
    if style == 1:
        return "\n".join(f"{i}) {w}" for i, w in enumerate(words, 1))
    if style == 2:
        return ", ".join(words)
    if style == 3:
        return "\n".join(" ".join(words[i : i + 4]) for i in range(0, len(words), 4))
    if style == 4:
        return " ".join(words).upper() if rng.random() < 0.5 else " ".join(words).title()
    if style == 5:
        return "  ".join(words)
    return " ".join(words)


def phrase_zh(rng: random.Random) -> str:
    language = rng.choice(["chinese_simplified", "chinese_simplified", "chinese_traditional"])
    words = Mnemonic(language).to_mnemonic(rng.randbytes(rng.choice([16, 20, 24, 32]))).split()
    style = rng.randrange(7)
    if style in (0, 1):
        return "".join(words)
    if style == 2:
        return " ".join(words)
    if style == 3:
        return "，".join(words) if rng.random() < 0.5 else "、".join(words)
    if style == 4:
        return " ".join(f"{i}.{w}" for i, w in enumerate(words, 1))
    if style == 5:
        return "\n".join("".join(words[i : i + 3]) for i in range(0, len(words), 3))
    return "\n".join(" ".join(words[i : i + 4]) for i in range(0, len(words), 4))


def private_key(rng: random.Random) -> str:
    key = rng.randbytes(32)
    style = rng.randrange(5)
    if style == 0:
        return key.hex()
    if style == 1:
        return "0x" + key.hex()
    if style == 2:
        return base58check(b"\x80" + key + (b"\x01" if rng.random() < 0.7 else b""))
    if style == 3:
        body = b"\x04\x88\xad\xe4" + bytes(9) + rng.randbytes(32) + b"\0" + key
        return base58check(body)
    der = base64.b64encode(rng.randbytes(rng.choice([121, 138]))).decode()
    lines = "\n".join(der[i : i + 64] for i in range(0, len(der), 64))
    label = rng.choice(["", "EC ", "RSA "])
    return f"-----BEGIN {label}PRIVATE KEY-----\n{lines}\n-----END {label}PRIVATE KEY-----"


def card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("62", 16), ("62", 19), ("37", 15)]
    )
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    digits = luhn_complete(body)
    style = rng.randrange(4)
    if style == 0:
        return digits
    sep = " " if style in (1, 3) else "-"
    if length == 15:
        return sep.join([digits[:4], digits[4:10], digits[10:]])
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


def cn_id(rng: random.Random) -> str:
    area = rng.choice(["110105", "310104", "440305", "510107", "330106", "420111"])
    birth = f"{rng.randint(1955, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = area + birth + f"{rng.randint(0, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    check = "10X98765432"[total % 11]
    return body + (check.lower() if check == "X" and rng.random() < 0.3 else check)


def otp(rng: random.Random) -> str:
    return "".join(rng.choice(string.digits) for _ in range(rng.choice([4, 6, 6, 6, 8])))


def password(rng: random.Random) -> str:
    return rng.choice(
        [
            "Abc12345!",
            "qwe123456",
            "Zhang1988@",
            "P@ssw0rd2026",
            "wangli520",
            "Liu_19900815",
            "Hello2025#",
            "a1b2c3d4e5",
            "Sunshine88",
            "mima@2024",
        ]
    )


def cvv(rng: random.Random) -> str:
    return f"{rng.randint(0, 999):03d}"


# --- message templates: ⟦S⟧ is where the secret goes ------------------------------------

TEMPLATES: dict[str, tuple[Callable[[random.Random], str], dict[str, list[str]]]] = {
    "recovery_phrase_en": (
        phrase_en,
        {
            "en": [
                "support told me to send my recovery phrase: ⟦S⟧ is that ok?",
                "Here are my 12 words\n⟦S⟧\nplease restore my wallet",
                "seed phrase ⟦S⟧",
                "I can't log in. my backup words are ⟦S⟧. thanks",
                "⟦S⟧\n\nthis is what the agent asked for, hope it helps",
                "Hi, your colleague on telegram said to paste this here: ⟦S⟧ — when will my "
                "USDT come back?",
            ],
            "zh": [
                "客服让我发助记词：⟦S⟧ 这样可以吗",
                "我的钱包助记词是\n⟦S⟧\n请帮我恢复",
                "⟦S⟧ 这是我的恢复短语，麻烦尽快处理",
            ],
        },
    ),
    "recovery_phrase_zh": (
        phrase_zh,
        {
            "zh": [
                "我的助记词是⟦S⟧请帮我找回资产",
                "助记词：⟦S⟧，之前导入的钱包打不开了",
                "⟦S⟧这是客服让我发的，麻烦看一下",
                "您好，我备份的是这些字\n⟦S⟧\n现在钱包里的币不见了",
                "刚才那个客服说要核对⟦S⟧然后就给我退款",
                "钱包恢复不了，我输入的是 ⟦S⟧ 提示无效",
            ],
            "en": [
                "My Chinese wallet backup is ⟦S⟧ please help me restore it",
                "recovery words: ⟦S⟧",
            ],
        },
    ),
    "private_key": (
        private_key,
        {
            "en": [
                "here is my private key ⟦S⟧ can you move the funds?",
                "I exported this from the wallet: ⟦S⟧",
                "⟦S⟧\nplease import it and check my balance",
                "the agent asked for my key so here: ⟦S⟧",
            ],
            "zh": [
                "我的私钥是 ⟦S⟧ 请帮我把币转出来",
                "导出的内容：\n⟦S⟧\n你们帮我看看余额",
                "⟦S⟧ 这个是客服要的密钥",
            ],
        },
    ),
    "card_number": (
        card,
        {
            "en": [
                "The card I was charged on is ⟦S⟧, exp 12/27",
                "please refund to ⟦S⟧",
                "card number: ⟦S⟧ thanks",
                "My card ⟦S⟧ was declined when I topped up 500 CNY",
            ],
            "zh": [
                "扣款卡号 ⟦S⟧，请帮我查一下",
                "我绑定的银行卡是⟦S⟧，为什么提现失败",
                "卡号：⟦S⟧ 有效期 08/28",
                "退款请退到 ⟦S⟧ 这张卡",
            ],
        },
    ),
    "otp": (
        otp,
        {
            "en": [
                "code: ⟦S⟧",
                "my verification code is ⟦S⟧, please hurry",
                "Got the SMS, the one-time code says ⟦S⟧",
                "OTP ⟦S⟧ — the guy on the phone wants it",
                "the 2FA code from my authenticator is ⟦S⟧",
                "Is this the code you need? ⟦S⟧",
            ],
            "zh": [
                "验证码是 ⟦S⟧",
                "验证码：⟦S⟧，请尽快处理",
                "刚收到的短信验证码⟦S⟧，客服让我报给他",
                "动态码 ⟦S⟧ 我已经输入了还是不行",
                "你们发的校验码是⟦S⟧吗？",
                "对方要我提供验证码，短信是 ⟦S⟧",
            ],
        },
    ),
    "password": (
        password,
        {
            "en": [
                "my password is ⟦S⟧ and it doesn't work",
                "password: ⟦S⟧",
                "I reset it, new pwd = ⟦S⟧",
            ],
            "zh": [
                "我的密码是⟦S⟧，登录不上",
                "登录密码：⟦S⟧ 帮我看看",
                "支付密码是 ⟦S⟧，为什么提示错误",
            ],
        },
    ),
    "cvv": (
        cvv,
        {
            "en": ["CVV ⟦S⟧", "the cvv is ⟦S⟧", "card security code (CVC): ⟦S⟧"],
            "zh": ["安全码是⟦S⟧", "卡背面三位数 ⟦S⟧", "CVV：⟦S⟧"],
        },
    ),
    "id_number": (
        cn_id,
        {
            "zh": [
                "我的身份证号 ⟦S⟧，实名认证一直不通过",
                "身份证：⟦S⟧ 姓名张伟",
                "证件号码⟦S⟧，请帮我解冻",
            ],
            "en": ["my Chinese ID number is ⟦S⟧ for the KYC", "ID: ⟦S⟧"],
        },
    ),
}


def _secret_samples(rng: random.Random, per_family: int) -> list[Sample]:
    samples = []
    for family, (make, by_lang) in TEMPLATES.items():
        kind = family.removesuffix("_en").removesuffix("_zh")
        for n in range(per_family):
            lang = rng.choice(sorted(by_lang))
            template = rng.choice(by_lang[lang])
            marked = template.replace("⟦S⟧", OPEN + make(rng) + CLOSE)
            samples.append(parse_marked(f"{family}-{n}", lang, marked, family, kind))
    return samples


# --- benign look-alikes ------------------------------------------------------------------


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def tx_hash(rng: random.Random) -> str:
    digits = "".join(rng.choice(string.digits) for _ in range(rng.choice([6, 7, 8])))
    at = rng.randrange(1, 64 - len(digits))
    value = _hex(rng, 64)
    value = value[:at] + digits + value[at + len(digits) :]  # a code-like run inside
    return ("0x" + value) if rng.random() < 0.6 else value


def our_tx_id(rng: random.Random) -> str:
    letter = rng.choice("DWFRT")
    when = f"26{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 23):02d}"
    when += f"{rng.randint(0, 59):02d}"
    tail = "".join(rng.choice(string.digits if rng.random() < 0.7 else "ABCDEF") for _ in range(6))
    return letter + when + tail


def order_no(rng: random.Random) -> str:
    stamp = f"2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return stamp + "".join(rng.choice(string.digits) for _ in range(rng.choice([6, 8, 10])))


def phone(rng: random.Random) -> str:
    number = rng.choice(["138", "139", "186", "159", "177"]) + "".join(
        rng.choice(string.digits) for _ in range(8)
    )
    style = rng.randrange(3)
    if style == 0:
        return number
    if style == 1:
        return f"+86 {number[:3]} {number[3:7]} {number[7:]}"
    return f"{number[:3]}-{number[3:7]}-{number[7:]}"


def tracking(rng: random.Random) -> str:
    prefix = rng.choice(["SF", "YT", "JDVA", "ZTO", "7730"])
    return prefix + "".join(rng.choice(string.digits) for _ in range(15 - len(prefix) + 2))


def amount(rng: random.Random) -> str:
    return rng.choice(
        [
            str(rng.randint(1000, 999999)),
            f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}",
            f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}",
        ]
    )


def date(rng: random.Random) -> str:
    y, m, d = rng.randint(2024, 2026), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([f"{y}-{m:02d}-{d:02d}", f"{y}{m:02d}{d:02d}", f"{y}/{m}/{d}"])


BENIGN: dict[str, tuple[Callable[[random.Random], str], dict[str, list[str]]]] = {
    "tx_hash": (
        tx_hash,
        {
            "en": [
                "My USDT deposit hasn't arrived, tx hash ⟦S⟧",
                "withdrawal sent but not received. TXID: ⟦S⟧ — I also never got the "
                "verification code email",
                "Here is the transaction ⟦S⟧ on etherscan, it says success",
                "deposit of 200 USDT, hash ⟦S⟧, code was entered correctly",
            ],
            "zh": [
                "充值的交易哈希 ⟦S⟧ 一直没到账",
                "提币显示成功但没到账，TxID：⟦S⟧",
                "链上已经确认了 ⟦S⟧，验证码也输入了，为什么还没到账",
                "转账哈希⟦S⟧，请帮我查一下",
            ],
        },
    ),
    "our_tx_id": (
        our_tx_id,
        {
            "en": [
                "Transaction ⟦S⟧ is still processing",
                "refund for ⟦S⟧ please, I entered the verification code twice",
                "ID ⟦S⟧ — the code was accepted but the money is gone",
            ],
            "zh": [
                "交易号 ⟦S⟧ 一直显示处理中",
                "订单 ⟦S⟧ 验证码输入后还是失败",
                "⟦S⟧ 这笔提现什么时候到账？验证码已经确认过了",
            ],
        },
    ),
    "order_no": (
        order_no,
        {
            "en": ["order number ⟦S⟧ was charged twice", "Merchant order ⟦S⟧, code refund pending"],
            "zh": ["订单号⟦S⟧重复扣款了", "商户订单号：⟦S⟧，验证码收到了但支付失败"],
        },
    ),
    "phone": (
        phone,
        {
            "en": ["please call me at ⟦S⟧", "the verification code goes to ⟦S⟧ but never arrives"],
            "zh": ["我的手机号 ⟦S⟧ 收不到验证码", "有人用 ⟦S⟧ 给我打电话说是客服"],
        },
    ),
    "tracking": (
        tracking,
        {
            "en": ["the card was shipped with tracking ⟦S⟧"],
            "zh": ["快递单号 ⟦S⟧ 显示已签收但我没收到卡", "U盾快递单号：⟦S⟧"],
        },
    ),
    "amount": (
        amount,
        {
            "en": [
                "I deposited ⟦S⟧ CNY and it shows 0",
                "withdrew ⟦S⟧ yesterday, no verification code needed?",
            ],
            "zh": [
                "充值 ⟦S⟧ 元没到账",
                "提现⟦S⟧元，输入验证码后一直处理中",
                "转账金额 ¥⟦S⟧ 扣了两次",
            ],
        },
    ),
    "date": (
        date,
        {
            "en": ["the charge on ⟦S⟧ is not mine", "my code expired on ⟦S⟧, can I get a new one"],
            "zh": ["⟦S⟧ 的那笔扣款不是我本人操作", "验证码在 ⟦S⟧ 之后就收不到了"],
        },
    ),
}


def _benign_samples(rng: random.Random, per_family: int) -> list[Sample]:
    samples = []
    for family, (make, by_lang) in BENIGN.items():
        for n in range(per_family):
            lang = rng.choice(sorted(by_lang))
            text = rng.choice(by_lang[lang]).replace("⟦S⟧", make(rng))
            samples.append(Sample(f"benign-{family}-{n}", lang, text, [], family))
    return samples


def handwritten() -> list[Sample]:
    data = yaml.safe_load(HANDWRITTEN.read_text("utf-8"))
    samples = []
    for n, item in enumerate(data["secrets"]):
        family = f"hand_{item['kind']}"
        samples.append(parse_marked(f"hand-{n}", item["lang"], item["text"], family, item["kind"]))
    for n, item in enumerate(data["benign"]):
        samples.append(Sample(f"hand-benign-{n}", item["lang"], item["text"], [], "hand_benign"))
    return samples


def generate(*, per_family: int = 150) -> list[Sample]:
    rng = random.Random(SEED)
    return _secret_samples(rng, per_family) + _benign_samples(rng, per_family) + handwritten()


def split(samples: list[Sample]) -> dict[str, list[Sample]]:
    """Half for tuning (dev), half held out (test), by a fixed seed over the sample ids."""
    ids = sorted(s.id for s in samples)
    random.Random(SPLIT_SEED).shuffle(ids)
    test_ids = set(ids[: len(ids) // 2])
    return {
        "dev": [s for s in samples if s.id not in test_ids],
        "test": [s for s in samples if s.id in test_ids],
    }
