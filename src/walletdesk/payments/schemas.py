"""Request and response bodies of the payments API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from walletdesk.money import Money, format_minor, parse_money
from walletdesk.payments.models import PaymentMethod
from walletdesk.wallet.schemas import StepOut
from walletdesk.wallet.transactions import WalletTransaction


class MethodIn(BaseModel):
    kind: str = Field(description="bank_card, credit_card, payment_app or crypto")
    number: str = Field(max_length=80, description="card number, app account or USDT address")
    bank_name: str = Field(default="", max_length=80)
    label: str = Field(default="", max_length=80)
    step_up_code: str = Field(
        "", max_length=40, description="Needed when a call answered 403 step_up_required"
    )


class MethodOut(BaseModel):
    id: int
    kind: str
    label: str
    masked_number: str
    bank_name: str
    created_at: datetime

    @classmethod
    def of(cls, method: PaymentMethod) -> MethodOut:
        return cls(
            id=method.id,
            kind=method.kind,
            label=method.label,
            masked_number=method.masked_number,
            bank_name=method.bank_name,
            created_at=method.created_at,
        )


class AmountIn(BaseModel):
    """An amount typed in major units, checked by walletdesk.money when the body is read: a
    422 naming `amount` for "100,50", exponents, too many decimals or too large, never a 500."""

    amount: str = Field(max_length=32, description="in major units, e.g. 100.00 or 1,000.50")
    currency: str = Field("CNY", max_length=8)

    @model_validator(mode="after")
    def _amount_as_money(self) -> AmountIn:
        self.money()
        return self

    def money(self) -> Money:
        return parse_money(self.amount, self.currency)


class DepositIn(AmountIn):
    method: str
    payment_method_id: int | None = None


class WithdrawalIn(AmountIn):
    payment_method_id: int
    step_up_code: str = Field(
        "", max_length=40, description="Needed when a call answered 403 step_up_required"
    )


class RejectIn(BaseModel):
    reason: str = Field(max_length=255)


class TransactionOut(BaseModel):
    public_id: str
    kind: str
    status: str
    amount: str
    amount_minor: int
    fee_minor: int
    currency: str
    method: str
    counterparty: str
    failure_code: str | None
    created_at: datetime
    steps: list[StepOut]

    @classmethod
    def of(cls, tx: WalletTransaction, lang: str) -> TransactionOut:
        return cls(
            public_id=tx.public_id,
            kind=tx.kind,
            status=tx.status,
            amount=format_minor(tx.amount_minor, tx.currency),
            amount_minor=tx.amount_minor,
            fee_minor=tx.fee_minor,
            currency=tx.currency,
            method=tx.method,
            counterparty=tx.counterparty,
            failure_code=tx.failure_code,
            created_at=tx.created_at,
            steps=[StepOut.of(s, lang) for s in tx.steps],
        )


class WebhookOut(BaseModel):
    result: str
