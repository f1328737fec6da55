"""The case lifecycle: statuses, the transitions staff may make, what a reply does to the
status, and priorities. Labels are English msgids.
"""

from __future__ import annotations

from walletdesk.errors import Conflict, ValidationFailed

STATUSES = ("new", "open", "pending_customer", "resolved", "closed")
ACTIVE_STATUSES = ("new", "open", "pending_customer")
STATUS_LABELS = {
    "new": "New",
    "open": "Open",
    "pending_customer": "Waiting for customer",
    "resolved": "Resolved",
    "closed": "Closed",
}
# What the customer reads: the same states in their own words.
CUSTOMER_STATUS_LABELS = {
    **STATUS_LABELS,
    "new": "Received",
    "open": "In progress",
    "pending_customer": "Waiting for your reply",
}
# Closed is final: a closed case is never reopened; the customer opens a new one.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "pending_customer", "resolved", "closed"}),
    "open": frozenset({"pending_customer", "resolved", "closed"}),
    "pending_customer": frozenset({"open", "resolved", "closed"}),
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}

PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_LABELS = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}


def check_transition(current: str, target: str) -> None:
    if target not in STATUSES:
        raise ValidationFailed("Unknown status.", field="status")
    ensure_not_closed(current)
    if target not in TRANSITIONS[current]:
        raise Conflict(
            "This case cannot go from this status to the one you chose.",
            field="status",
            code="bad_transition",
        )


def ensure_not_closed(current: str) -> None:
    if current == "closed":
        raise Conflict(
            "This case is closed. Please open a new case if you still need help.",
            code="case_closed",
        )


def after_customer_reply(current: str) -> str:
    """A customer writing again means someone has to look: a waiting or resolved case reopens."""
    ensure_not_closed(current)
    return "open" if current in ("pending_customer", "resolved") else current


def after_staff_reply(current: str) -> str:
    """The first answer from staff takes a new case into work."""
    ensure_not_closed(current)
    return "open" if current == "new" else current


def allowed_targets(current: str) -> list[str]:
    """The statuses a case can move to, in lifecycle order (for the console's select)."""
    return [s for s in STATUSES if s in TRANSITIONS[current]]


def check_priority(priority: str) -> str:
    if priority not in PRIORITIES:
        raise ValidationFailed("Unknown priority.", field="priority")
    return priority
