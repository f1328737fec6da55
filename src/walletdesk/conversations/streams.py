"""Live transports of a conversation: a WebSocket (messages, typing, read receipts, who else is
viewing) and, where WebSockets are blocked, server-sent events (sending goes by the POST).

Both catch up from the client's last sequence number by reading the database, then wait for
the hub to wake them; a client drops what it already has (seq <= its last), so a wake lost or
doubled costs nothing. Database work runs in worker threads: the event loop only waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from fastapi import APIRouter, Header, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from walletdesk.config import Settings
from walletdesk.conversations import queue, realtime, service
from walletdesk.conversations.models import Conversation
from walletdesk.conversations.schemas import message_out
from walletdesk.db import session_scope
from walletdesk.errors import DomainError, NotFound, RateLimited
from walletdesk.i18n import N_, gettext, normalize_lang
from walletdesk.ratelimit import enforce
from walletdesk.web.deps import Context, Id, current_user

log = logging.getLogger("walletdesk.conversations")

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])
T = TypeVar("T")
_connections = itertools.count(1)

FOREIGN_ORIGIN = N_("This page may not open the chat.")
MALFORMED = N_("The message could not be read: send JSON with a type.")
SLOW_DOWN = N_("You are sending messages too quickly. Please wait a moment.")
VIEWER_TTL = 25.0  # seconds an agent counts as viewing after their last sign of life
HEARTBEAT = 10.0


@dataclass
class Peer:
    """One WebSocket connection: who, where, what it has already been sent."""

    websocket: WebSocket
    conversation_id: int
    reader: service.Reader
    author: str  # customer | agent
    name: str
    lang: str
    last: int
    conn: str = field(default_factory=lambda: f"{time.time_ns()}-{next(_connections)}")
    viewers: dict[str, tuple[str, float]] = field(default_factory=dict)  # conn → (name, seen)
    shown_viewers: list[str] = field(default_factory=list)
    position: int | None = None
    # One catch-up at a time: the hub's wake and the sender's own read must not both send.
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)


def _settings(websocket: WebSocket) -> Settings:
    settings: Settings = websocket.app.state.settings
    return settings


async def _in_thread(websocket: WebSocket, work: Callable[[Session], T]) -> T:
    """`work(db)` in a worker thread, in a transaction of its own (committed, then its
    after-commit work run), holding one of the app's database slots like a request."""
    return await _in_app_thread(websocket.app, work)


async def _in_app_thread(app: Any, work: Callable[[Session], T]) -> T:
    def run() -> T:
        with session_scope(app.state.sessionmaker) as db:
            return work(db)

    async with app.state.db_slots:
        return await anyio.to_thread.run_sync(run)


def origin_allowed(origin: str | None, host: str | None, settings: Settings) -> bool:
    """Browsers send the page's origin: this service's own host, or a page allowed to embed
    the widget. A client that is no browser sends none (and carries no one's cookies)."""
    if not origin:
        return True
    allowed = {o.strip().rstrip("/") for o in settings.widget_origins.split(",") if o.strip()}
    base = urlsplit(settings.base_url)
    allowed.add(f"{base.scheme}://{base.netloc}")
    if origin.rstrip("/") in allowed:
        return True
    return bool(host) and urlsplit(origin).netloc == host


@router.websocket("/inbox/ws")
async def inbox_socket(websocket: WebSocket) -> None:
    """Agents' console: a frame {"type": "inbox", "conversation_id", "state", "assignee_id",
    "last_seq", "unread"} whenever a conversation gets a message or changes hands."""
    settings = _settings(websocket)
    lang = normalize_lang(websocket.query_params.get("lang")) or settings.default_lang
    await websocket.accept()
    if not origin_allowed(websocket.headers.get("origin"), websocket.headers.get("host"), settings):
        await websocket.close(code=4403, reason=gettext(lang, FOREIGN_ORIGIN))
        return

    def who(db: Session) -> bool:
        user, _via_token = current_user(websocket, db)  # type: ignore[arg-type]
        return service.Reader(user=user).is_agent

    try:
        allowed = await _in_thread(websocket, who)
    except DomainError:
        allowed = False
    if not allowed:
        await websocket.close(code=4403, reason=gettext(lang, "You are not allowed to do this."))
        return
    hub: realtime.MemoryHub = websocket.app.state.chat_hub
    async with hub.subscribe(realtime.INBOX) as subscription, anyio.create_task_group() as tasks:
        tasks.start_soon(_inbox_push, websocket, subscription, tasks.cancel_scope)
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, KeyError):
            while True:
                await websocket.receive_text()  # nothing to say yet: keeps the line open
        tasks.cancel_scope.cancel()


