"""Agent console pages: the inbox (filters, search, pages) and a case with its customer panel,
details, conversation and timeline, where staff reply, add internal notes and set status,
priority and assignee. The customer panel's actions live in `console_actions`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from walletdesk.cases import queue, service, states, types
from walletdesk.cases.attachments import ALLOWED, Upload
from walletdesk.cases.categories import CATEGORIES
from walletdesk.cases.models import Case
from walletdesk.cases.panel import PanelDisplay, customer_panel
from walletdesk.cases.queries import ASSIGNEE_FILTERS
from walletdesk.cases.sla import timeleft
from walletdesk.cases.webforms import display_for, field_errors, read_form
from walletdesk.db import utcnow
from walletdesk.errors import DomainError
from walletdesk.i18n import N_
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.web.deps import Context, Ctx, Id, extend_page

router = APIRouter(include_in_schema=False)
# A console action: (case, actor, form values, files) → the change, or a DomainError.
Action = Callable[[Case, User, dict[str, str], list[Upload]], None]


@router.get("/console")
def inbox(ctx: Context) -> Response:
    """The workspace with no item open: the queue takes the whole width, as a table. Its
    filters are remembered for the queue beside the items opened from it."""
    ctx.require("agent")
    params = ctx.request.query_params
    work = queue.load(ctx, (queue.filters_from(params), queue.chat_filter_from(params)))
    now = utcnow()
    response = ctx.render(
        "cases/console_inbox.html",
        found=work.found,
        filters=work.filters,
        queue=work,
        breached=timeleft.breached_count(ctx.db, now=now),
        time_left=lambda found: timeleft.time_left(found, now),
        **_choices(),
        show=display_for(ctx),
    )
    queue.remember(response, work)
    return response


@router.get("/console/queue")
def queue_fragment(ctx: Context, current: int = 0, kind: str = "case") -> Response:
    """The queue beside an open item, alone: the workspace's script refreshes it in place."""
    ctx.require("agent")
    response = ctx.render(
        "cases/_queue.html",
        queue=queue.load(ctx, queue.remembered(ctx)),
        current=current,
        current_kind="conversation" if kind == "conversation" else "case",
        **_choices(),
        show=display_for(ctx),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _choices() -> dict[str, Any]:
    return {
        "statuses": types.ALL_STATES,
        "priorities": states.PRIORITIES,
        "categories": CATEGORIES,
        "assignee_filters": ASSIGNEE_FILTERS,
        "chat_states": queue.CHAT_STATES,
    }


# What the page says next to a form after it worked (the redirect names the form and its anchor).
DONE = {
    "reply": N_("Reply sent."),
    "note": N_("Note added."),
    "status": N_("Status changed."),
    "priority": N_("Priority changed."),
    "assignee": N_("Assignee changed."),
    "unlock": N_("Account unlocked."),
    "reset_code": N_("Reset code sent."),
    "withdrawal": N_("Done: the withdrawal's new state is shown below."),
    "holding": N_("Holding reply sent: the new date is shown above."),
    "final": N_("Final response sent."),
    "review": N_("Review started."),
    "decision": N_("Decision sent to the customer."),
}
SENT_FOR_APPROVAL = N_(
    "Sent for approval: a second member of staff decides. It is listed below as waiting."
)


def _sla_values(ctx: Ctx) -> dict[str, object]:
    """The case page's SLA clocks, each with its time left (one query)."""
    now = utcnow()
    return {"sla_clocks": lambda case: timeleft.clocks_of(ctx.db, case_id=case.id, now=now)}


extend_page("cases/console_case.html", _sla_values)


@router.get("/console/cases/{case_id}")
def console_case(case_id: Id, ctx: Context, done: str = "") -> Response:
    user = ctx.require("agent")
    case = service.get_readable_case(ctx.db, user=user, case_id=case_id)
    return case_page(ctx, case, done=done)


def case_page(
    ctx: Ctx,
    case: Case,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    reveal: Collection[str] = (),
    done: str = "",
) -> Response:
    """The case page; `reveal` names personal data shown in full this once (already allowed
    and audited by the caller), and such a page is never cached."""
    user = ctx.require("agent")
    kind, actor = types.get_type(case.type), types.actor_of(user.role)
    response = ctx.render(
        "cases/console_case.html",
        status_code=status_code,
        case=case,
        panel=customer_panel(ctx.db, case=case, staff=user, reveal=reveal),
        pshow=PanelDisplay(ctx._),
        messages=service.conversation(ctx.db, case=case, user=user),
        files=service.case_files(ctx.db, case=case, user=user),
        events=service.timeline(ctx.db, case=case),
        staff=[u for u in identity.list_staff(ctx.db) if u.is_active],
        targets=kind.plain_targets(case.status, actor),
        after_reply=[]
        if case.status in kind.final
        else kind.plain_targets(kind.after_reply(case.status, staff=True), actor),
        queue=queue.load(ctx, queue.remembered(ctx)),
        current=case.id,
        current_kind="case",
        **_choices(),
        accept=",".join(ALLOWED),
        show=display_for(ctx),
        errors=errors or {},
        values=values or {},
        done=done if done.isidentifier() and len(done) <= 32 else "",
        done_text=ctx._(DONE.get(done, SENT_FOR_APPROVAL)) if done else "",
    )
    if reveal:
        response.headers["Cache-Control"] = "no-store"
    return response


def act(ctx: Ctx, case_id: int, form_name: str, action: Action) -> Response:
    """Run one console form: on success back to the case (so a reload does not repeat it),
    on a refused change the case again with the reason next to that form."""
    actor = ctx.require("agent")
    values, uploads = read_form(ctx)
    case = service.get_readable_case(ctx.db, user=actor, case_id=case_id)
    try:
        action(case, actor, values, uploads)
    except DomainError as exc:
        # Nothing of a refused change is kept, even what it wrote before it was refused.
        ctx.db.rollback()
        case = service.get_readable_case(ctx.db, user=actor, case_id=case_id)
        errors = {form_name: " ".join(field_errors(ctx, exc).values())}
        return case_page(ctx, case, errors=errors, values=values, status_code=exc.status)
    # Back to the form's place on the page, with a word that it worked.
    target = f"/console/cases/{case.id}?done={form_name}#action-{form_name}"
    return RedirectResponse(target, status_code=303)


@router.post("/console/cases/{case_id}/reply")
def reply(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], files: list[Upload]) -> None:
        service.post_reply(
            ctx.db,
            case=case,
            author=actor,
            body=values.get("body", ""),
            files=files,
            settings=ctx.settings,
            ip=ctx.ip,
        )
        # "Send and set …": the reply and the new status are one change, or neither.
        then = values.get("then_status", "")
        if then:
            service.change_status(ctx.db, case=case, actor=actor, status=then, ip=ctx.ip)

    return act(ctx, case_id, "reply", action)


