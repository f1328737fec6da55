"""Who answers a conversation that asks for a person: the least busy available agent under
their limit who speaks its language, else the queue (position and estimated wait), and
support hours (outside them the customer is told when a person answers, and a case follows).

Called by conversations.service with the conversation's row locked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from walletdesk.config import service_settings
from walletdesk.conversations.models import AgentPresence, Conversation, Message
from walletdesk.conversations.signals import ConversationChanged, FollowUpNeeded
from walletdesk.db import utcnow
from walletdesk.errors import Conflict, ValidationFailed
from walletdesk.events import publish
from walletdesk.i18n import N_, Translator
from walletdesk.identity.models import User

Post = Callable[..., Message]
DEFAULT_MINUTES_PER_POSITION = 3
# Handover reasons that go before everyone waiting: a customer in distress is answered first.
URGENT_REASONS = ("distress",)
_HOURS = re.compile(r"^\s*(\S+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

JOINED = N_("{name} from our support team has joined the conversation.")
WAITING = N_(
    "You are number {position} in the queue; a person should answer in about {minutes} "
    "minutes. Stay here: you will see their answer in this conversation."
)
AFTER_HOURS = N_(
    "Our team answers chats from {start} to {end} ({zone} time). A person will reply from "
    "{when}; your conversation is kept, and we follow it up as a case so nothing is lost."
)


@dataclass(frozen=True)
class SupportHours:
    zone: ZoneInfo
    start: time
    end: time

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone).time()
        return self.start <= local < self.end

    def next_opening(self, now: datetime) -> datetime:
        local = now.astimezone(self.zone)
        opening = datetime.combine(local.date(), self.start, tzinfo=self.zone)
        return opening if opening > local else opening + timedelta(days=1)


def support_hours(spec: str) -> SupportHours:
    """`"Asia/Shanghai 09:00-21:00"`: the hours people answer, every day."""
    match = _HOURS.match(spec)
    if match is None:
        raise ValidationFailed("Support hours look like 'Asia/Shanghai 09:00-21:00'.")
    zone, h1, m1, h2, m2 = match.groups()
    return SupportHours(ZoneInfo(zone), time(int(h1), int(m1)), time(int(h2), int(m2)))


def presence_of(db: Session, *, agent: User) -> AgentPresence:
    presence = db.get(AgentPresence, agent.id)
    if presence is None:
        presence = AgentPresence(user_id=agent.id, status="away", max_concurrent=3)
        presence.languages = "zh,en"
        db.add(presence)
        db.flush()
    return presence


def loads(db: Session) -> dict[int, int]:
    """agent id → conversations they hold now."""
    rows = db.execute(
        select(Conversation.assignee_id, func.count())
        .where(Conversation.state == "assigned", Conversation.assignee_id.is_not(None))
        .group_by(Conversation.assignee_id)
    )
    return {int(agent_id or 0): int(count) for agent_id, count in rows}


def least_busy(db: Session, *, lang: str, exclude: int | None = None) -> int | None:
    """The available agent speaking `lang` with the fewest conversations under their limit
    (ties: the one who became available first). Their presence rows stay locked until the
    transaction ends, so two assignments at once cannot both take the last place."""
    available = list(
        db.scalars(
            select(AgentPresence)
            .where(AgentPresence.status == "available")
            .order_by(AgentPresence.updated_at, AgentPresence.user_id)
            .with_for_update()
        )
    )
    held = loads(db)
    best: tuple[int, int] | None = None
    for presence in available:
        load = held.get(presence.user_id, 0)
        if presence.user_id == exclude or not presence.speaks(lang):
            continue
        if load >= presence.max_concurrent:
            continue
        if best is None or load < best[1]:
            best = (presence.user_id, load)
    return best[0] if best else None


def give(db: Session, *, conversation: Conversation, agent: User, post: Post) -> None:
    """`agent` answers `conversation` from now on; the customer is told who joined."""
    if conversation.assignee_id == agent.id and conversation.state == "assigned":
        return
    conversation.assignee_id = agent.id
    conversation.assigned_at = utcnow()
    conversation.state = "assigned"
    _ = Translator(conversation.lang)
    post(
        db,
        conversation=conversation,
        text=_(JOINED, name=agent.display_name),
        data={"kind": "joined", "agent": agent.display_name},
    )


def place(
    db: Session, *, conversation: Conversation, post: Post, exclude: int | None = None
) -> None:
    """A queued conversation: to an agent now if one can take it, else it waits and the
    customer is told their place (outside support hours: when a person answers)."""
    settings = service_settings(db)
    hours = support_hours(settings.support_hours)
    now = utcnow()
    if not hours.is_open(now):
        _after_hours(db, conversation=conversation, hours=hours, now=now, post=post)
        return
    agent_id = least_busy(db, lang=conversation.lang, exclude=exclude)
    if agent_id is not None:
        agent = db.get(User, agent_id)
        if agent is not None:
            give(db, conversation=conversation, agent=agent, post=post)
            return
    tell_position(db, conversation=conversation, post=post)


def tell_position(db: Session, *, conversation: Conversation, post: Post) -> None:
    position = queue_position(db, conversation=conversation) or 1
    minutes = eta_minutes(db, position=position)
    _ = Translator(conversation.lang)
    post(
        db,
        conversation=conversation,
        text=_(WAITING, position=position, minutes=minutes),
        data={"kind": "queue", "position": position, "eta_minutes": minutes},
    )


def _after_hours(
    db: Session, *, conversation: Conversation, hours: SupportHours, now: datetime, post: Post
) -> None:
    _ = Translator(conversation.lang)
    when = hours.next_opening(now)
    text = _(
        AFTER_HOURS,
        start=hours.start.strftime("%H:%M"),
        end=hours.end.strftime("%H:%M"),
        zone=str(hours.zone),
        when=when.strftime("%Y-%m-%d %H:%M"),
    )
    post(
        db,
        conversation=conversation,
        text=text,
        data={"kind": "after_hours", "at": when.isoformat()},
    )
    collected: Mapping[str, Any] = (conversation.assistant_memory or {}).get("collected", {})
    publish(
        db,
        FollowUpNeeded(
            conversation_id=conversation.id,
            customer_id=conversation.customer_id,
            reason=conversation.handover_reason,
            lang=conversation.lang,
            collected=tuple((str(k), str(v)) for k, v in collected.items()),
        ),
    )


def queue_position(db: Session, *, conversation: Conversation) -> int | None:
    """1 for the next to be answered; None when the conversation is not waiting."""
    if conversation.state != "queued" or conversation.queued_at is None:
        return None
    rank = 0 if conversation.handover_reason in URGENT_REASONS else 1
    older = (Conversation.queued_at < conversation.queued_at) | (
        (Conversation.queued_at == conversation.queued_at) & (Conversation.id < conversation.id)
    )
    ahead = db.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.state == "queued",
            Conversation.id != conversation.id,
            (_rank() < rank) | ((_rank() == rank) & older),
        )
    )
    return int(ahead or 0) + 1


def _rank() -> ColumnElement[int]:
    """0 for an urgent conversation, 1 for the others: the queue's order before its age."""
    return case((Conversation.handover_reason.in_(URGENT_REASONS), 0), else_=1)


