"""Why a payment failed or is held, in plain words: failure codes (WalletTransaction.failure_code)
to a sentence a customer understands, in Chinese and English.
"""

from __future__ import annotations

REASONS: dict[str, dict[str, str]] = {
    "insufficient_funds": {
        "zh": "可用余额不足，未能完成。",
        "en": "There was not enough available balance.",
    },
    "network_timeout": {
        "zh": "支付网络超时，未扣款或已退回，请稍后重试。",
        "en": "The payment network timed out; nothing was taken, or it was returned. Try again.",
    },
    "provider_outage": {
        "zh": "银行或支付渠道暂时不可用，请稍后重试。",
        "en": "The bank or payment provider was temporarily unavailable. Try again later.",
    },
    "card_declined": {
        "zh": "发卡银行拒绝了这笔交易，请联系发卡行或换一张卡。",
        "en": "Your card issuer declined the payment. Contact them or use another card.",
    },
    "risk_hold": {
        "zh": "为保障资金安全，这笔交易正在接受安全审核。",
        "en": "This payment is held for a security check to keep your money safe.",
    },
    "limit_exceeded": {
        "zh": "超过了您当前认证等级的单笔或每日限额。",
        "en": "It was over the single or daily limit of your verification level.",
    },
    "not_received": {
        "zh": "24 小时内未收到这笔资金。",
        "en": "The money did not arrive within 24 hours.",
    },
    "rejected": {
        "zh": "人工审核未通过，资金已退回您的钱包。",
        "en": "Our review did not approve it; the money was returned to your wallet.",
    },
    "rejected_by_review": {
        "zh": "人工审核未通过，资金已退回您的钱包。",
        "en": "Our review did not approve it; the money was returned to your wallet.",
    },
    "invalid_account": {
        "zh": "收款账户信息有误（如卡号或户名不符）。",
        "en": "The receiving account details were wrong (e.g. card number or name).",
    },
    "account_locked": {
        "zh": "账户已锁定，暂时不能转出资金。",
        "en": "The account is locked, so money cannot be sent out.",
    },
    "account_frozen": {
        "zh": "账户已被冻结接受安全审核，资金无法转出，未扣款。请查看钱包页面并联系客服。",
        "en": "The account is frozen for a security review, so nothing was sent. See your wallet "
        "page and contact support.",
    },
    "cancelled": {
        "zh": "已取消。",
        "en": "It was cancelled.",
    },
    "payout_cancelled": {
        "zh": "支付渠道长时间没有确认这笔提现，客服已将其取消，资金已退回您的钱包。",
        "en": (
            "The payment provider did not confirm this withdrawal for too long, so our support "
            "team cancelled it; the money is back in your wallet."
        ),
    },
    "reversed_by_bank": {
        "zh": "银行退回了这笔款项。",
        "en": "The bank returned the money.",
    },
}
# Where the same code reads differently for one kind of transaction.
BY_KIND: dict[tuple[str, str], dict[str, str]] = {
    ("deposit", "insufficient_funds"): {
        "zh": "银行或支付平台拒绝了这笔充值：该账户余额不足，未扣款。",
        "en": "The bank or payment app declined it: not enough money in that account. Nothing "
        "was charged.",
    },
    ("deposit", "not_received"): {
        "zh": "我们尚未收到这笔充值：支付渠道 24 小时内没有确认到账。",
        "en": "We have not received this deposit: the payment provider did not confirm it "
        "within 24 hours.",
    },
    ("deposit", "reversed_by_bank"): {
        "zh": "付款银行撤回了这笔充值（拒付），金额已从您的余额中扣回，手续费已退还。"
        "如果不是您发起的，请联系您的银行。",
        "en": "The paying bank took this deposit back (a chargeback), so the amount was taken "
        "from your balance and the fee refunded. If you did not ask for it, contact your bank.",
    },
}
UNKNOWN = {
    "zh": "未能完成，请联系客服查询原因。",
    "en": "It could not be completed. Contact support to find out why.",
}


def reason_text(code: str | None, lang: str, kind: str = "") -> str:
    """The plain-words reason for `code` in `lang` ("zh" or "en") for a transaction of `kind`;
    "" when there is no code. Every page, text message and API answer takes it from here."""
    if not code:
        return ""
    words = BY_KIND.get((kind, code)) or REASONS.get(code, UNKNOWN)
    return words.get(lang) or words["en"]
