"""API shapes of identity."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TokenRequest(BaseModel):
    login: str = Field(
        min_length=1, max_length=254, description="Phone number (customers) or email (staff)"
    )
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


class Me(BaseModel):
    id: int
    role: str
    display_name: str
    login: str
    lang: str
