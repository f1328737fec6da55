"""Details picked out of what a customer writes in chat."""

from __future__ import annotations

import pytest

from walletdesk.assistant.details import extract


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "我的充值100元昨天下午3点还没到账，单号D2612041530AB12CD",
            {
                "transaction_id": "D2612041530AB12CD",
                "amount": "100.00 CNY",
                "occurred_at": "昨天下午3点",
            },
        ),
        (
            "¥1,234.50 on 2024-06-01 14:30",
            {"amount": "1234.50 CNY", "occurred_at": "2024-06-01 14:30"},
        ),
        ("sent 50 USDT today at 9am", {"amount": "50.000000 USDT", "occurred_at": "today at 9am"}),
        ("注册手机号是 138 0013 8000", {"registered_phone": "+8613800138000"}),
        ("my number is +86 139-0013-9000", {"registered_phone": "+8613900139000"}),
        ("w2612041530ab12cd", {"transaction_id": "W2612041530AB12CD"}),
        ("订单号：ALI20240601123456", {"transaction_id": "ALI20240601123456"}),
        ("我转了３００块", {"amount": "300.00 CNY"}),
        # a bare number is no amount, a year is no time
        ("I tried 3 times", {}),
        ("it has been 2 days", {}),
    ],
)
def test_extract(text, found):
    assert extract(text) == found
