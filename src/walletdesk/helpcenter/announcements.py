"""Announcements: policy changes, maintenance and security notices, each shown in the help
center while published and inside its window.

Functions flush, never commit; every admin change writes an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.db import utcnow
from walletdesk.errors import NotFound, ValidationFailed
from walletdesk.helpcenter import registry
from walletdesk.helpcenter.models import ANNOUNCEMENT_KINDS, Announcement
from walletdesk.identity.models import User

MAX_TITLE, MAX_BODY = 200, 20_000


@dataclass(frozen=True)
class AnnouncementDraft:
    """What an admin typed, checked by `check_announcement`."""

    kind: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    pinned: bool
    starts_at: datetime
    ends_at: datetime | None


def visible_announcements(
    db: Session, *, pinned_only: bool = False, now: datetime | None = None
) -> list[Announcement]:
    """Published announcements inside their window, pinned first, newest first."""
    now = now or utcnow()
    query = select(Announcement).where(
        Announcement.is_published.is_(True),
        Announcement.starts_at <= now,
        or_(Announcement.ends_at.is_(None), Announcement.ends_at > now),
    )
    if pinned_only:
        query = query.where(Announcement.pinned.is_(True))
    query = query.order_by(Announcement.pinned.desc(), Announcement.starts_at.desc())
    return list(db.scalars(query))


def all_announcements(db: Session) -> list[Announcement]:
    return list(db.scalars(select(Announcement).order_by(Announcement.created_at.desc())))


def get_announcement(db: Session, *, announcement_id: int) -> Announcement:
    announcement = db.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound()
    return announcement


def check_announcement(draft: AnnouncementDraft) -> AnnouncementDraft:
    if draft.kind not in ANNOUNCEMENT_KINDS:
        raise ValidationFailed("Choose a kind.", field="kind")
    if not draft.title_zh.strip():
        raise ValidationFailed("Enter a title.", field="title_zh")
    if not draft.title_en.strip():
        raise ValidationFailed("Enter a title.", field="title_en")
    for name in ("title_zh", "title_en"):
        if len(getattr(draft, name)) > MAX_TITLE:
            raise ValidationFailed("At most {limit} characters.", field=name, limit=MAX_TITLE)
    for name in ("body_zh", "body_en"):
        if len(getattr(draft, name)) > MAX_BODY:
            raise ValidationFailed("At most {limit} characters.", field=name, limit=MAX_BODY)
    if draft.ends_at is not None and draft.ends_at <= draft.starts_at:
        raise ValidationFailed("The end must be after the start.", field="ends_at")
    return draft


def save_announcement(
    db: Session,
    *,
    draft: AnnouncementDraft,
    actor: User | None,
    announcement: Announcement | None = None,
    ip: str = "",
) -> Announcement:
    """Create (announcement None, unpublished) or update an announcement."""
    check_announcement(draft)
    created = announcement is None
    if announcement is None:
        announcement = Announcement(author_id=actor.id if actor else None, is_published=False)
        db.add(announcement)
    announcement.kind = draft.kind
    announcement.title_zh, announcement.title_en = draft.title_zh.strip(), draft.title_en.strip()
    announcement.body_zh, announcement.body_en = draft.body_zh.strip(), draft.body_en.strip()
    announcement.pinned = draft.pinned
    announcement.starts_at, announcement.ends_at = draft.starts_at, draft.ends_at
    announcement.updated_at = utcnow()
    db.flush()
    if actor is not None:
        action = "announcement.created" if created else "announcement.updated"
        _audit(db, actor=actor, ip=ip, action=action, announcement=announcement)
    return announcement


def set_published(
    db: Session, *, announcement: Announcement, published: bool, actor: User, ip: str = ""
) -> None:
    announcement.is_published = published
    announcement.updated_at = utcnow()
    db.flush()
    action = "announcement.published" if published else "announcement.unpublished"
    _audit(db, actor=actor, ip=ip, action=action, announcement=announcement)


def _audit(db: Session, *, actor: User, ip: str, action: str, announcement: Announcement) -> None:
    audit.record(
        db,
        actor_id=actor.id,
        action=action,
        subject_type="announcement",
        subject_id=announcement.id,
        details={"title": announcement.title_zh, "pinned": announcement.pinned},
        ip=ip,
    )


def seed_announcements(db: Session) -> int:
    """Two published sample announcements, when there are none at all."""
    if db.scalar(select(Announcement.id).limit(1)) is not None:
        return 0
    items = registry.seed_data().announcements
    now = utcnow()
    for item in items:
        announcement = save_announcement(
            db,
            draft=AnnouncementDraft(
                kind=item.kind,
                title_zh=item.title.zh,
                title_en=item.title.en,
                body_zh=item.body.zh,
                body_en=item.body.en,
                pinned=item.pinned,
                starts_at=now,
                ends_at=None,
            ),
            actor=None,
        )
        announcement.is_published = True
    db.flush()
    return len(items)