async def _inbox_push(
    websocket: WebSocket, subscription: realtime.Subscription, scope: Any
) -> None:
    def row(db: Session, *, conversation_id: int) -> dict[str, Any] | None:
        found = db.get(Conversation, conversation_id)
        if found is None:
            return None
        return {
            "type": "inbox",
            "conversation_id": found.id,
            "state": found.state,
            "assignee_id": found.assignee_id,
            "last_seq": found.last_seq,
            "unread": max(0, found.last_seq - found.agent_last_read_seq),
        }

    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            notice = await subscription.queue.get()
            conversation_id = notice.get("conversation_id")
            if notice.get("type") not in ("wake", "state") or not isinstance(conversation_id, int):
                continue
            frame = await _in_thread(websocket, partial(row, conversation_id=conversation_id))
            if frame is not None:
                await websocket.send_text(json.dumps(frame))
    scope.cancel()


@router.websocket("/{conversation_id}/ws")
async def conversation_socket(
    websocket: WebSocket, conversation_id: int, after: int = 0, token: str = ""
) -> None:
    after = max(0, min(after, 2**31 - 1))
    """Pushes message objects (with "type": "message") after `after`, and frames of typing,
    read receipts, queue places, state changes and (for agents) who else is viewing. Takes
    {"type": "message", "text"}, {"type": "typing"}, {"type": "read", "seq"}."""
    settings = _settings(websocket)
    lang = normalize_lang(websocket.query_params.get("lang")) or settings.default_lang
    await websocket.accept()
    if not origin_allowed(websocket.headers.get("origin"), websocket.headers.get("host"), settings):
        await websocket.close(code=4403, reason=gettext(lang, FOREIGN_ORIGIN))
        return
    visitor = token or websocket.headers.get("x-conversation-token") or None
    try:
        peer = await _in_thread(
            websocket, lambda db: _open_peer(db, websocket, conversation_id, visitor, after, lang)
        )
    except DomainError as exc:
        code = 4404 if isinstance(exc, NotFound) else 4403
        await websocket.close(code=code, reason=gettext(lang, exc.message, **exc.params)[:120])
        return
    hub: realtime.MemoryHub = websocket.app.state.chat_hub
    async with hub.subscribe(realtime.topic_of(conversation_id)) as subscription:
        await _catch_up(peer)
        await _send_position(peer)
        _announce(peer, "join")
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_push, peer, subscription, tasks.cancel_scope)
                tasks.start_soon(_heartbeat, peer)
                await _receive(peer)
                tasks.cancel_scope.cancel()
        finally:
            _announce(peer, "leave")


def _open_peer(
    db: Session,
    websocket: WebSocket,
    conversation_id: int,
    visitor: str | None,
    after: int,
    lang: str,
) -> Peer:
    if not 1 <= conversation_id <= 2**31 - 1:
        raise NotFound("This conversation does not exist.", code="conversation_not_found")
    user, _via_token = current_user(websocket, db)  # type: ignore[arg-type]
    reader = service.Reader(user=user, visitor_token=visitor)
    conversation = service.get_conversation(db, reader=reader, conversation_id=conversation_id)
    author = service.author_of(reader, conversation)
    if author == "customer":
        lang = conversation.lang
    elif user is not None and not websocket.query_params.get("lang"):
        lang = user.lang
    name = user.display_name if user is not None else ""
    return Peer(websocket, conversation.id, reader, author, name, lang, last=max(0, after))


async def _send(peer: Peer, frame: dict[str, Any]) -> None:
    await peer.websocket.send_text(json.dumps(frame, ensure_ascii=False, default=str))


async def _deliver(peer: Peer, notice: dict[str, Any]) -> None:
    """A wake: the message it carries when it is the next one this connection needs, and
    from the database whatever else came after the connection's last message."""
    message = notice.get("message")
    async with peer.sending:
        if isinstance(message, dict) and message.get("seq") == peer.last + 1:
            await _send(peer, {"type": "message", **message})
            peer.last = peer.last + 1
        stored = notice.get("seq")
        behind = not isinstance(stored, int) or stored > peer.last
    if behind:
        await _catch_up(peer)