def queue_places(db: Session) -> dict[int, int]:
    """Every waiting conversation's place (id → 1 for the next to be answered), in one read:
    the same order as `queue_position`."""
    waiting = db.scalars(
        select(Conversation.id)
        .where(Conversation.state == "queued", Conversation.queued_at.is_not(None))
        .order_by(_rank(), Conversation.queued_at, Conversation.id)
    )
    return {conversation_id: place for place, conversation_id in enumerate(waiting, 1)}


def eta_minutes(db: Session, *, position: int) -> int:
    """About how long the `position`-th in the queue waits (outside support hours, from the
    next opening)."""
    return wait_for_place(minutes_per_place(db), position, closed=minutes_until_open(db))


def wait_for_place(per_place: float, position: int, *, closed: float = 0.0) -> int:
    return max(1, round(closed + per_place * position))


def minutes_until_open(db: Session) -> float:
    """0 during support hours; else the minutes until people answer again."""
    hours = support_hours(service_settings(db).support_hours)
    now = utcnow()
    if hours.is_open(now):
        return 0.0
    return max(0.0, (hours.next_opening(now) - now).total_seconds() / 60)


def minutes_per_place(db: Session) -> float:
    """How long each place in the queue takes: from how long agents took over the last
    conversations they closed, shared among those available; a few minutes per place when
    there is no history yet."""
    recent = list(
        db.execute(
            select(Conversation.assigned_at, Conversation.closed_at)
            .where(Conversation.closed_at.is_not(None), Conversation.assigned_at.is_not(None))
            .order_by(Conversation.closed_at.desc())
            .limit(50)
        )
    )
    per_place = float(DEFAULT_MINUTES_PER_POSITION)
    if recent:
        minutes = [
            (closed - assigned).total_seconds() / 60
            for assigned, closed in recent
            if closed is not None and assigned is not None
        ]
        capacity = db.scalar(
            select(func.coalesce(func.sum(AgentPresence.max_concurrent), 0)).where(
                AgentPresence.status == "available"
            )
        )
        per_place = sum(minutes) / max(1, len(minutes)) / max(1, int(capacity or 0))
    return per_place


def drain(db: Session, *, post: Post) -> int:
    """Give waiting conversations (urgent ones first, then the oldest) to agents who can take
    them now; how many were given. Called when an agent becomes available or a place frees
    up."""
    given = 0
    waiting = list(
        db.scalars(
            select(Conversation)
            .where(Conversation.state == "queued")
            .order_by(_rank(), Conversation.queued_at, Conversation.id)
            .limit(100)
        )
    )
    for conversation in waiting:
        agent_id = least_busy(db, lang=conversation.lang)
        if agent_id is None:
            continue
        agent = db.get(User, agent_id)
        if agent is None:
            continue
        give(db, conversation=conversation, agent=agent, post=post)
        publish(
            db,
            ConversationChanged(
                conversation_id=conversation.id, state="assigned", assignee_id=agent_id
            ),
        )
        given += 1
    return given


def require_open(conversation: Conversation) -> None:
    if conversation.state == "closed":
        raise Conflict("This conversation has ended.", code="conversation_closed")
