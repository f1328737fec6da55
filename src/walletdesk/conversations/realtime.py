"""Real-time delivery of conversations: a hub that wakes the clients of a conversation (and
the agents' inboxes) when something new was committed. The database is the record: a woken
client reads what came after its last sequence number, so a wake lost or doubled costs
nothing.

In one process the hub is in memory; with WALLETDESK_REDIS_URL it is Redis pub/sub, so any
number of web processes share delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
import redis.asyncio as aredis

from walletdesk.config import Settings
from walletdesk.conversations.signals import ConversationChanged, MessagesStored
from walletdesk.events import Phase
from walletdesk.events import subscribe as on

log = logging.getLogger("walletdesk.conversations.realtime")
INBOX = "inbox"  # the agents' topic: any conversation changed
QUEUE = "queue"  # waiting customers' topic: someone left the queue, places moved
CHANNEL_PREFIX = "walletdesk:chat:"


class Subscription:
    """One client's wake-ups: a queue of notices (dicts) for its topics."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)

    def offer(self, notice: dict[str, Any]) -> None:
        """From any thread: a notice for this client (dropped if it is far behind: it will
        read the database anyway)."""

        def put() -> None:
            if not self.queue.full():
                self.queue.put_nowait(notice)

        self.loop.call_soon_threadsafe(put)


class MemoryHub:
    """Delivery within this process: topics ("c:<id>", "inbox") → subscriptions."""

    def __init__(self) -> None:
        self._topics: dict[str, set[Subscription]] = defaultdict(set)
        self._lock = threading.Lock()

    def publish(self, topic: str, notice: dict[str, Any]) -> None:
        self.deliver_here(topic, notice)

    def deliver_here(self, topic: str, notice: dict[str, Any]) -> None:
        """Offer `notice` to this process's subscribers of `topic` alone."""
        with self._lock:
            targets = list(self._topics.get(topic, ()))
        for subscription in targets:
            subscription.offer(notice)

    @asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(asyncio.get_running_loop())
        with self._lock:
            for topic in topics:
                self._topics[topic].add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                for topic in topics:
                    self._topics[topic].discard(subscription)
                    if not self._topics[topic]:
                        del self._topics[topic]

    def topics(self) -> list[str]:
        with self._lock:
            return list(self._topics)

    async def start(self) -> None:
        register(self)

    async def stop(self) -> None:
        unregister(self)


class RedisHub(MemoryHub):
    """Delivery across web processes: notices go out through Redis pub/sub and come back to
    every process's local subscribers. Redis only wakes (the database is the record): when
    the connection comes back after a loss, every local client is woken to catch up."""

    def __init__(self, url: str, *, prefix: str = CHANNEL_PREFIX) -> None:
        super().__init__()
        self.url = url
        self.prefix = prefix
        self._publisher = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def publish(self, topic: str, notice: dict[str, Any]) -> None:
        """From an after-commit thread. With Redis away, this process's clients are still
        woken; the others catch up when Redis is back."""
        payload = json.dumps(notice)
        for _attempt in range(2):  # a pooled connection may be stale after a Redis restart
            try:
                self._publisher.publish(self.prefix + topic, payload)
                return
            except redis.RedisError:
                continue
        log.warning("redis unavailable: delivering %s in this process only", topic)
        super().publish(topic, notice)

    async def start(self) -> None:
        register(self)
        self._task = asyncio.create_task(self._listen_forever(), name="chat-redis-listener")

    async def stop(self) -> None:
        unregister(self)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._publisher.close()

    async def _listen_forever(self) -> None:
        delay = 0.1
        first = True
        while True:
            try:
                await self._listen(resync=not first)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the connection broke: back off, come back, resync
                log.warning("redis listener lost its connection (%s); retrying", exc)
            self.connected.clear()
            first = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _listen(self, *, resync: bool) -> None:
        client = aredis.Redis.from_url(self.url, socket_connect_timeout=2)
        try:
            pubsub = client.pubsub()
            await pubsub.psubscribe(self.prefix + "*")
            self.connected.set()
            if resync:
                self._wake_all()
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
                if message is None:
                    await client.ping()  # a dead server shows here, not only on the next message
                    continue
                channel = message["channel"].decode()
                topic = channel[len(self.prefix) :]
                self.deliver_here(topic, json.loads(message["data"]))
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()

    def _wake_all(self) -> None:
        for topic in self.topics():
            self.deliver_here(topic, {"type": "resync"})


def make_hub(settings: Settings) -> MemoryHub:
    """Redis when WALLETDESK_REDIS_URL is set, else this process alone."""
    return RedisHub(settings.redis_url) if settings.redis_url else MemoryHub()


_hubs: list[Any] = []  # the running apps' hubs: after-commit fan-out reaches each


def register(hub: Any) -> None:
    if hub not in _hubs:
        _hubs.append(hub)


def unregister(hub: Any) -> None:
    if hub in _hubs:
        _hubs.remove(hub)


def topic_of(conversation_id: int) -> str:
    return f"c:{conversation_id}"


def messages_stored(event: MessagesStored) -> None:
    notice: dict[str, Any] = {
        "type": "wake",
        "conversation_id": event.conversation_id,
        "seq": event.last_seq,
    }
    inbox = dict(notice)
    if event.message:
        notice["message"] = json.loads(event.message)
    for hub in list(_hubs):
        hub.publish(topic_of(event.conversation_id), notice)
        hub.publish(INBOX, inbox)


def conversation_changed(event: ConversationChanged) -> None:
    notice = {
        "type": "state",
        "conversation_id": event.conversation_id,
        "state": event.state,
        "assignee_id": event.assignee_id,
    }
    for hub in list(_hubs):
        hub.publish(topic_of(event.conversation_id), notice)
        hub.publish(INBOX, notice)
        hub.publish(QUEUE, notice)


def subscribe() -> None:
    """After commit only: a rolled-back message never reaches anyone."""
    on(MessagesStored, messages_stored, phase=Phase.AFTER_COMMIT)
    on(ConversationChanged, conversation_changed, phase=Phase.AFTER_COMMIT)
