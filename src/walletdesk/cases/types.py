"""Case types and their paths: each type's states, who may move a case from one state to the
next, its labels, and which legal deadline rule (if any) its clock follows. The one definition
that the portal, the console, the API and the clocks read (as they read categories).

Labels are English msgids (marked with N_); callers translate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from walletdesk.cases import states as inquiry_states
from walletdesk.errors import Conflict, Forbidden, ValidationFailed
from walletdesk.i18n import N_

# Who moves a case: the customer, an agent, a supervisor, or the service itself (a job, a
# subscriber). A supervisor may do what an agent may (staff roles are cumulative).
ACTORS = ("customer", "agent", "supervisor", "system")
STAFF = frozenset({"agent", "supervisor"})


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    by: frozenset[str]  # actors allowed to make it


@dataclass(frozen=True)
class CaseType:
    key: str
    label: str
    summary: str
    states: tuple[str, ...]  # in path order; the first is where a new case starts
    final: frozenset[str]  # no transition leaves these
    labels: dict[str, str]  # state → label staff read
    customer_labels: dict[str, str]  # state → label the customer reads
    transitions: tuple[Transition, ...]
    # The case kind a jurisdiction's rules name ("complaint", "appeal"): the legal deadline
    # the clock commits to. None: no legal deadline (the SLA policies alone apply).
    deadline_kind: str | None = None
    # States in which the case still waits on us (the clock runs; the inbox shows it).
    active: frozenset[str] = frozenset()
    # What a reply does to the state (state before → state after), by staff and by the customer.
    on_staff_reply: Mapping[str, str] = field(default_factory=dict)
    on_customer_reply: Mapping[str, str] = field(default_factory=dict)
    # States reached only through their own step (a final response, a decision), which writes
    # what the step must write: the console's plain status form does not offer them.
    guarded: frozenset[str] = frozenset()

    @property
    def initial(self) -> str:
        return self.states[0]

    def label_of(self, state: str, *, staff: bool) -> str:
        labels = self.labels if staff else self.customer_labels
        return labels.get(state, state)

    def targets(self, source: str, actor: str) -> list[str]:
        """The states `actor` may move a case in `source` to, in path order."""
        allowed = {t.target for t in self.transitions if t.source == source and _may(actor, t.by)}
        return [s for s in self.states if s in allowed]

    def plain_targets(self, source: str, actor: str) -> list[str]:
        """The targets the plain status form offers: not the guarded ones."""
        return [s for s in self.targets(source, actor) if s not in self.guarded]

    def after_reply(self, source: str, *, staff: bool) -> str:
        """The state after a reply (a closed case takes none)."""
        if source in self.final:
            raise Conflict(
                "This case is closed. Please open a new case if you still need help.",
                code="case_closed",
            )
        return (self.on_staff_reply if staff else self.on_customer_reply).get(source, source)

    def check(self, source: str, target: str, actor: str) -> None:
        """Raises unless `actor` may move a case of this type from `source` to `target`."""
        if target not in self.states:
            raise ValidationFailed("Unknown status.", field="status")
        if source in self.final:
            raise Conflict(
                "This case is closed. Please open a new case if you still need help.",
                code="case_closed",
            )
        found = [t for t in self.transitions if t.source == source and t.target == target]
        if not found:
            raise Conflict(
                "This case cannot go from this status to the one you chose.",
                field="status",
                code="bad_transition",
            )
        if not any(_may(actor, t.by) for t in found):
            raise Forbidden("You may not make this change to the case.")


def _may(actor: str, allowed: frozenset[str]) -> bool:
    return actor in allowed or (actor == "supervisor" and "agent" in allowed)


def _path(*steps: tuple[str, str, str]) -> tuple[Transition, ...]:
    """(source, target, "actor actor ...") triples, read as a table."""
    return tuple(Transition(s, t, frozenset(by.split())) for s, t, by in steps)


def _inquiry() -> CaseType:
    # The system resolves too: a freeze's review case once the account is no longer frozen.
    by_staff = [
        (s, t, "agent system" if t == "resolved" else "agent")
        for s, targets in inquiry_states.TRANSITIONS.items()
        for t in targets
    ]
    return CaseType(
        key="inquiry",
        label=N_("Inquiry"),
        summary=N_("A question or a problem to solve."),
        states=inquiry_states.STATUSES,
        final=frozenset({"closed"}),
        labels=dict(inquiry_states.STATUS_LABELS),
        customer_labels=dict(inquiry_states.CUSTOMER_STATUS_LABELS),
        transitions=_path(*by_staff),
        active=frozenset(inquiry_states.ACTIVE_STATUSES),
        on_staff_reply={"new": "open"},
        on_customer_reply={"pending_customer": "open", "resolved": "open"},
    )


_COMPLAINT_LABELS = {
    "received": N_("Received"),
    "acknowledged": N_("Acknowledged"),
    "investigating": N_("Investigating"),
    "responded": N_("Final response sent"),
    "accepted": N_("Accepted by the customer"),
    "escalated": N_("Escalated by the customer"),
    "closed": N_("Closed"),
}

_APPEAL_LABELS = {
    "received": N_("Received"),
    "under_review": N_("Under review"),
    "decided": N_("Decided"),
    "contested": N_("Contested"),
    "closed": N_("Closed"),
}

_RECOVERY_LABELS = {
    "received": N_("Received"),
    "verifying": N_("Verifying identity"),
    "under_review": N_("Under review"),
    "decided": N_("Decided"),
    "closed": N_("Closed"),
}

_FEEDBACK_LABELS = {
    "received": N_("Received"),
    "answered": N_("Answered"),
    "closed": N_("Closed"),
}

CASE_TYPES: dict[str, CaseType] = {
    t.key: t
    for t in (
        _inquiry(),
        CaseType(
            key="complaint",
            label=N_("Complaint"),
            summary=N_(
                "You are unhappy with our service or a decision: we answer in writing within "
                "the deadline the law sets."
            ),
            states=tuple(_COMPLAINT_LABELS),
            final=frozenset({"closed"}),
            labels=_COMPLAINT_LABELS,
            customer_labels={
                **_COMPLAINT_LABELS,
                "responded": N_("Our final response"),
                "accepted": N_("You accepted our response"),
                "escalated": N_("You escalated the complaint"),
            },
            transitions=_path(
                # The written acknowledgement is sent by the service as soon as it is filed.
                ("received", "acknowledged", "system agent"),
                ("acknowledged", "investigating", "agent system"),
                ("received", "investigating", "agent"),
                ("investigating", "responded", "agent"),
                ("acknowledged", "responded", "agent"),
                ("responded", "accepted", "customer"),
                ("responded", "escalated", "customer"),
                ("responded", "closed", "agent system"),  # no answer from the customer
                ("accepted", "closed", "agent system"),
                ("escalated", "closed", "supervisor"),
            ),
            deadline_kind="complaint",
            active=frozenset({"received", "acknowledged", "investigating"}),
            on_staff_reply={"acknowledged": "investigating"},
            guarded=frozenset({"acknowledged", "responded", "accepted", "escalated"}),
        ),
        CaseType(
            key="transaction_appeal",
            label=N_("Transaction appeal"),
            summary=N_(
                "A transaction in your history went wrong: tell us what happened, we review "
                "it and put it right."
            ),
            states=tuple(_APPEAL_LABELS),
            final=frozenset({"closed"}),
            labels=_APPEAL_LABELS,
            customer_labels=_APPEAL_LABELS,
            transitions=_path(
                ("received", "under_review", "agent system"),
                ("under_review", "decided", "agent"),
                # The customer may contest a decision once; a supervisor decides again.
                ("decided", "contested", "customer"),
                ("contested", "decided", "supervisor"),
                ("decided", "closed", "agent system customer"),
                ("received", "closed", "customer agent"),  # withdrawn
            ),
            deadline_kind="appeal",
            active=frozenset({"received", "under_review", "contested"}),
            on_staff_reply={"received": "under_review"},
            guarded=frozenset({"decided", "contested"}),
        ),
        CaseType(
            key="account_recovery",
            label=N_("Account recovery"),
            summary=N_(
                "Your account is locked, frozen or stolen: prove it is yours to get it back."
            ),
            states=tuple(_RECOVERY_LABELS),
            final=frozenset({"closed"}),
            labels=_RECOVERY_LABELS,
            customer_labels=_RECOVERY_LABELS,
            transitions=_path(
                ("received", "verifying", "system agent"),
                ("verifying", "under_review", "customer system agent"),
                ("under_review", "verifying", "agent"),  # more proof needed
                ("under_review", "decided", "agent"),
                ("decided", "closed", "agent system"),
                ("received", "closed", "agent"),
                ("verifying", "closed", "agent system"),
            ),
            active=frozenset({"received", "verifying", "under_review"}),
            # The decision is carried out by its own form (cases.recovery.decide).
            guarded=frozenset({"decided"}),
        ),
        CaseType(
            key="feedback",
            label=N_("Feedback"),
            summary=N_("Ideas and suggestions to make the wallet better."),
            states=tuple(_FEEDBACK_LABELS),
            final=frozenset({"closed"}),
            labels=_FEEDBACK_LABELS,
            customer_labels=_FEEDBACK_LABELS,
            transitions=_path(
                ("received", "answered", "agent"),
                ("answered", "closed", "agent system customer"),
                ("received", "closed", "agent"),
            ),
            active=frozenset({"received"}),
            on_staff_reply={"received": "answered"},
        ),
    )
}
DEFAULT_TYPE = "inquiry"
TYPE_KEYS = tuple(CASE_TYPES)
# Every state of every type: the width of cases.status and the console's status filter.
ALL_STATES: tuple[str, ...] = tuple(dict.fromkeys(s for t in CASE_TYPES.values() for s in t.states))
ACTIVE_STATES: tuple[str, ...] = tuple(
    dict.fromkeys(s for t in CASE_TYPES.values() for s in t.states if s in t.active)
)
# state → label, for pages that show a state without its type (a state means the same in
# every type that has it; a type's own wording wins where it has one).
STATE_LABELS: dict[str, str] = {
    k: v for t in reversed(CASE_TYPES.values()) for k, v in t.labels.items()
}
CUSTOMER_STATE_LABELS: dict[str, str] = {
    k: v for t in reversed(CASE_TYPES.values()) for k, v in t.customer_labels.items()
}


def get_type(key: str | None) -> CaseType:
    """The type of that key; a case from before types (None) is an inquiry."""
    found = CASE_TYPES.get((key or DEFAULT_TYPE).strip())
    if found is None:
        raise ValidationFailed("Choose a case type.", field="type")
    return found


def actor_of(role: str | None) -> str:
    """The actor a user's role acts as on a case path (admins act as supervisors)."""
    if role in ("supervisor", "admin"):
        return "supervisor"
    if role == "agent":
        return "agent"
    return "customer" if role else "system"


def deadline_kind(key: str | None) -> str | None:
    """The jurisdiction rule kind a case type's clock follows (None: no legal deadline)."""
    return get_type(key).deadline_kind
