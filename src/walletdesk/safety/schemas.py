"""API shapes of the scam shield."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RedactRequest(BaseModel):
    text: str = Field(max_length=100_000)


class FindingOut(BaseModel):
    kind: str = Field(
        description="recovery_phrase, private_key, card_number, id_number, otp, password or cvv"
    )
    start: int = Field(description="offset of the secret in the input text")
    end: int


class RedactResponse(BaseModel):
    text: str
    findings: list[FindingOut]
