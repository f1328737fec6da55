"""Help-center tables: categories, articles and their versions per language, announcements
and the registry of official channels.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walletdesk.db import Base, UTCDateTime, utcnow
from walletdesk.helpcenter import channels

VERSION_STATUSES = ("draft", "published", "superseded")
ANNOUNCEMENT_KINDS = ("notice", "policy", "maintenance", "security")
CHANNEL_KINDS = ("phone", "website", "email", "social", "app")


class HelpCategory(Base):
    __tablename__ = "help_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


class HelpArticle(Base):
    """An article is its slug and place; what it says lives in its versions, per language."""

    __tablename__ = "help_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("help_categories.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    category: Mapped[HelpCategory] = relationship(lazy="joined")


class ArticleVersion(Base):
    """One version of an article in one language.

    Per (article, lang) at most one version is `published` (what the public sees) and at most
    one is `draft` (what admins are editing); earlier published versions are `superseded`.
    Numbers count up per (article, lang) and are never reused, so history reads in order.
    """

    __tablename__ = "help_article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "lang", "number", name="uq_help_article_versions_number"),
        Index("ix_help_article_versions_status", "status", "lang"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("help_articles.id", ondelete="CASCADE"), index=True
    )
    lang: Mapped[str] = mapped_column(String(5))
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publisher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    article: Mapped[HelpArticle] = relationship(lazy="joined")


class Announcement(Base):
    """A notice shown in the help center between `starts_at` and `ends_at` once published."""

    __tablename__ = "help_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="notice")
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    pinned: Mapped[bool] = mapped_column(default=False)
    is_published: Mapped[bool] = mapped_column(default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def title(self, lang: str) -> str:
        return (self.title_en if lang == "en" else self.title_zh) or self.title_zh

    def body(self, lang: str) -> str:
        return (self.body_en if lang == "en" else self.body_zh) or self.body_zh


class OfficialChannel(Base):
    """A phone number, website, email address, social account or app that is ours.

    `match_key` is the value normalised by `channels.channel_key`, what a pasted value is
    compared with.
    """

    __tablename__ = "official_channels"
    __table_args__ = (UniqueConstraint("kind", "match_key", name="uq_official_channels_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    match_key: Mapped[str] = mapped_column(String(200), index=True)
    label_zh: Mapped[str] = mapped_column(String(200), default="")
    label_en: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    notes_zh: Mapped[str] = mapped_column(String(500), default="")
    notes_en: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def label(self, lang: str) -> str:
        return (self.label_en if lang == "en" else self.label_zh) or self.value

    def notes(self, lang: str) -> str:
        return self.notes_en if lang == "en" else self.notes_zh

    @property
    def href(self) -> str | None:
        """`tel:`, `mailto:` or the website's address (channels.href)."""
        return channels.href(self.kind, self.value)


QUESTION_KINDS = ("search", "assistant")
FEEDBACK_VALUES = ("helpful", "not_helpful")


class HelpQuestion(Base):
    """A question asked of help search (or the assistant), as stored: secrets redacted.

    What followed is filled in later: the article opened from the results, the "was this
    helpful" answer, and whether the customer opened a case anyway. `label` is an admin's
    verdict (an article slug, or training.OUT_OF_SCOPE), read by the next model build.
    """

    __tablename__ = "help_questions"
    __table_args__ = (Index("ix_help_questions_key", "lang", "text_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="search")
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(String(300))  # normalised, for grouping
    answered: Mapped[bool] = mapped_column(default=False)
    top_slug: Mapped[str | None] = mapped_column(String(80))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    opened_slug: Mapped[str | None] = mapped_column(String(80))
    feedback: Mapped[str | None] = mapped_column(String(16))
    opened_case: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    label: Mapped[str | None] = mapped_column(String(80))
    labelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    labelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(timezone=True), default=utcnow, index=True
    )
