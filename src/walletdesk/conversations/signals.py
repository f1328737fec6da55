"""What conversations tell the domains above them (the assistant answers a customer, cases
open a follow-up case) and the real-time fan-out: plain values, never rows."""

from __future__ import annotations

from dataclasses import dataclass

from walletdesk.events import Event


@dataclass(frozen=True)
class CustomerWrote(Event):
    """A customer's message was stored (text redacted); the assistant answers in the same
    transaction while the conversation is in its hands."""

    conversation_id: int
    seq: int
    text: str
    lang: str
    state: str


@dataclass(frozen=True)
class FollowUpNeeded(Event):
    """A person is needed but none answers now (outside support hours): the conversation
    should become a case with its transcript."""

    conversation_id: int
    customer_id: int | None
    reason: str
    lang: str
    collected: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MessagesStored(Event):
    """New messages of a conversation up to `last_seq`: subscribers after commit wake the
    clients. `message` is the one just stored, as the transports show it (JSON): a client
    whose last message is the one before takes it as it is, any other reads what came after
    its last sequence number from the database."""

    conversation_id: int
    last_seq: int
    message: str = ""


@dataclass(frozen=True)
class ConversationChanged(Event):
    """The state, the assignee or the queue changed (a console's list, a queue position)."""

    conversation_id: int
    state: str
    assignee_id: int | None