async def _catch_up(peer: Peer) -> None:
    """Everything after the last message this connection has, from the database."""
    async with peer.sending:
        last = peer.last

        def read(db: Session) -> list[dict[str, Any]]:
            conversation = db.get(Conversation, peer.conversation_id)
            if conversation is None:
                return []
            found = service.messages_after(db, conversation=conversation, after=last)
            return [{"type": "message", **message_out(m).model_dump(mode="json")} for m in found]

        for frame in await _in_thread(peer.websocket, read):
            if frame["seq"] > peer.last:
                await _send(peer, frame)
                peer.last = frame["seq"]


class QueueWatch:
    """Tells this process's waiting customers their place in the queue as it moves. One task
    per process listens to the queue's changes, reads every place at once (changes that come
    while it reads are taken together in the next reading) and wakes only the customers whose
    place or wait changed: a thousand waiting customers cost one read per change, not a
    thousand."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.places: dict[int, tuple[int, int]] = {}  # conversation → (place, minutes)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        listening = asyncio.Event()
        self._task = asyncio.create_task(self._watch(listening), name="chat-queue-watch")
        await listening.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch(self, listening: asyncio.Event) -> None:
        hub: realtime.MemoryHub = self.app.state.chat_hub
        async with hub.subscribe(realtime.QUEUE) as subscription:
            listening.set()
            while True:
                await subscription.queue.get()
                while not subscription.queue.empty():
                    subscription.queue.get_nowait()
                try:
                    await self._refresh(hub)
                except Exception:  # the database is away: the next change tries again
                    log.exception("reading the chat queue failed")

    async def _refresh(self, hub: realtime.MemoryHub) -> None:
        def read(db: Session) -> tuple[dict[int, int], float, float]:
            return queue.queue_places(db), queue.minutes_per_place(db), queue.minutes_until_open(db)

        places, per_place, closed = await _in_app_thread(self.app, read)
        now = {c: (p, queue.wait_for_place(per_place, p, closed=closed)) for c, p in places.items()}
        before, self.places = self.places, now
        for conversation_id in before.keys() | now.keys():
            place = now.get(conversation_id)
            if place != before.get(conversation_id):
                notice = {
                    "type": "place",
                    "conversation_id": conversation_id,
                    "position": place[0] if place else None,
                    "eta_minutes": place[1] if place else None,
                }
                hub.deliver_here(realtime.topic_of(conversation_id), notice)


async def _send_position(peer: Peer) -> None:
    """A waiting customer's place in the queue and the estimated wait, as they connect."""
    if peer.author != "customer":
        return

    def read(db: Session) -> tuple[str, int | None, int | None]:
        conversation = db.get(Conversation, peer.conversation_id)
        if conversation is None:
            return "closed", None, None
        position = queue.queue_position(db, conversation=conversation)
        eta = queue.eta_minutes(db, position=position) if position else None
        return conversation.state, position, eta

    state, position, eta = await _in_thread(peer.websocket, read)
    await _show_place(peer, state, position, eta)


async def _place_moved(peer: Peer, notice: dict[str, Any]) -> None:
    if peer.author != "customer" or notice.get("position") == peer.position:
        return
    frame = await _queue_frame(peer.websocket.app, peer.conversation_id, notice)
    await _show_place(peer, frame["state"], frame["position"], frame["eta_minutes"])


async def _queue_frame(app: Any, conversation_id: int, notice: dict[str, Any]) -> dict[str, Any]:
    """The customer's queue frame from the watcher's notice, for either transport (one that
    left the queue says where it is now)."""
    position, eta = notice.get("position"), notice.get("eta_minutes")
    if isinstance(position, int):
        return {"type": "queue", "state": "queued", "position": position, "eta_minutes": eta}

    def read(db: Session) -> str:
        conversation = db.get(Conversation, conversation_id)
        return conversation.state if conversation is not None else "closed"

    state = await _in_app_thread(app, read)
    return {"type": "queue", "state": state, "position": None, "eta_minutes": None}


async def _show_place(peer: Peer, state: str, position: int | None, eta: Any) -> None:
    if position != peer.position:
        peer.position = position
        frame = {"type": "queue", "state": state, "position": position, "eta_minutes": eta}
        await _send(peer, frame)


