"""Importing the bundled knowledge base (content/) into the database as published versions.

Only what is missing is added, so admins' edits survive a re-import.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletdesk.db import utcnow
from walletdesk.helpcenter import content
from walletdesk.helpcenter.models import ArticleVersion, HelpArticle, HelpCategory

FALLBACK_CATEGORY = ("other", "其他", "Other")
MAX_TITLE, MAX_SUMMARY = 200, 500


def import_articles(db: Session) -> int:
    """Add the categories, articles and language versions that are missing; return how many
    articles were new."""
    categories = {c.slug: c for c in db.scalars(select(HelpCategory))}
    placement: dict[str, tuple[str, int]] = {}
    for position, spec in enumerate(content.read_categories()):
        if spec.slug not in categories:
            categories[spec.slug] = HelpCategory(
                slug=spec.slug,
                name_zh=spec.names["zh"],
                name_en=spec.names["en"],
                position=position,
            )
            db.add(categories[spec.slug])
        for index, topic in enumerate(spec.topics):
            placement[topic] = (spec.slug, index)
    db.flush()
    existing = {a.slug: a for a in db.scalars(select(HelpArticle))}
    have = {
        (a, lang) for a, lang in db.execute(select(ArticleVersion.article_id, ArticleVersion.lang))
    }
    created, now = 0, utcnow()
    for item in content.read_articles():
        article = existing.get(item.slug)
        if article is None:
            category_slug, position = placement.get(item.slug, (FALLBACK_CATEGORY[0], 999))
            category = categories.get(category_slug) or _fallback_category(db, categories)
            article = HelpArticle(slug=item.slug, category_id=category.id, position=position)
            db.add(article)
            db.flush()
            existing[item.slug] = article
            created += 1
        if (article.id, item.lang) in have:
            continue
        db.add(
            ArticleVersion(
                article_id=article.id,
                lang=item.lang,
                number=1,
                status="published",
                title=item.title[:MAX_TITLE],
                summary=item.summary[:MAX_SUMMARY],
                body=item.body,
                published_at=now,
                updated_at=now,
            )
        )
        have.add((article.id, item.lang))
    db.flush()
    return created


def _fallback_category(db: Session, categories: dict[str, HelpCategory]) -> HelpCategory:
    slug, name_zh, name_en = FALLBACK_CATEGORY
    if slug not in categories:
        categories[slug] = HelpCategory(slug=slug, name_zh=name_zh, name_en=name_en, position=99)
        db.add(categories[slug])
        db.flush()
    return categories[slug]
