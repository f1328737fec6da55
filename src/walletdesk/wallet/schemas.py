"""What the wallet's JSON API accepts and returns: balances, transactions, fee quotes,
transfer previews and receive codes. Amounts are strings in major units and integer minor units.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from walletdesk.money import parse_money
from walletdesk.wallet.steps import step_text


class BalanceOut(BaseModel):
    currency: str
    available: str
    held: str
    total: str
    available_minor: int
    held_minor: int
    total_minor: int
    owed: str  # still owed after a chargeback; money coming in repays it first
    owed_minor: int


class StepOut(BaseModel):
    status: str  # the step's code, e.g. "risk_check"
    at: datetime
    note: str  # as stored: a verdict code or a person's words
    text: str  # the step in plain words, in the request's language

    @classmethod
    def of(cls, step: Any, lang: str) -> StepOut:
        return cls(
            status=step.status,
            at=step.at,
            note=step.note,
            text=step_text(step.status, step.note, lang),
        )


class TransactionOut(BaseModel):
    public_id: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    amount: str
    amount_minor: int
    fee: str
    fee_minor: int
    currency: str
    method: str
    counterparty: str
    failure_code: str | None
    failure_reason: str
    created_at: datetime
    completed_at: datetime | None


class TransactionDetailOut(TransactionOut):
    steps: list[StepOut]


class TransactionPageOut(BaseModel):
    items: list[TransactionOut]
    total: int
    page: int
    per_page: int
    pages: int


class FeeQuoteOut(BaseModel):
    fee: str
    fee_minor: int
    standard_fee_minor: int
    currency: str
    rule: str
    promotion: str | None
    waiver: str | None


class TransferRequest(BaseModel):
    phone: str = Field("", max_length=40, description="The recipient's phone number, any format")
    code: str = Field("", max_length=400, description="A receive code instead of a phone")
    amount: str = Field("", max_length=24, description="Major units, e.g. 12.50")
    currency: str = Field("CNY", max_length=8)
    idempotency_key: str = Field("", max_length=64, description="Or the Idempotency-Key header")
    step_up_code: str = Field(
        "", max_length=40, description="Needed when a call answered 403 step_up_required"
    )

    @model_validator(mode="after")
    def _amount_as_money(self) -> TransferRequest:
        """A typed amount is checked by walletdesk.money (422 naming `amount`, never a 500);
        none is fine when a receive code fixes it."""
        if self.amount.strip():
            parse_money(self.amount, self.currency or "CNY")
        return self


class LimitsOut(BaseModel):
    level: str
    single_limit: str
    daily_limit: str
    daily_left: str
    currency: str


class TransferPreviewOut(BaseModel):
    recipient_name: str
    recipient_phone: str
    amount: str
    amount_minor: int
    fee: str
    fee_minor: int
    total: str
    currency: str
    limits: LimitsOut | None


class ReceiveCodeOut(BaseModel):
    code: str
    currency: str
    amount_minor: int | None
    expires_at: datetime
