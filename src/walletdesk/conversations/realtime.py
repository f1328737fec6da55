"""Real-time delivery of conversations: a hub that wakes the clients of a conversation (and
the agents' inboxes) when something new was committed. The database is the record: a woken
client reads what came after its last sequence number, so a wake lost or doubled costs
nothing.

In one process the hub is in memory; with WALLETDESK_REDIS_URL it is Redis pub/sub, so any
number of web processes share delivery.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from walletdesk.conversations.signals import ConversationChanged, MessagesStored
from walletdesk.events import Phase
from walletdesk.events import subscribe as on

log = logging.getLogger("walletdesk.conversations.realtime")
INBOX = "inbox"  # the agents' topic: any conversation changed


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

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


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
    notice = {"type": "wake", "conversation_id": event.conversation_id, "seq": event.last_seq}
    for hub in list(_hubs):
        hub.publish(topic_of(event.conversation_id), notice)
        hub.publish(INBOX, notice)


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


def subscribe() -> None:
    """After commit only: a rolled-back message never reaches anyone."""
    on(MessagesStored, messages_stored, phase=Phase.AFTER_COMMIT)
    on(ConversationChanged, conversation_changed, phase=Phase.AFTER_COMMIT)
