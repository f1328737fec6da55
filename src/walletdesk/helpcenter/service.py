"""Help-center articles: reading what is published, drafting and publishing versions, search,
the fee schedule and importing the bundled knowledge base.

Functions flush, never commit. Admin changes write an audit entry in the same transaction.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.helpcenter import announcements, bundled, model_store, questions, registry
from walletdesk.helpcenter.fees import FeeSchedule, load_schedule
from walletdesk.helpcenter.model import QuestionModel
from walletdesk.helpcenter.models import ArticleVersion, HelpArticle, HelpCategory
from walletdesk.helpcenter.search import SearchDoc, SearchHit, SearchIndex, SearchResult
from walletdesk.identity.models import User

LANGS = ("zh", "en")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TITLE, MAX_SUMMARY, MAX_BODY = 200, 500, 100_000


@dataclass(frozen=True)
class PublishedArticle:
    """What the public sees of an article in one language (or the other, if only that one
    is published yet: `lang` says which)."""

    slug: str
    lang: str
    title: str
    summary: str
    body: str
    category: HelpCategory
    updated_at: datetime


@dataclass(frozen=True)
class ArticleOverview:
    article: HelpArticle
    published: dict[str, ArticleVersion]
    drafts: dict[str, ArticleVersion]


# -- reading ---------------------------------------------------------------------------------


def list_categories(db: Session) -> list[HelpCategory]:
    return list(db.scalars(select(HelpCategory).order_by(HelpCategory.position, HelpCategory.id)))


def get_category(db: Session, *, slug: str) -> HelpCategory:
    category = db.scalar(select(HelpCategory).where(HelpCategory.slug == slug))
    if category is None:
        raise NotFound("This category does not exist.")
    return category


def _published_rows(db: Session, *, slug: str | None = None) -> list[ArticleVersion]:
    query = (
        select(ArticleVersion)
        .join(ArticleVersion.article)
        .join(HelpArticle.category)
        .where(ArticleVersion.status == "published")
        .order_by(HelpCategory.position, HelpArticle.position, HelpArticle.id)
    )
    if slug is not None:
        query = query.where(HelpArticle.slug == slug)
    return list(db.scalars(query))


def _in_language(rows: list[ArticleVersion], lang: str) -> list[PublishedArticle]:
    """One entry per article, in `lang` when published in it, else in the other language."""
    chosen: dict[int, ArticleVersion] = {}
    for row in rows:
        current = chosen.get(row.article_id)
        if current is None or (row.lang == lang and current.lang != lang):
            chosen[row.article_id] = row
    return [
        PublishedArticle(
            slug=v.article.slug,
            lang=v.lang,
            title=v.title,
            summary=v.summary,
            body=v.body,
            category=v.article.category,
            updated_at=v.published_at or v.updated_at,
        )
        for v in chosen.values()
    ]


def published_articles(
    db: Session, *, lang: str, category: HelpCategory | None = None
) -> list[PublishedArticle]:
    articles = _in_language(_published_rows(db), lang)
    if category is not None:
        articles = [a for a in articles if a.category.id == category.id]
    return articles


def get_published(db: Session, *, slug: str, lang: str) -> PublishedArticle:
    found = _in_language(_published_rows(db, slug=slug), lang)
    if not found:
        raise NotFound("This article does not exist.")
    return found[0]


def related_articles(
    db: Session, *, article: PublishedArticle, lang: str, limit: int = 6
) -> list[PublishedArticle]:
    same = published_articles(db, lang=lang, category=article.category)
    return [a for a in same if a.slug != article.slug][:limit]


# -- editing (admin) -------------------------------------------------------------------------


def get_article(db: Session, *, slug: str) -> HelpArticle:
    article = db.scalar(select(HelpArticle).where(HelpArticle.slug == slug))
    if article is None:
        raise NotFound("This article does not exist.")
    return article


def article_overview(db: Session) -> list[ArticleOverview]:
    articles = db.scalars(
        select(HelpArticle)
        .join(HelpArticle.category)
        .order_by(HelpCategory.position, HelpArticle.position, HelpArticle.id)
    ).all()
    current = db.scalars(
        select(ArticleVersion).where(ArticleVersion.status.in_(("draft", "published")))
    ).all()
    rows = {a.id: ArticleOverview(article=a, published={}, drafts={}) for a in articles}
    for version in current:
        row = rows.get(version.article_id)
        if row is not None:
            target = row.published if version.status == "published" else row.drafts
            target[version.lang] = version
    return list(rows.values())


def _version(db: Session, *, article: HelpArticle, lang: str, status: str) -> ArticleVersion | None:
    return db.scalar(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article.id,
            ArticleVersion.lang == lang,
            ArticleVersion.status == status,
        )
    )


def draft_of(db: Session, *, article: HelpArticle, lang: str) -> ArticleVersion | None:
    return _version(db, article=article, lang=lang, status="draft")


def published_of(db: Session, *, article: HelpArticle, lang: str) -> ArticleVersion | None:
    return _version(db, article=article, lang=lang, status="published")


def working_copy(db: Session, *, article: HelpArticle, lang: str) -> ArticleVersion | None:
    """What the editor opens with: the draft if there is one, else the published version."""
    return draft_of(db, article=article, lang=lang) or published_of(db, article=article, lang=lang)


def version_history(db: Session, *, article: HelpArticle, lang: str) -> list[ArticleVersion]:
    return list(
        db.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.article_id == article.id, ArticleVersion.lang == lang)
            .order_by(ArticleVersion.number.desc())
        )
    )


def get_version(db: Session, *, article: HelpArticle, lang: str, number: int) -> ArticleVersion:
    version = db.scalar(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article.id,
            ArticleVersion.lang == lang,
            ArticleVersion.number == number,
        )
    )
    if version is None:
        raise NotFound("This version does not exist.")
    return version


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise NotFound()
    return lang


def check_draft(*, title: str, summary: str, body: str) -> tuple[str, str, str]:
    title, summary, body = title.strip(), summary.strip(), body.strip()
    if not title:
        raise ValidationFailed("Enter a title.", field="title")
    if len(title) > MAX_TITLE:
        raise ValidationFailed("At most {limit} characters.", field="title", limit=MAX_TITLE)
    if len(summary) > MAX_SUMMARY:
        raise ValidationFailed("At most {limit} characters.", field="summary", limit=MAX_SUMMARY)
    if not body:
        raise ValidationFailed("Enter the article text.", field="body")
    if len(body) > MAX_BODY:
        raise ValidationFailed("At most {limit} characters.", field="body", limit=MAX_BODY)
    return title, summary, body


def save_draft(
    db: Session,
    *,
    article: HelpArticle,
    lang: str,
    title: str,
    summary: str,
    body: str,
    actor: User,
    ip: str = "",
) -> ArticleVersion:
    """Create or update the draft of `article` in `lang`; the public version is untouched."""
    _check_lang(lang)
    title, summary, body = check_draft(title=title, summary=summary, body=body)
    draft = draft_of(db, article=article, lang=lang)
    if draft is None:
        last = db.scalar(
            select(func.max(ArticleVersion.number)).where(
                ArticleVersion.article_id == article.id, ArticleVersion.lang == lang
            )
        )
        draft = ArticleVersion(
            article_id=article.id, lang=lang, number=(last or 0) + 1, status="draft"
        )
        db.add(draft)
    draft.title, draft.summary, draft.body = title, summary, body
    draft.author_id = actor.id
    draft.updated_at = utcnow()
    db.flush()
    _audit_article(
        db,
        actor=actor,
        action="article.draft_saved",
        article=article,
        ip=ip,
        details={"lang": lang, "version": draft.number},
    )
    return draft


def _audit_article(
    db: Session,
    *,
    actor: User,
    action: str,
    article: HelpArticle,
    ip: str,
    details: dict[str, object],
) -> None:
    audit.record(
        db,
        actor_id=actor.id,
        action=action,
        subject_type="article",
        subject_id=article.slug,
        details=details,
        ip=ip,
    )


def publish_draft(
    db: Session, *, article: HelpArticle, lang: str, actor: User, ip: str = ""
) -> ArticleVersion:
    _check_lang(lang)
    draft = draft_of(db, article=article, lang=lang)
    if draft is None:
        raise Conflict("There is no draft to publish.")
    previous = published_of(db, article=article, lang=lang)
    if previous is not None:
        previous.status = "superseded"
        db.flush()
    draft.status = "published"
    draft.published_at = utcnow()
    draft.publisher_id = actor.id
    db.flush()
    _audit_article(
        db,
        actor=actor,
        action="article.published",
        article=article,
        ip=ip,
        details={"lang": lang, "version": draft.number},
    )
    return draft


def discard_draft(
    db: Session, *, article: HelpArticle, lang: str, actor: User, ip: str = ""
) -> None:
    draft = draft_of(db, article=article, lang=lang)
    if draft is None:
        raise Conflict("There is no draft to discard.")
    number = draft.number
    db.delete(draft)
    db.flush()
    _audit_article(
        db,
        actor=actor,
        action="article.draft_discarded",
        article=article,
        ip=ip,
        details={"lang": lang, "version": number},
    )


def create_article(
    db: Session, *, slug: str, category_slug: str, actor: User, ip: str = ""
) -> HelpArticle:
    """A new, empty article; it appears to the public once a version is published."""
    slug = slug.strip().lower()
    if not SLUG.match(slug) or len(slug) > 80:
        raise ValidationFailed(
            "Use lower-case letters, digits and hyphens (for example lost-card).", field="slug"
        )
    if db.scalar(select(HelpArticle.id).where(HelpArticle.slug == slug)) is not None:
        raise Conflict("An article with this slug already exists.", field="slug")
    category = get_category(db, slug=category_slug)
    last = db.scalar(
        select(func.max(HelpArticle.position)).where(HelpArticle.category_id == category.id)
    )
    article = HelpArticle(slug=slug, category_id=category.id, position=(last or 0) + 1)
    db.add(article)
    db.flush()
    audit.record(
        db,
        actor_id=actor.id,
        action="article.created",
        subject_type="article",
        subject_id=slug,
        details={"category": category.slug},
        ip=ip,
    )
    return article


def move_article(
    db: Session, *, article: HelpArticle, category_slug: str, actor: User, ip: str = ""
) -> None:
    category = get_category(db, slug=category_slug)
    if category.id == article.category_id:
        return
    before = article.category.slug
    article.category_id = category.id
    db.flush()
    db.refresh(article)
    _audit_article(
        db,
        actor=actor,
        action="article.moved",
        article=article,
        ip=ip,
        details={"from": before, "to": category.slug},
    )


# -- search ----------------------------------------------------------------------------------

_INDEX_LOCK = threading.Lock()
_INDEXES: OrderedDict[tuple[object, ...], SearchIndex] = OrderedDict()
_MAX_INDEXES = 4


def _content_version(db: Session) -> tuple[object, ...]:
    """Changes whenever a version is published: the cache key of the search index."""
    count, last_published, last_id = db.execute(
        select(
            func.count(ArticleVersion.id),
            func.max(ArticleVersion.published_at),
            func.max(ArticleVersion.id),
        ).where(ArticleVersion.status == "published")
    ).one()
    url = db.get_bind().engine.url.render_as_string(hide_password=True)
    return (url, count, str(last_published), last_id)


def search_index(db: Session) -> SearchIndex:
    """The index of the published versions, built once per content version and process."""
    key = _content_version(db)
    with _INDEX_LOCK:
        index = _INDEXES.get(key)
        if index is None:
            docs = [
                SearchDoc(
                    slug=v.article.slug, lang=v.lang, title=v.title, summary=v.summary, body=v.body
                )
                for v in _published_rows(db)
            ]
            index = SearchIndex.build(docs)
            _INDEXES[key] = index
            while len(_INDEXES) > _MAX_INDEXES:
                _INDEXES.popitem(last=False)
        else:
            _INDEXES.move_to_end(key)
        return index


def search_articles(db: Session, *, query: str, lang: str, limit: int = 5) -> SearchResult:
    """Published articles that answer `query`, best first, each with its score in [0, 1];
    `confidence` is the best one's and `answered` is false when no article is a confident
    answer (the threshold calibrated on held-out questions; see helpcenter/model.py).

    This is the one entry point of help search: the help center, its API and the assistant
    rank with it. The trained model joins the lexical ranking once it is built or loaded.
    """
    if not query.strip():
        return SearchResult(answered=False, hits=[])
    index = search_index(db)
    model = _model(db)
    if model is None:
        return index.search(query, lang=lang, limit=limit)
    return model.search(index, query, lang=lang, limit=limit)


def ask(
    db: Session, *, query: str, lang: str, limit: int = 5, kind: str = "search", user: User | None
) -> tuple[SearchResult, int | None]:
    """`search_articles`, and the question logged (secrets redacted) for admins to review;
    returns the result and the id of the logged question (None when nothing was asked)."""
    result = search_articles(db, query=query, lang=lang, limit=limit)
    row = questions.log_question(db, query=query, lang=lang, result=result, kind=kind, user=user)
    return result, row.id if row is not None else None


def build_search_model(db: Session, *, data_dir: Path) -> QuestionModel:
    """Build the question model from the shipped data and the admins' labels, and use it."""
    return model_store.train(data_dir, questions.labelled_examples(db))


