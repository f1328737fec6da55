"""The demo's sample cases: what a real customer of the wallet writes, and how an agent
answers. Data only; `service.seed_demo_cases` opens them through the ordinary service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from walletdesk.wallet.transactions import WalletTransaction

DEMO_CUSTOMER = "+8613800138000"


def _days_ago(days: int, hour: int, minute: int) -> Callable[[ZoneInfo], str]:
    def local(tz: ZoneInfo) -> str:
        when = datetime.now(tz) - timedelta(days=days)
        return when.replace(hour=hour, minute=minute, second=0, microsecond=0).strftime(
            "%Y-%m-%d %H:%M"
        )

    return local


@dataclass(frozen=True)
class SampleCase:
    category: str
    subject: str
    description: str
    answers: dict[str, str] = field(default_factory=dict)
    occurred: Callable[[ZoneInfo], str] | None = None
    reply: str = ""  # the agent's answer, if any ({transaction_id} names the transaction)
    status: str = "new"  # where the case stands after the agent's work
    # The demo customer's transaction the case is about, by (kind, failure code): its ID and
    # time go in the case's fields.
    about: tuple[str, str] | None = None

    def fields(self, tz: ZoneInfo, transaction: WalletTransaction | None = None) -> dict[str, str]:
        values = dict(self.answers)
        if self.occurred is not None:
            values["occurred_at"] = self.occurred(tz)
        if transaction is not None:
            values["transaction_id"] = transaction.public_id
            values["occurred_at"] = f"{transaction.created_at.astimezone(tz):%Y-%m-%d %H:%M}"
        return values


SAMPLE_CASES = (
    SampleCase(
        category="deposit_withdrawal",
        subject="银行卡充值 500 元未到账",
        description=(
            "发生了什么：我用招商银行卡向钱包充值 500 元，银行已经扣款。\n"
            "什么时候：前两天。\n"
            "结果：钱包余额没有变化，充值记录显示“未到账”。"
        ),
        # Without the demo wallet, an ID the agent will not find among the customer's.
        answers={"amount": "500.00", "currency": "CNY", "transaction_id": "D2606011430AB12CD"},
        occurred=_days_ago(2, 14, 30),
        reply=(
            "您好，我们已查到这笔充值（{transaction_id}），银行尚未向我们确认到账。"
            "请提供银行扣款短信或银行 App 中的交易截图，我们会尽快为您核实。"
        ),
        status="pending_customer",
        about=("deposit", "not_received"),
    ),
    SampleCase(
        category="account",
        subject="账户被锁定，无法登录",
        description=(
            "发生了什么：我输错了几次密码，App 提示账户已被锁定。\n"
            "什么时候：今天早上 9 点左右。\n"
            "结果：现在无法登录，也收不到验证码。"
        ),
        answers={"registered_phone": DEMO_CUSTOMER},
    ),
    SampleCase(
        category="technical",
        subject="App crashes when I open the transfer page",
        description=(
            "What happened: the app closes as soon as I tap Transfer.\n"
            "When: since yesterday's update.\n"
            "Result: I cannot send money to my friends."
        ),
        answers={"error_message": "Error 1002: network timeout"},
        reply=(
            "Thank you for the details. Version 3.2.1, released today, fixes this crash. "
            "Please update the app and tell us if the problem comes back."
        ),
        status="resolved",
    ),
)
