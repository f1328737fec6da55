"""API shapes of the help center."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CategoryRef(BaseModel):
    slug: str
    name: str


class Article(BaseModel):
    slug: str
    lang: str = Field(description="Language of this text: zh or en")
    title: str
    body: str = Field(description="Markdown of the published version")
    summary: str
    category: CategoryRef
    updated_at: datetime


class ArticleListItem(BaseModel):
    slug: str
    lang: str
    title: str
    summary: str
    category: CategoryRef
    updated_at: datetime


class CategoryArticle(BaseModel):
    slug: str
    title: str
    summary: str


class Category(BaseModel):
    slug: str
    name: str
    articles: list[CategoryArticle]


class SearchHit(BaseModel):
    slug: str
    title: str
    score: float = Field(description="Confidence in [0, 1]")
    snippet: str


class SearchResponse(BaseModel):
    answered: bool = Field(description="False when no article is a confident answer")
    results: list[SearchHit]


class SuggestRequest(BaseModel):
    """What has been typed so far, in the body: request logs keep URLs, not bodies."""

    q: str = Field("", max_length=1000, description="What has been typed so far")
    lang: str | None = Field(None, description="zh or en (default: the caller's language)")
    limit: int = Field(5, ge=1, le=10)


class SuggestResponse(BaseModel):
    results: list[SearchHit]


class Announcement(BaseModel):
    id: int
    kind: str
    title: str
    body: str = Field(description="Markdown")
    pinned: bool
    starts_at: datetime
    ends_at: datetime | None


class FeeTier(BaseModel):
    up_to: int | None = Field(description="Minor units; the tier applies below it (null: no cap)")
    percent: str
    min: int | None
    max: int | None
    fixed: int
    description: str


class FeeRule(BaseModel):
    id: str
    direction: str
    direction_label: str
    method: str
    method_label: str
    scope: str
    scope_label: str
    currency: str = Field(description='Currency code, or "*" for the currency sent')
    conversion: bool | None
    tiers: list[FeeTier]
    description: str
    note: str
    offers: list[str] = Field(description="Ids of the promotions and waivers that apply")


class FeeOffer(BaseModel):
    id: str
    applies_to: list[str]
    title: str
    description: str
    free_per_calendar_month: int | None


class FeeScheduleResponse(BaseModel):
    lang: str
    currencies: dict[str, int] = Field(description="Currency code → digits of its minor unit")
    rules: list[FeeRule]
    promotions: list[FeeOffer]
    waivers: list[FeeOffer]


class OfficialChannel(BaseModel):
    kind: str = Field(description="phone, website, email, social or app")
    value: str
    label: str
    region: str
    notes: str


class ChannelCheckResponse(BaseModel):
    official: bool
    channel: OfficialChannel | None
    advice: str = Field(description="Why, and what to do next, in the caller's language")
    reason: str = Field(
        description=(
            "official; or why not: lookalike_domain, subdomain_trick, disguised_link, "
            "unknown_website, lookalike_email, free_email, unknown_email, lookalike_number, "
            "unknown_number, lookalike_handle, unknown_handle"
        )
    )
    resembles: str | None = Field(
        None, description="The official domain, number or account the value imitates"
    )