def suggest_articles(db: Session, *, query: str, lang: str, limit: int = 5) -> list[SearchHit]:
    """Articles to suggest while someone is still typing `query`."""
    if not query.strip():
        return []
    index = search_index(db)
    hits = index.suggest(query, lang=lang, limit=limit)
    model = _model(db)
    if model is None:
        return hits
    # A confident answer to what is typed so far comes first, then titles it completes.
    found = model.search(index, query, lang=lang, limit=limit)
    first = found.hits[:1] if found.answered else []
    return [*first, *(h for h in hits if h.slug not in {f.slug for f in first})][:limit]


def _model(db: Session) -> QuestionModel | None:
    settings = db.info.get("settings")
    if settings is None or not settings.search_model:
        return None
    return model_store.current(settings.model_dir)


# -- fee schedule ----------------------------------------------------------------------------


def fee_schedule() -> FeeSchedule:
    """The wallet's own fee schedule (wallet/fees.yaml), so help shows what is charged."""
    return load_schedule()


# -- bundled knowledge base ------------------------------------------------------------------


def load_knowledge_base(db: Session) -> int:
    """Import the bundled articles that are not in the database yet; return how many.

    Categories and articles already present are left as admins edited them; a language
    version is imported only for an article that has none in that language. Official
    channels and sample announcements are seeded when there are none. Idempotent.
    """
    created = bundled.import_articles(db)
    registry.seed_channels(db)
    announcements.seed_announcements(db)
    return created
