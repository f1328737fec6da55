"""Account recovery pages: the customer's report (signed in, or the public form that names the
account by its registered phone), the page of steps that prove the account is theirs, and
the console's review with the evidence, the match score and the decision.

Thin: each handler reads the form, calls `cases.recovery`, and renders or redirects.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from walletdesk.cases import recovery, service
from walletdesk.cases.attachments import ALLOWED, Upload, file_response
from walletdesk.cases.models import Case
from walletdesk.cases.recovery_models import EVIDENCE_KINDS, OUTCOMES
from walletdesk.cases.webforms import display_for, field_errors
from walletdesk.errors import DomainError, NotFound
from walletdesk.i18n import N_
from walletdesk.identity import service as identity
from walletdesk.identity.permissions import can
from walletdesk.identity.web import keeping_failures
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(include_in_schema=False)
COOKIE = "wd_recovery"  # "<case id or 0>.<token>": the public form's reporter continues
STEPS = ("code", "verify", "transactions", "evidence", "submit")
DONE = {
    "code": N_("We texted a code to the account's registered phone."),
    "verify": N_("The registered phone is confirmed."),
    "transactions": N_("Thank you: the transactions you named are recorded for our staff."),
    "evidence": N_("The file is uploaded."),
    "submit": N_("Sent: our staff will review your proof and reply here."),
    "decide": N_("Decision recorded; the customer has been told."),
    "more": N_("Sent back to the customer for more proof."),
}


# --- the customer's pages --------------------------------------------------------------------


@router.get("/portal/recovery/new")
def new_page(ctx: Context) -> Response:
    ctx.require("customer")
    return _report_form(ctx, public=False)


@router.post("/portal/recovery/new")
def new_submit(ctx: Context) -> Response:
    form = ctx.form()
    user = ctx.require("customer")
    values = {k: str(form.get(k) or "") for k in ("reason", "description")}
    try:
        case = recovery.report(
            ctx.db,
            settings=ctx.settings,
            customer=user,
            reason=values["reason"],
            description=values["description"],
            ip=ctx.ip,
        )
    except DomainError as exc:
        ctx.db.rollback()
        return _report_form(
            ctx, public=False, values=values, errors=field_errors(ctx, exc), status=exc.status
        )
    return RedirectResponse(f"/portal/recovery/{case.id}", status_code=303)


@router.get("/portal/recovery/{case_id}")
def steps_page(case_id: Id, ctx: Context, done: str = "") -> Response:
    case = _own_case(ctx, case_id)
    return _steps(ctx, case, base=f"/portal/recovery/{case.id}", done=done)


@router.post("/portal/recovery/{case_id}/{step}")
def step_submit(case_id: Id, step: str, ctx: Context) -> Response:
    case = _own_case(ctx, case_id)
    return _do_step(ctx, case, step, base=f"/portal/recovery/{case.id}")


def _own_case(ctx: Ctx, case_id: int) -> Case:
    user = ctx.require("customer")
    case = service.get_readable_case(ctx.db, user=user, case_id=case_id)
    if case.type != recovery.TYPE:
        raise NotFound("This case is not an account recovery.")
    return case


# --- the public form: no sign-in (a locked or stolen account cannot sign in) --------------------


@router.get("/recovery")
def public_page(ctx: Context) -> Response:
    if ctx.user is not None and ctx.user.role == "customer":
        return RedirectResponse("/portal/recovery/new", status_code=303)
    return _report_form(ctx, public=True)


@router.post("/recovery")
def public_submit(ctx: Context) -> Response:
    form = ctx.form()
    values = {k: str(form.get(k) or "") for k in ("phone", "reason", "description")}
    try:
        made = recovery.report_by_phone(
            ctx.db,
            settings=ctx.settings,
            phone=values["phone"],
            reason=values["reason"],
            description=values["description"],
            ip=ctx.ip,
        )
    except DomainError as exc:
        ctx.db.rollback()
        return _report_form(
            ctx, public=True, values=values, errors=field_errors(ctx, exc), status=exc.status
        )
    response = RedirectResponse("/recovery/case", status_code=303)
    response.set_cookie(
        COOKIE,
        f"{made.case_id or 0}.{made.token}",
        httponly=True,
        samesite="lax",
        secure=ctx.settings.cookie_secure,
        max_age=14 * 86400,
        path="/recovery",
    )
    return response


@router.get("/recovery/case")
def public_steps(ctx: Context, done: str = "") -> Response:
    case = _cookie_case(ctx)
    if case is None:
        return ctx.render("cases/portal_recovery_sent.html")
    return _steps(ctx, case, base="/recovery/case", done=done)


@router.post("/recovery/case/{step}")
def public_step(step: str, ctx: Context) -> Response:
    case = _cookie_case(ctx)
    if case is None:  # a phone that is no customer's: every code is wrong
        ctx.form()
        return ctx.render("cases/portal_recovery_sent.html", status_code=422, wrong=True)
    return _do_step(ctx, case, step, base="/recovery/case")


def _cookie_case(ctx: Ctx) -> Case | None:
    raw = ctx.request.cookies.get(COOKIE, "")
    number, _, token = raw.partition(".")
    if not number.isdigit() or not token:
        raise NotFound("This recovery request does not exist or has expired.")
    case_id = int(number) if int(number) else None
    return recovery.case_by_token(ctx.db, case_id=case_id, token=token)


# --- shared by both --------------------------------------------------------------------------


def _report_form(
    ctx: Ctx,
    *,
    public: bool,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return ctx.render(
        "cases/portal_recovery_new.html",
        status_code=status,
        public=public,
        reasons=recovery.REASON_LABELS,
        values=values or {},
        errors=errors or {},
    )


def _steps(
    ctx: Ctx,
    case: Case,
    *,
    base: str,
    done: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    request = recovery.request_of(ctx.db, case=case)
    reader = identity.get_user(ctx.db, user_id=case.customer_id)  # what the customer reads
    return ctx.render(
        "cases/portal_recovery.html",
        status_code=status,
        case=case,
        rec=request,
        uploaded={e.kind for e in recovery.evidence_of(ctx.db, case=case)},
        messages=service.conversation(ctx.db, case=case, user=reader),
        proving=case.status in ("received", "verifying"),
        base=base,
        kinds=EVIDENCE_KINDS,
        kind_labels=recovery.EVIDENCE_LABELS,
        accept=",".join(ALLOWED),
        rows=range(recovery.MAX_NAMED),
        show=display_for(ctx),
        errors=errors or {},
        done=done if done in DONE else "",
        done_text=ctx._(DONE[done]) if done in DONE else "",
    )


def _do_step(ctx: Ctx, case: Case, step: str, *, base: str) -> Response:
    if step not in STEPS:
        raise NotFound()
    form = ctx.multi_form()
    actions: dict[str, Callable[[], object]] = {
        "code": lambda: recovery.send_code(ctx.db, settings=ctx.settings, case=case, ip=ctx.ip),
        "verify": lambda: recovery.verify_phone(
            ctx.db, settings=ctx.settings, case=case, code=str(form.get("code") or ""), ip=ctx.ip
        ),
        "transactions": lambda: recovery.name_transactions(
            ctx.db,
            settings=ctx.settings,
            case=case,
            named=[
                recovery.Named(str(form.get(f"amount_{i}") or ""), str(form.get(f"day_{i}") or ""))
                for i in range(recovery.MAX_NAMED)
            ],
            ip=ctx.ip,
        ),
        "evidence": lambda: recovery.add_evidence(
            ctx.db,
            settings=ctx.settings,
            case=case,
            kind=str(form.get("kind") or ""),
            upload=_upload(ctx, form.get("file")),
            ip=ctx.ip,
        ),
        "submit": lambda: recovery.submit_for_review(ctx.db, case=case, ip=ctx.ip),
    }
    try:
        with keeping_failures(ctx):  # a wrong code counts
            actions[step]()
    except DomainError as exc:
        ctx.db.rollback()
        errors = {step: field_errors(ctx, exc).popitem()[1]}
        return _steps(ctx, case, base=base, errors=errors, status=exc.status)
    return RedirectResponse(f"{base}?done={step}#{step}", status_code=303)


def _upload(ctx: Ctx, item: object) -> Upload:
    if not isinstance(item, UploadFile) or not item.filename:
        return Upload("", b"")
    return Upload(item.filename, item.file.read(ctx.settings.upload_max_bytes + 1))


# --- the console's review --------------------------------------------------------------------


@router.get("/console/recovery/{case_id}")
def review_page(case_id: Id, ctx: Context, done: str = "") -> Response:
    return _review(ctx, case_id, done=done)


def _review(
    ctx: Ctx,
    case_id: int,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    staff = ctx.require("agent")
    case = service.get_readable_case(ctx.db, user=staff, case_id=case_id)
    review = recovery.review_of(ctx.db, case=case, staff=staff)
    return ctx.render(
        "cases/console_recovery.html",
        status_code=status,
        case=case,
        review=review,
        reasons=recovery.REASON_LABELS,
        outcomes={k: recovery.OUTCOME_LABELS[k] for k in OUTCOMES},
        kind_labels=recovery.EVIDENCE_LABELS,
        events=service.timeline(ctx.db, case=case),
        can_decide=can(staff, "recovery.review"),
        show=display_for(ctx),
        errors=errors or {},
        values=values or {},
        done=done if done in DONE else "",
        done_text=ctx._(DONE[done]) if done in DONE else "",
    )


@router.get("/console/recovery/{case_id}/evidence/{evidence_id}")
def evidence_file(case_id: Id, evidence_id: Id, ctx: Context) -> Response:
    staff = ctx.require("agent")
    case = service.get_readable_case(ctx.db, user=staff, case_id=case_id)
    row = recovery.open_evidence(ctx.db, case=case, staff=staff, evidence_id=evidence_id, ip=ctx.ip)
    response = file_response(row, uploads_dir=ctx.settings.uploads_dir)  # type: ignore[arg-type]
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/console/recovery/{case_id}/decide")
def decide(case_id: Id, ctx: Context) -> Response:
    return _console_action(ctx, case_id, "decide")


@router.post("/console/recovery/{case_id}/more")
def more_proof(case_id: Id, ctx: Context) -> Response:
    return _console_action(ctx, case_id, "more")


def _console_action(ctx: Ctx, case_id: int, name: str) -> Response:
    form = ctx.form()
    staff = ctx.require("agent")
    case = service.get_readable_case(ctx.db, user=staff, case_id=case_id)
    values = {k: str(form.get(k) or "") for k in ("outcome", "reason", "note")}
    try:
        if name == "decide":
            recovery.decide(
                ctx.db,
                settings=ctx.settings,
                case=case,
                staff=staff,
                outcome=values["outcome"],
                reason=values["reason"],
                ip=ctx.ip,
            )
        else:
            recovery.ask_more_proof(
                ctx.db,
                settings=ctx.settings,
                case=case,
                staff=staff,
                note=values["note"],
                ip=ctx.ip,
            )
    except DomainError as exc:
        ctx.db.rollback()  # nothing of a refused decision is kept
        errors = {name: field_errors(ctx, exc).popitem()[1]}
        return _review(ctx, case_id, errors=errors, values=values, status=exc.status)
    return RedirectResponse(f"/console/recovery/{case_id}?done={name}#{name}", status_code=303)