async def _push(peer: Peer, subscription: realtime.Subscription, scope: Any) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            notice = await subscription.queue.get()
            kind = notice.get("type")
            mine = notice.get("conversation_id") in (None, peer.conversation_id)
            if kind in ("wake", "resync") and mine:
                await _deliver(peer, notice)
            elif kind == "state" and mine:
                await _send(peer, notice)
            elif kind == "place" and mine:
                await _place_moved(peer, notice)
            elif kind in ("typing", "read") and notice.get("conn") != peer.conn:
                await _send(peer, {k: v for k, v in notice.items() if k != "conn"})
            elif kind == "viewer" and peer.author == "agent":
                await _viewer(peer, notice)
    scope.cancel()


async def _viewer(peer: Peer, notice: dict[str, Any]) -> None:
    """Who else (agents) has this conversation open: a collision warning for agents."""
    now = time.monotonic()
    if notice.get("conn") != peer.conn:
        if notice.get("action") == "leave":
            peer.viewers.pop(str(notice.get("conn")), None)
        else:
            peer.viewers[str(notice.get("conn"))] = (str(notice.get("name")), now)
            if notice.get("action") == "join":
                _announce(peer, "here")  # the newcomer learns about this one at once
    peer.viewers = {c: v for c, v in peer.viewers.items() if now - v[1] < VIEWER_TTL}
    names = sorted({name for name, _seen in peer.viewers.values()})
    if names != peer.shown_viewers:
        peer.shown_viewers = names
        await _send(peer, {"type": "viewers", "names": names})


def _announce(peer: Peer, action: str) -> None:
    if peer.author != "agent":
        return
    notice = {
        "type": "viewer",
        "conversation_id": peer.conversation_id,
        "action": action,
        "name": peer.name,
        "conn": peer.conn,
    }
    hub: realtime.MemoryHub = peer.websocket.app.state.chat_hub
    # The Redis hub publishes over the network: not on the event loop.
    asyncio.get_running_loop().run_in_executor(
        None, hub.publish, realtime.topic_of(peer.conversation_id), notice
    )


async def _heartbeat(peer: Peer) -> None:
    """Agents say they are still viewing now and then (a process that died says no goodbye)."""
    while True:
        await anyio.sleep(HEARTBEAT)
        _announce(peer, "here")


async def _receive(peer: Peer) -> None:
    """The client's frames until it disconnects; a bad one is answered with an error frame
    and the connection stays."""
    while True:
        try:
            raw = await peer.websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError, KeyError):
            return
        try:
            frame = json.loads(raw)
            kind = frame.get("type") if isinstance(frame, dict) else None
        except ValueError:
            kind = None
        if kind not in ("message", "typing", "read"):
            await _error(peer, "malformed", MALFORMED)
            continue
        try:
            await _handle(peer, kind, frame)
        except DomainError as exc:
            await _error(peer, exc.code, exc.message, **exc.params)


async def _error(peer: Peer, code: str, message: str, **params: Any) -> None:
    frame = {"type": "error", "code": code, "message": gettext(peer.lang, message, **params)}
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await _send(peer, frame)


async def _handle(peer: Peer, kind: str, frame: dict[str, Any]) -> None:
    settings = _settings(peer.websocket)
    if kind == "message":
        text = frame.get("text")
        if not isinstance(text, str):
            await _error(peer, "malformed", MALFORMED)
            return
        if len(text) > settings.chat_max_chars:
            raise service.TooLong(field="text", limit=settings.chat_max_chars)
        _limit(peer, settings)
        stored = await _in_thread(peer.websocket, lambda db: _post(db, peer, text))
        await _deliver(peer, stored)  # the sender sees its message at once, whatever the hub
    elif kind == "typing":
        _broadcast(peer, {"type": "typing", "author": peer.author, "name": peer.name})
    else:
        seq = frame.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            await _error(peer, "malformed", MALFORMED)
            return
        done = await _in_thread(peer.websocket, lambda db: _read(db, peer, seq))
        _broadcast(peer, {"type": "read", "author": peer.author, "seq": done})


def _limit(peer: Peer, settings: Settings) -> None:
    """Flooding is refused per connection and per customer (or visitor); nothing else slows."""
    limiter = peer.websocket.app.state.limiter
    try:
        enforce(limiter, settings=settings, name="chat", key=f"conn:{peer.conn}")
        key = (
            f"user:{peer.reader.user.id}" if peer.reader.user else f"visitor:{peer.conversation_id}"
        )
        enforce(limiter, settings=settings, name="chat", key=key)
    except RateLimited:
        raise RateLimited(SLOW_DOWN) from None


