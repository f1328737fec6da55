"""How cases read on pages: local times, money, the structured details as labelled rows and
timeline events as sentences, in the reader's language.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from walletdesk.cases.categories import CATEGORIES, FIELDS
from walletdesk.cases.lines import description_of, render_line, subject_of
from walletdesk.cases.models import Case, CaseEvent, CaseMessage, author_kind
from walletdesk.cases.states import PRIORITY_LABELS
from walletdesk.cases.types import CUSTOMER_STATE_LABELS, STATE_LABELS, get_type
from walletdesk.i18n import Translator
from walletdesk.identity.logins import mask_phone
from walletdesk.money import Money

_EVENTS = {
    "open": "{actor} opened the case",
    "reply": "{actor} replied",
    "note": "{actor} added an internal note",
    "attach": "{actor} attached {name}",
    "priority": "{actor} changed the priority from {old} to {new}",
    "status": "{actor} changed the status from {old} to {new}",
    "assign": "{actor} assigned the case to {new}",
    "type": "{actor} changed the case from {old} to {new}",
}


class Display:
    """Bound to one reader: their language, whether they are staff, the service's time zone."""

    def __init__(self, _: Translator, *, tz: str, staff: bool) -> None:
        self._ = _
        self.tz = ZoneInfo(tz)
        self.staff = staff

    def time(self, when: datetime | None) -> str:
        return when.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if when else ""

    def author_kind(self, message: CaseMessage) -> str:
        return author_kind(message)

    def phone(self, phone: str | None) -> str:
        return mask_phone(phone)

    def status(self, status: str) -> str:
        labels = STATE_LABELS if self.staff else CUSTOMER_STATE_LABELS
        return self._(labels.get(status, status))

    def case_type(self, key: str) -> str:
        return self._(get_type(key).label)

    def priority(self, priority: str) -> str:
        return self._(PRIORITY_LABELS.get(priority, priority))

    def category(self, key: str) -> str:
        category = CATEGORIES.get(key)
        return self._(category.label) if category else key

    def subject(self, case: Case) -> str:
        return subject_of(self._, case)

    def description(self, case: Case) -> str:
        return description_of(self._, case)

    def body(self, message: CaseMessage) -> str:
        """A message as written, or the system's line in the reader's language."""
        return render_line(self._, message.line) if message.line else message.body

    def author(self, message: CaseMessage) -> str:
        return message.author.display_name if message.author else self._("System")

    def opener(self, case: Case) -> str:
        """Who the conversation's first message is shown as written by."""
        if case.opened_by == "system":
            return self._("System")
        return case.customer.display_name

    def details(self, case: Case) -> list[tuple[str, str]]:
        """(label, value) rows of what the customer told us, in the category's order."""
        category = CATEGORIES.get(case.category)
        rows = []
        for name in category.fields if category else ():
            value = self._detail(case, name)
            if value:
                rows.append((self._(FIELDS[name].label), value))
        return rows

    def _detail(self, case: Case, name: str) -> str:
        if name == "amount":
            if case.amount_minor is None or not case.currency:
                return ""
            return Money(case.amount_minor, case.currency).shown(self._.lang)
        value = str(case.details.get(name) or "")
        if value and name == "occurred_at":
            return self.time(datetime.fromisoformat(value))
        if value and name == "registered_phone" and self.staff:
            # Agents compare it with the account without the full number on screen.
            same = value == case.customer.phone
            note = "same as the account's phone" if same else "differs from the account's phone"
            return f"{mask_phone(value)} ({self._(note)})"
        return value

    def event(self, event: CaseEvent) -> str:
        actor = event.actor.display_name if event.actor else self._("System")
        data = event.data
        old, new = str(data.get("from") or ""), str(data.get("to") or "")
        if event.type == "status":
            old, new = self.status(old), self.status(new)
        elif event.type == "type":
            old, new = self.case_type(old), self.case_type(new)
        elif event.type == "priority":
            old, new = self.priority(old), self.priority(new)
        elif event.type == "assign":
            if data.get("to") is None:
                return self._("{actor} unassigned the case", actor=actor)
            new = str(data.get("to_name") or "")
        if event.type == "action":
            # Written by another domain (risk control, approvals, account actions): the text is
            # a message id marked with N_ there, its parameters stored beside it.
            return render_line(self._, data, actor=actor)
        msgid = _EVENTS.get(event.type)
        if msgid is None:
            return f"{actor}: {event.type}"
        return self._(msgid, actor=actor, name=data.get("name", ""), old=old, new=new)
