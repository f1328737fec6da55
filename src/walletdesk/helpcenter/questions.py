"""The log of questions asked of help search, and the admins' labels that teach the next build.

Owns what is kept of a question (its text after the scam shield, never before), what
followed it (the article opened, "was this helpful", a case opened anyway), the grouping of
unanswered and unhelpful questions for admins, and turning their labels into examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.db import utcnow
from walletdesk.errors import NotFound, ValidationFailed
from walletdesk.helpcenter import textnorm
from walletdesk.helpcenter.models import FEEDBACK_VALUES, HelpArticle, HelpQuestion
from walletdesk.helpcenter.search import SearchResult
from walletdesk.helpcenter.training import OUT_OF_SCOPE, Example
from walletdesk.identity.models import User
from walletdesk.safety.service import redact_secrets

MAX_TEXT = 300
GROUP_LIMIT = 100
# The id (never the text) of the last question a browser searched, for "opened a case anyway".
QUESTION_COOKIE = "wd_help_q"


def question_id(value: object) -> int | None:
    """A logged question's id from a link, form or cookie, or None."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else None


def text_key(text: str) -> str:
    """The question normalised (case, width, Traditional, spacing), to group repeats."""
    return " ".join(textnorm.clean(text).split())[:MAX_TEXT]


def log_question(
    db: Session,
    *,
    query: str,
    lang: str,
    result: SearchResult,
    kind: str = "search",
    user: User | None = None,
) -> HelpQuestion | None:
    """Keep the question (secrets redacted first) and what search made of it."""
    text = redact_secrets(str(query)[:MAX_TEXT]).strip()
    if not text:
        return None
    row = HelpQuestion(
        kind=kind,
        lang=lang,
        text=text,
        text_key=text_key(text),
        answered=result.answered,
        top_slug=result.hits[0].slug if result.hits else None,
        confidence=float(result.confidence),
        opened_case=False,
        user_id=user.id if user is not None else None,
    )
    db.add(row)
    db.flush()
    return row


def _question(db: Session, question_id: int | None) -> HelpQuestion | None:
    return db.get(HelpQuestion, question_id) if question_id else None


def record_opened(db: Session, *, question_id: int | None, slug: str) -> None:
    """The customer opened article `slug` from the results of this question."""
    row = _question(db, question_id)
    if row is not None and row.opened_slug is None:
        row.opened_slug = slug[:80]


def record_feedback(db: Session, *, question_id: int | None, slug: str, value: str) -> None:
    """ "Was this helpful?" on article `slug`, for the question it was opened from (if any)."""
    if value not in FEEDBACK_VALUES:
        raise ValidationFailed("Choose helpful or not helpful.", field="helpful")
    row = _question(db, question_id)
    if row is None:
        return
    row.opened_slug = row.opened_slug or slug[:80]
    row.feedback = value


def record_case_opened(db: Session, *, question_id: int | None) -> None:
    """The customer opened a case after this question: the answer did not do."""
    row = _question(db, question_id)
    if row is not None:
        row.opened_case = True


@dataclass(frozen=True)
class QuestionGroup:
    lang: str
    key: str
    text: str  # the latest wording
    count: int
    unanswered: int
    unhelpful: int  # marked not helpful, or a case opened anyway
    top_slug: str | None
    last_seen: datetime


def groups_to_review(db: Session, *, limit: int = GROUP_LIMIT) -> list[QuestionGroup]:
    """Unlabelled questions that were not answered or did not help, grouped by wording."""
    unhelpful = or_(HelpQuestion.feedback == "not_helpful", HelpQuestion.opened_case.is_(True))
    rows = db.scalars(
        select(HelpQuestion)
        .where(HelpQuestion.label.is_(None))
        .where(or_(HelpQuestion.answered.is_(False), unhelpful))
        .order_by(HelpQuestion.created_at.desc(), HelpQuestion.id.desc())
        .limit(5000)
    ).all()
    found: dict[tuple[str, str], list[HelpQuestion]] = {}
    for row in rows:
        found.setdefault((row.lang, row.text_key), []).append(row)
    groups = [
        QuestionGroup(
            lang=lang,
            key=key,
            text=items[0].text,
            count=len(items),
            unanswered=sum(not r.answered for r in items),
            unhelpful=sum(r.feedback == "not_helpful" or r.opened_case for r in items),
            top_slug=items[0].top_slug,
            last_seen=items[0].created_at,
        )
        for (lang, key), items in found.items()
    ]
    groups.sort(key=lambda g: (-g.count, -g.last_seen.timestamp()))
    return groups[:limit]


def label_group(db: Session, *, lang: str, key: str, label: str, actor: User, ip: str = "") -> int:
    """Label every question of this wording with an article slug or OUT_OF_SCOPE."""
    if label != OUT_OF_SCOPE and (
        db.scalar(select(HelpArticle.id).where(HelpArticle.slug == label)) is None
    ):
        raise ValidationFailed("Choose an article or out of scope.", field="label")
    done = db.execute(
        update(HelpQuestion)
        .where(HelpQuestion.lang == lang, HelpQuestion.text_key == key)
        .values(label=label, labelled_by=actor.id, labelled_at=utcnow())
    )
    count = getattr(done, "rowcount", 0)
    if not count:
        raise NotFound("This question is no longer in the log.")
    audit.record(
        db,
        actor_id=actor.id,
        action="help_question.labelled",
        subject_type="help_question",
        subject_id=f"{lang}:{key}"[:200],
        details={"label": label, "questions": count},
        ip=ip,
    )
    return int(count)


def labelled_examples(db: Session) -> list[Example]:
    """One example per labelled wording (its latest label), for `walletdesk kb train`."""
    rows = db.execute(
        select(HelpQuestion.lang, HelpQuestion.text_key, HelpQuestion.label, HelpQuestion.text)
        .where(HelpQuestion.label.is_not(None))
        .order_by(HelpQuestion.labelled_at)
    ).all()
    latest: dict[tuple[str, str], Example] = {}
    for lang, key, label, text in rows:
        slug = None if label == OUT_OF_SCOPE else label
        latest[(lang, key)] = Example(text, lang, slug, "label")
    return list(latest.values())


def label_count(db: Session) -> int:
    return int(
        db.scalar(select(func.count(HelpQuestion.id)).where(HelpQuestion.label.is_not(None))) or 0
    )