def _broadcast(peer: Peer, notice: dict[str, Any]) -> None:
    hub: realtime.MemoryHub = peer.websocket.app.state.chat_hub
    notice = {**notice, "conversation_id": peer.conversation_id, "conn": peer.conn}
    asyncio.get_running_loop().run_in_executor(
        None, hub.publish, realtime.topic_of(peer.conversation_id), notice
    )


def _post(db: Session, peer: Peer, text: str) -> dict[str, Any]:
    """Store the message; a wake notice for the sender: the message and the last number."""
    reader = _fresh_reader(db, peer)
    conversation = service.get_conversation(
        db, reader=reader, conversation_id=peer.conversation_id, lock=True
    )
    if peer.author == "agent" and reader.user is not None:
        message = service.reply_as_agent(
            db, conversation=conversation, agent=reader.user, text=text
        )
    else:
        message = service.post_message(
            db,
            conversation=conversation,
            author="customer",
            text=text,
            author_id=reader.user.id if reader.user else None,
        )
    return {
        "message": message_out(message).model_dump(mode="json"),
        "seq": conversation.last_seq,
    }


def _read(db: Session, peer: Peer, seq: int) -> int:
    reader = _fresh_reader(db, peer)
    conversation = service.get_conversation(db, reader=reader, conversation_id=peer.conversation_id)
    return service.mark_read(db, conversation=conversation, reader=reader, seq=seq)


def _fresh_reader(db: Session, peer: Peer) -> service.Reader:
    """The connection's reader with its user loaded in this session (rows do not cross
    sessions)."""
    user = peer.reader.user
    fresh = db.merge(user, load=True) if user is not None else None
    return service.Reader(user=fresh, visitor_token=peer.reader.visitor_token)


# --- server-sent events ---------------------------------------------------------------------


@router.get("/{conversation_id}/events", response_class=StreamingResponse)
def conversation_events(
    conversation_id: Id,
    ctx: Context,
    after: int = Query(0, ge=0, le=2**31 - 1),
    wait: float = Query(55.0, ge=0, le=300, description="Seconds to keep the stream open"),
    last_event_id: str | None = Header(None),
) -> StreamingResponse:
    """Server-sent events where WebSockets are blocked: the same message objects, each with
    its seq as the event id (a reconnecting EventSource sends Last-Event-ID). The stream ends
    after `wait` seconds and the browser reconnects, which proxies handle better than an
    endless response."""
    reader = service.Reader(
        user=ctx.user, visitor_token=ctx.request.headers.get("x-conversation-token")
    )
    service.get_conversation(ctx.db, reader=reader, conversation_id=conversation_id)
    named = last_event_id or ""
    start = min(int(named), 2**31 - 1) if named.isascii() and named.isdigit() else after
    app = ctx.request.app
    return StreamingResponse(
        _events(app, conversation_id, start, wait),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )


async def _events(app: Any, conversation_id: int, last: int, wait: float) -> AsyncIterator[str]:
    hub: realtime.MemoryHub = app.state.chat_hub

    def read(db: Session, after: int) -> list[dict[str, Any]]:
        conversation = db.get(Conversation, conversation_id)
        if conversation is None:
            return []
        found = service.messages_after(db, conversation=conversation, after=after)
        return [message_out(m).model_dump(mode="json") for m in found]

    async def fresh(after: int) -> list[dict[str, Any]]:
        def run() -> list[dict[str, Any]]:
            with session_scope(app.state.sessionmaker) as db:
                return read(db, after)

        async with app.state.db_slots:
            return await anyio.to_thread.run_sync(run)

    deadline = time.monotonic() + wait
    yield "retry: 1000\n\n"
    async with hub.subscribe(realtime.topic_of(conversation_id)) as subscription:
        while True:
            for message in await fresh(last):
                if message["seq"] > last:
                    last = message["seq"]
                    data = json.dumps(message, ensure_ascii=False)
                    yield f"id: {last}\nevent: message\ndata: {data}\n\n"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                with anyio.fail_after(min(remaining, 15.0)):
                    notice = await subscription.queue.get()
            except TimeoutError:
                yield ": still here\n\n"
                continue
            if notice.get("type") == "place":  # the queue moved: the place and the wait
                place = await _queue_frame(app, conversation_id, notice)
                yield f"event: queue\ndata: {json.dumps(place)}\n\n"
