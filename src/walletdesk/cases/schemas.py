"""API shapes of cases: categories and what they ask for, cases, messages, files, timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class CategoryField(BaseModel):
    name: str
    kind: str = Field(description="phone | datetime | money | text | files")
    label: str
    help: str
    required: bool
    required_unless: str | None = Field(
        default=None, description="Required unless this other field is given"
    )


class CategoryOut(BaseModel):
    key: str
    label: str
    summary: str
    description_example: str = Field(description="What happened, when, and the result")
    fields: list[CategoryField]
    currencies: list[str]


class CaseCreate(BaseModel):
    category: str = Field(max_length=32)
    subject: str = Field(max_length=500)
    description: str = Field(max_length=20_000)
    details: dict[str, str | int] = Field(
        default_factory=dict,
        description=(
            "The category's fields by name (see /api/v1/cases/categories); money as "
            '"amount": "100.50" with "currency": "CNY"; times as ISO 8601 (local time '
            "of the service unless an offset is given)."
        ),
    )
    force: bool = Field(
        default=False,
        description=(
            "Open it even though the customer has an open case about the same transaction "
            '(otherwise 409 "duplicate_case" with that case\'s case_id)'
        ),
    )


class Person(BaseModel):
    id: int
    display_name: str


class Customer(Person):
    phone_masked: str


class CaseSummary(BaseModel):
    id: int
    number: str
    type: str = Field(description="The case type (see /api/v1/cases/types): its path of statuses")
    category: str
    subject: str
    status: str
    priority: str
    customer: Customer
    assignee: Person | None
    created_at: datetime
    updated_at: datetime


class CaseOut(CaseSummary):
    description: str
    details: dict[str, Any]
    amount_minor: int | None
    currency: str | None
    amount: str | None = Field(description="Formatted amount with currency, for display")
    channel: str
    opened_by: Literal["customer", "system"] = Field(
        description="Who the description is written by: the customer, or the system (a review)"
    )


class CasePageOut(BaseModel):
    items: list[CaseSummary]
    total: int
    page: int
    pages: int


class CaseChange(BaseModel):
    """Only the fields present change; `"assignee_id": null` unassigns."""

    status: str | None = None
    priority: str | None = None
    assignee_id: int | None = None


class MessageCreate(BaseModel):
    body: str = Field(max_length=20_000)
    internal: bool = Field(default=False, description="Staff only: a note the customer never sees")


class AttachmentOut(BaseModel):
    id: int
    file_name: str
    content_type: str
    size_bytes: int
    url: str
    created_at: datetime


class MessageOut(BaseModel):
    id: int
    author: Person | None = Field(description="None when the system wrote it")
    author_kind: Literal["customer", "agent", "system"]
    from_staff: bool = Field(description="Written by staff or the system, not the customer")
    body: str
    internal: bool
    attachments: list[AttachmentOut]
    created_at: datetime


class EventOut(BaseModel):
    id: int
    type: str
    actor: Person | None
    data: dict[str, Any]
    at: datetime
