"""The assistant's decision for one customer message: answer from the help center, ask for the
details a problem needs, clarify, chat politely, or hand over to a person (and why).

`reply` decides on the conversation's memory (a JSON-serialisable dict the caller stores): it
reads the help center and the customer's own transactions; the only row it writes is the help
center's log of the question (kind "assistant", redacted) that admins review to improve search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from walletdesk.assistant import details, handover, rules
from walletdesk.assistant.messages import field_list, lang_of, say
from walletdesk.helpcenter import service as helpcenter
from walletdesk.money import format_minor
from walletdesk.wallet import history
from walletdesk.wallet.transactions import WalletTransaction

KINDS = ("answer", "ask", "clarify", "handover", "smalltalk")
MISSES_BEFORE_HANDOVER = 2  # consecutive turns the assistant could not answer
PICKER_SIZE = 5  # recent transactions offered to pick from
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-zA-Z]{2,}")


@dataclass(frozen=True)
class Reply:
    kind: str  # one of KINDS
    text: str  # our words, in the conversation's language
    article: tuple[str, str] | None = None  # (slug, title) of the help article answering
    handover_reason: str | None = None
    memory: dict[str, Any] = field(default_factory=dict)  # the conversation's new memory
    collected: dict[str, str] = field(default_factory=dict)  # details by case field name
    data: dict[str, Any] | None = None  # e.g. {"transactions": [...]} to pick from

    @property
    def priority(self) -> str:
        """How soon a person should take a handed-over conversation: urgent, high or normal."""
        return rules.PRIORITY.get(self.handover_reason or "", "normal")


@dataclass
class _Memory:
    misses: int = 0  # consecutive turns without an answer
    topic: str | None = None  # slug of the article being worked on
    category: str | None = None  # the case category whose details are asked for
    missing: list[str] = field(default_factory=list)  # details still asked for, in order
    collected: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, memory: dict[str, Any] | None) -> _Memory:
        memory = memory or {}
        return cls(
            misses=int(memory.get("misses", 0) or 0),
            topic=memory.get("topic"),
            category=memory.get("category"),
            missing=[str(f) for f in memory.get("missing", [])],
            collected={str(k): str(v) for k, v in (memory.get("collected") or {}).items()},
        )

    def dump(self) -> dict[str, Any]:
        return {
            "misses": self.misses,
            "topic": self.topic,
            "category": self.category,
            "missing": list(self.missing),
            "collected": dict(self.collected),
        }


def reply(
    db: Session, *, text: str, lang: str, memory: dict[str, Any], customer_id: int | None
) -> Reply:
    """The assistant's reply to the customer's `text` in a conversation in `lang` (zh or en)."""
    lang = lang_of(lang)
    state = _Memory.of(memory)
    said = rules.normalised(text)
    reason = handover.reason_for(text)
    if reason is not None:
        return _handover(reason, state, lang)
    if state.missing:
        given = _details(db, text=text, customer_id=customer_id)
        if any(name in state.missing for name in given):
            return _took_details(db, state, given, lang=lang, customer_id=customer_id)
    small = rules.smalltalk_kind(said)
    if small is not None:
        return Reply(kind="smalltalk", text=say(small, lang), memory=state.dump())
    return _search(db, state, text=text, lang=lang, customer_id=customer_id)


def _search(db: Session, state: _Memory, *, text: str, lang: str, customer_id: int | None) -> Reply:
    result, _question = helpcenter.ask(
        db, query=text, lang=_language_of(text, lang), limit=3, kind="assistant", user=None
    )
    if not result.answered or not result.hits:
        state.misses += 1
        if state.misses >= MISSES_BEFORE_HANDOVER:
            return _handover("low_confidence", state, lang)
        line = say("clarify", lang)
        titles = [f"《{h.title}》" if lang == "zh" else f'"{h.title}"' for h in result.hits[:2]]
        if titles:
            line += "\n" + say("clarify_suggestions", lang, titles=" / ".join(titles))
        return Reply(kind="clarify", text=line, memory=state.dump(), collected=state.collected)
    hit = result.hits[0]
    state.misses = 0
    state.topic = hit.slug
    state.category = rules.load_rules().details.get(hit.slug)
    state.collected.update(_details(db, text=text, customer_id=customer_id))
    state.missing = _still_missing(state, signed_in=customer_id is not None)
    lines = [say("answer", lang, title=hit.title, snippet=hit.snippet)]
    data = None
    if state.missing:
        lines.append(say("ask_details", lang, fields=field_list(state.missing, lang)))
        data = _picker(db, state, customer_id=customer_id)
        if data:
            lines.append(say("pick_transaction", lang))
    else:
        lines.append(say("answer_more", lang))
    return Reply(
        kind="answer",
        text="\n".join(lines),
        article=(hit.slug, hit.title),
        memory=state.dump(),
        collected=dict(state.collected),
        data=data,
    )


def _took_details(
    db: Session, state: _Memory, given: dict[str, str], *, lang: str, customer_id: int | None
) -> Reply:
    state.misses = 0
    state.collected.update(given)
    state.missing = _still_missing(state, signed_in=customer_id is not None)
    if not state.missing:
        return _handover("details_collected", state, lang)
    data = _picker(db, state, customer_id=customer_id)
    line = say("ask_missing", lang, fields=field_list(state.missing, lang))
    if data:
        line += "\n" + say("pick_transaction", lang)
    return Reply(
        kind="ask", text=line, memory=state.dump(), collected=dict(state.collected), data=data
    )


def _handover(reason: str, state: _Memory, lang: str) -> Reply:
    state.misses = 0
    state.missing = []
    return Reply(
        kind="handover",
        text=say(f"handover_{reason}", lang),
        handover_reason=reason,
        memory=state.dump(),
        collected=dict(state.collected),
    )


def _still_missing(state: _Memory, *, signed_in: bool) -> list[str]:
    """The category's details not given yet; a signed-in customer's phone is known already."""
    if state.category is None:
        return []
    needed = rules.load_rules().categories.get(state.category, ())
    return [
        name
        for name in needed
        if name not in state.collected and not (signed_in and name == "registered_phone")
    ]


def _details(db: Session, *, text: str, customer_id: int | None) -> dict[str, str]:
    """The details in `text`; a signed-in customer's own transaction named by its ID also
    gives its amount and time."""
    found = details.extract(text)
    if customer_id is None or "transaction_id" not in found:
        return found
    tx = history.named_transaction(db, user_id=customer_id, given=found["transaction_id"])
    if tx is not None:
        found["transaction_id"] = tx.public_id
        found.setdefault("amount", _amount(tx))
        found.setdefault("occurred_at", history.beijing_time(tx.created_at))
    return found


def _picker(db: Session, state: _Memory, *, customer_id: int | None) -> dict[str, Any] | None:
    """The customer's recent transactions to pick from, while the transaction ID is missing."""
    if customer_id is None or "transaction_id" not in state.missing:
        return None
    page = history.list_transactions(
        db, user_id=customer_id, filters=history.Filters(), per_page=PICKER_SIZE
    )
    if not page.items:
        return None
    return {"transactions": [_transaction(tx) for tx in page.items]}


def _transaction(tx: WalletTransaction) -> dict[str, str]:
    return {
        "id": tx.public_id,
        "kind": tx.kind,
        "status": tx.status,
        "amount": _amount(tx),
        "created_at": history.beijing_time(tx.created_at),
    }


def _amount(tx: WalletTransaction) -> str:
    return f"{format_minor(tx.amount_minor, tx.currency)} {tx.currency}"


def _language_of(text: str, lang: str) -> str:
    """The language to search in: the one the customer wrote in, when it is plain."""
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return lang
