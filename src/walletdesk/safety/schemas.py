"""API shapes of the scam shield."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class RedactRequest(BaseModel):
    text: str = Field(max_length=100_000)
    lang: Literal["zh", "en"] | None = Field(
        None, description="Language of the markers (default: the language the text is in)"
    )


class FindingOut(BaseModel):
    kind: str = Field(
        description="recovery_phrase, private_key, card_number, id_number, otp, password or cvv"
    )
    start: int = Field(description="offset of the secret in the input text")
    end: int


class RedactResponse(BaseModel):
    text: str
    findings: list[FindingOut]
