"""Feedback pages: the customer's form (tags from a list), the console's page to answer and
correct the tags, and the report of feedback counted by tag over a period.

Thin: each handler reads the form, calls `cases.feedback`, and renders or redirects.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from walletdesk.cases import feedback, service
from walletdesk.cases.webforms import display_for, field_errors
from walletdesk.errors import DomainError, NotFound, ValidationFailed
from walletdesk.i18n import N_
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(include_in_schema=False)
REPORT_DAYS = 30  # the report's period unless one is chosen
DONE = {"tags": N_("Topics saved."), "answer": N_("Answer sent: the customer sees it on the case.")}


@router.get("/portal/feedback/new")
def new_page(ctx: Context) -> Response:
    ctx.require("customer")
    return _form(ctx)


@router.post("/portal/feedback/new")
def new_submit(ctx: Context) -> Response:
    form = ctx.multi_form()
    user = ctx.require("customer")
    values = {k: str(form.get(k) or "") for k in ("subject", "body")}
    tags = [str(t) for t in form.getlist("tags")]
    try:
        case = feedback.send_feedback(
            ctx.db,
            customer=user,
            subject=values["subject"],
            body=values["body"],
            tags=tags,
            ip=ctx.ip,
        )
    except DomainError as exc:
        ctx.db.rollback()
        return _form(
            ctx, values=values, chosen=tags, errors=field_errors(ctx, exc), status=exc.status
        )
    return RedirectResponse(f"/portal/cases/{case.id}", status_code=303)


def _form(
    ctx: Ctx,
    *,
    values: dict[str, str] | None = None,
    chosen: list[str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return ctx.render(
        "cases/portal_feedback_new.html",
        status_code=status,
        tags=feedback.TAGS,
        values=values or {},
        chosen=set(chosen or ()),
        errors=errors or {},
    )


@router.get("/console/feedback/report")
def report(ctx: Context, since: str = "", until: str = "") -> Response:
    ctx.require("agent")
    today = datetime.now(ZoneInfo(ctx.settings.timezone)).date()
    errors: dict[str, str] = {}
    try:
        end = _day(until, "until") or today
        start = _day(since, "since") or end - timedelta(days=REPORT_DAYS - 1)
        counts = feedback.count_by_tag(ctx.db, since=start, until=end, tz=ctx.settings.timezone)
    except DomainError as exc:
        errors = field_errors(ctx, exc)
        start, end = today - timedelta(days=REPORT_DAYS - 1), today
        counts = feedback.count_by_tag(ctx.db, since=start, until=end, tz=ctx.settings.timezone)
    return ctx.render(
        "cases/console_feedback_report.html",
        status_code=422 if errors else 200,
        counts=counts,
        since=start.isoformat(),
        until=end.isoformat(),
        errors=errors,
    )


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("Enter the date as YYYY-MM-DD.", field=field) from None


@router.get("/console/feedback/{case_id}")
def console_page(case_id: Id, ctx: Context, done: str = "") -> Response:
    return _page(ctx, case_id, done=done)


def _page(
    ctx: Ctx,
    case_id: int,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    staff = ctx.require("agent")
    case = service.get_readable_case(ctx.db, user=staff, case_id=case_id)
    if case.type != feedback.TYPE:
        raise NotFound("This case is not feedback.")
    return ctx.render(
        "cases/console_feedback.html",
        status_code=status,
        case=case,
        tags=feedback.TAGS,
        chosen=set(feedback.tags_of(ctx.db, case=case)),
        messages=service.conversation(ctx.db, case=case, user=staff),
        show=display_for(ctx),
        errors=errors or {},
        done=done if done in DONE else "",
        done_text=ctx._(DONE[done]) if done in DONE else "",
    )


@router.post("/console/feedback/{case_id}/{action}")
def console_action(case_id: Id, action: str, ctx: Context) -> Response:
    if action not in DONE:
        raise NotFound()
    form = ctx.multi_form()
    staff = ctx.require("agent")
    case = service.get_readable_case(ctx.db, user=staff, case_id=case_id)
    try:
        if action == "tags":
            tags = [str(t) for t in form.getlist("tags")]
            feedback.set_tags(ctx.db, case=case, staff=staff, tags=tags, ip=ctx.ip)
        else:
            body = str(form.get("body") or "")
            feedback.answer(
                ctx.db, settings=ctx.settings, case=case, staff=staff, body=body, ip=ctx.ip
            )
    except DomainError as exc:
        ctx.db.rollback()
        errors = {action: field_errors(ctx, exc).popitem()[1]}
        return _page(ctx, case_id, errors=errors, status=exc.status)
    return RedirectResponse(f"/console/feedback/{case_id}?done={action}#{action}", status_code=303)