@router.post("/console/cases/{case_id}/note")
def note(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], files: list[Upload]) -> None:
        service.add_internal_note(
            ctx.db,
            case=case,
            author=actor,
            body=values.get("note", ""),
            files=files,
            settings=ctx.settings,
            ip=ctx.ip,
        )

    return act(ctx, case_id, "note", action)


@router.post("/console/cases/{case_id}/status")
def set_status(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: list[Upload]) -> None:
        status = values.get("status", "")
        service.change_status(ctx.db, case=case, actor=actor, status=status, ip=ctx.ip)

    return act(ctx, case_id, "status", action)


@router.post("/console/cases/{case_id}/priority")
def set_priority(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: list[Upload]) -> None:
        priority = values.get("priority", "")
        service.set_priority(ctx.db, case=case, actor=actor, priority=priority, ip=ctx.ip)

    return act(ctx, case_id, "priority", action)


@router.post("/console/cases/{case_id}/assignee")
def set_assignee(case_id: Id, ctx: Context) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: list[Upload]) -> None:
        raw = values.get("assignee_id", "").strip()
        if raw == "me":
            assignee_id: int | None = actor.id
        elif raw.isdigit():
            assignee_id = int(raw)
        else:
            assignee_id = None
        service.assign_case(ctx.db, case=case, actor=actor, assignee_id=assignee_id, ip=ctx.ip)

    return act(ctx, case_id, "assignee", action)
