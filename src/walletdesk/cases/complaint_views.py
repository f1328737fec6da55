"""Complaint and appeal pages: the customer files a complaint or appeals a transaction, turns a
case into a complaint, accepts or escalates a final response, contests a decision; staff record
a phone complaint, send a holding reply or the final response, review and decide an appeal.

The case pages show the committed deadline and these forms through one partial
(cases/_case_path.html), whose values `case_path(case)` gives (registered with extend_page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from walletdesk.cases import appeals, commitments, complaints, service, types
from walletdesk.cases.attachments import ALLOWED, MAX_FILES, Upload
from walletdesk.cases.console import act
from walletdesk.cases.models import Case
from walletdesk.cases.views import portal_case_page
from walletdesk.cases.webforms import field_errors, read_form
from walletdesk.errors import DomainError, ValidationFailed
from walletdesk.identity.models import User
from walletdesk.money import format_minor, parse_amount
from walletdesk.wallet import history
from walletdesk.web.deps import Context, Ctx, Id, extend_page

router = APIRouter(include_in_schema=False)


@dataclass
class CasePath:
    """What the case pages' partial shows of a case's type: its clock and the steps the
    reader may take now."""

    case_type: types.CaseType
    clock: commitments.Clock | None = None
    remedies: list[str] = field(default_factory=list)  # labels (msgids) of what was asked
    decisions: list[dict[str, Any]] = field(default_factory=list)
    steps: frozenset[str] = frozenset()  # the forms to show


def case_path(ctx: Ctx, case: Case) -> CasePath:
    user = ctx.user
    staff = user is not None and user.is_staff
    commitment = commitments.get_commitment(ctx.db, case_id=case.id)
    clock = None
    if commitment is not None:
        clock = commitments.clock_of(commitment, settings=ctx.settings, _=ctx._)
    return CasePath(
        case_type=types.get_type(case.type),
        clock=clock,
        remedies=[complaints.REMEDIES[r] for r in complaints.remedies_of(case)],
        decisions=[_shown_decision(d) for d in appeals.decisions_of(case)],
        steps=frozenset(_steps(case, staff=staff)),
    )


def _steps(case: Case, *, staff: bool) -> list[str]:
    s, t = case.status, case.type
    if staff:
        return {
            ("complaint", "acknowledged"): ["holding", "final"],
            ("complaint", "investigating"): ["holding", "final"],
            ("complaint", "received"): ["holding", "final"],
            ("transaction_appeal", "received"): ["review", "decision"],
            ("transaction_appeal", "under_review"): ["decision"],
            ("transaction_appeal", "contested"): ["decision"],
        }.get((t, s), [])
    if t == "inquiry" and s != "closed":
        return ["make_complaint"]
    if t == "complaint" and s == "responded":
        return ["accept", "escalate"]
    if t == "transaction_appeal" and s == "decided" and not case.details.get("contested_at"):
        return ["contest"]
    return []


def _shown_decision(decision: dict[str, Any]) -> dict[str, Any]:
    shown = dict(decision)
    shown["outcome_label"] = appeals.OUTCOMES.get(str(decision.get("outcome")), "")
    shown["remedy_label"] = appeals.REMEDIES.get(str(decision.get("remedy")), "")
    if "amount_minor" in decision:
        currency = str(decision.get("currency") or "")
        shown["amount"] = f"{format_minor(int(decision['amount_minor']), currency)} {currency}"
    return shown


def _page_values(ctx: Ctx) -> dict[str, object]:
    return {
        "case_path": lambda case: case_path(ctx, case),
        "complaint_remedies": complaints.REMEDIES,
        "appeal_outcomes": appeals.OUTCOMES,
        "appeal_remedies": appeals.REMEDIES,
    }


extend_page("cases/portal_case.html", _page_values)
extend_page("cases/console_case.html", _page_values)
extend_page("cases/portal_home.html", _page_values)


# --- the customer -------------------------------------------------------------------------


def _form_page(ctx: Ctx, template: str, *, status_code: int = 200, **values: Any) -> Response:
    return ctx.render(
        template,
        status_code=status_code,
        remedies=complaints.REMEDIES,
        accept=",".join(ALLOWED),
        max_files=MAX_FILES,
        values=values.pop("values", {}),
        errors=values.pop("errors", {}),
        **values,
    )


@router.get("/portal/complaints/new")
def new_complaint_page(ctx: Context) -> Response:
    ctx.require("customer")
    return _form_page(ctx, "cases/complaint_new.html")


@router.post("/portal/complaints/new")
def new_complaint_submit(ctx: Context) -> Response:
    user = ctx.require("customer")
    values, uploads = read_form(ctx)
    chosen = [str(v) for v in ctx.multi_form().getlist("remedies")]
    try:
        case = complaints.file_complaint(
            ctx.db,
            customer=user,
            subject=values.get("subject", ""),
            description=values.get("description", ""),
            remedies=chosen,
            files=uploads,
            settings=ctx.settings,
            ip=ctx.ip,
        )
    except DomainError as exc:
        ctx.db.rollback()
        errors = field_errors(ctx, exc)
        return _form_page(
            ctx,
            "cases/complaint_new.html",
            status_code=exc.status,
            values={**values, "remedies": chosen},
            errors=errors,
        )
    return RedirectResponse(f"/portal/cases/{case.id}", status_code=303)


@router.get("/portal/appeals/new")
def new_appeal_page(ctx: Context, transaction: str = "") -> Response:
    user = ctx.require("customer")
    return _appeal_form(ctx, user, values={"transaction": transaction})


def _appeal_form(
    ctx: Ctx,
    user: User,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return _form_page(
        ctx,
        "cases/appeal_new.html",
        status_code=status_code,
        transactions=appeals.appealable(ctx.db, customer=user),
        kind_label=lambda kind: history.kind_label(kind, ctx._),
        status_label=lambda status: history.status_label(status, ctx._),
        money=lambda minor, currency: f"{format_minor(minor, currency)} {currency}",
        values=values,
        errors=errors or {},
    )


@router.post("/portal/appeals/new")
def new_appeal_submit(ctx: Context) -> Response:
    user = ctx.require("customer")
    values, uploads = read_form(ctx)
    try:
        case = appeals.file_appeal(
            ctx.db,
            customer=user,
            transaction=values.get("transaction", ""),
            description=values.get("description", ""),
            files=uploads,
            settings=ctx.settings,
            ip=ctx.ip,
        )
    except DomainError as exc:
        ctx.db.rollback()
        errors = field_errors(ctx, exc)
        if "form" in errors and exc.status == 404:
            errors = {"transaction": errors.pop("form")}
        return _appeal_form(ctx, user, values=values, errors=errors, status_code=exc.status)
    return RedirectResponse(f"/portal/cases/{case.id}", status_code=303)


# A customer's step on their case: (case, customer, form values) → the change.
CustomerStep = Callable[[Case, User, dict[str, str]], None]


def _customer_step(ctx: Ctx, case_id: int, name: str, step: CustomerStep) -> Response:
    user = ctx.require("customer")
    values, _ = read_form(ctx)
    values["remedies"] = ",".join(str(v) for v in ctx.multi_form().getlist("remedies"))
    case = service.get_readable_case(ctx.db, user=user, case_id=case_id)
    try:
        step(case, user, values)
    except DomainError as exc:
        ctx.db.rollback()
        case = service.get_readable_case(ctx.db, user=user, case_id=case_id)
        errors = {name: " ".join(field_errors(ctx, exc).values())}
        return portal_case_page(ctx, case, user=user, errors=errors, status_code=exc.status)
    return RedirectResponse(f"/portal/cases/{case.id}#case-path", status_code=303)


@router.post("/portal/cases/{case_id}/complaint")
def make_complaint(case_id: Id, ctx: Context) -> Response:
    def step(case: Case, user: User, values: dict[str, str]) -> None:
        complaints.make_complaint(
            ctx.db,
            case=case,
            customer=user,
            remedies=values["remedies"].split(","),
            reason=values.get("reason", ""),
            settings=ctx.settings,
            ip=ctx.ip,
        )

    return _customer_step(ctx, case_id, "make_complaint", step)


@router.post("/portal/cases/{case_id}/accept")
def accept(case_id: Id, ctx: Context) -> Response:
    def step(case: Case, user: User, values: dict[str, str]) -> None:
        complaints.accept_response(ctx.db, case=case, customer=user, ip=ctx.ip)

    return _customer_step(ctx, case_id, "accept", step)


@router.post("/portal/cases/{case_id}/escalate")
def escalate(case_id: Id, ctx: Context) -> Response:
    def step(case: Case, user: User, values: dict[str, str]) -> None:
        complaints.escalate(
            ctx.db,
            case=case,
            customer=user,
            note=values.get("note", ""),
            settings=ctx.settings,
            ip=ctx.ip,
        )

    return _customer_step(ctx, case_id, "escalate", step)


@router.post("/portal/cases/{case_id}/contest")
def contest(case_id: Id, ctx: Context) -> Response:
    def step(case: Case, user: User, values: dict[str, str]) -> None:
        appeals.contest(
            ctx.db,
            case=case,
            customer=user,
            reason=values.get("reason", ""),
            settings=ctx.settings,
            ip=ctx.ip,
        )

    return _customer_step(ctx, case_id, "contest", step)


# --- staff --------------------------------------------------------------------------------


@router.get("/console/complaints/new")
def phone_complaint_page(ctx: Context) -> Response:
    ctx.require("agent")
    return _form_page(ctx, "cases/complaint_phone.html")


@router.post("/console/complaints/new")
def phone_complaint_submit(ctx: Context) -> Response:
    staff = ctx.require("agent")
    values, uploads = read_form(ctx)
    chosen = [str(v) for v in ctx.multi_form().getlist("remedies")]
    try:
        customer = _customer_by_phone(ctx, values.get("phone", ""))
        case = complaints.file_complaint(
            ctx.db,
            customer=customer,
            subject=values.get("subject", ""),
            description=values.get("description", ""),
            remedies=chosen,
            files=uploads,
            settings=ctx.settings,
            recorded_by=staff,
            ip=ctx.ip,
        )
    except DomainError as exc:
        ctx.db.rollback()
        return _form_page(
            ctx,
            "cases/complaint_phone.html",
            status_code=exc.status,
            values={**values, "remedies": chosen},
            errors=field_errors(ctx, exc),
        )
    return RedirectResponse(f"/console/cases/{case.id}", status_code=303)


def _customer_by_phone(ctx: Ctx, phone: str) -> User:
    from walletdesk.identity import service as identity

    try:
        found = identity.find_by_login(ctx.db, phone)
    except DomainError:
        found = None
    if found is None or found.role != "customer":
        raise ValidationFailed("No customer has this phone number.", field="phone")
    return found


def _staff_step(ctx: Ctx, case_id: int, name: str, run: Callable[..., object]) -> Response:
    def action(case: Case, actor: User, values: dict[str, str], _files: list[Upload]) -> None:
        run(case, actor, values)

    return act(ctx, case_id, name, action)


@router.post("/console/cases/{case_id}/holding-reply")
def holding_reply(case_id: Id, ctx: Context) -> Response:
    def run(case: Case, actor: User, values: dict[str, str]) -> None:
        complaints.send_holding_reply(
            ctx.db,
            case=case,
            staff=actor,
            extension=values.get("extension", ""),
            reason=values.get("reason", ""),
            settings=ctx.settings,
            ip=ctx.ip,
        )

    return _staff_step(ctx, case_id, "holding", run)


@router.post("/console/cases/{case_id}/final-response")
def final_response(case_id: Id, ctx: Context) -> Response:
    def run(case: Case, actor: User, values: dict[str, str]) -> None:
        complaints.send_final_response(
            ctx.db,
            case=case,
            staff=actor,
            body=values.get("body", ""),
            settings=ctx.settings,
            ip=ctx.ip,
        )

    return _staff_step(ctx, case_id, "final", run)


@router.post("/console/cases/{case_id}/appeal-review")
def appeal_review(case_id: Id, ctx: Context) -> Response:
    def run(case: Case, actor: User, values: dict[str, str]) -> None:
        appeals.start_review(ctx.db, case=case, staff=actor, ip=ctx.ip)

    return _staff_step(ctx, case_id, "review", run)


@router.post("/console/cases/{case_id}/appeal-decision")
def appeal_decision(case_id: Id, ctx: Context) -> Response:
    def run(case: Case, actor: User, values: dict[str, str]) -> None:
        raw = values.get("amount", "").strip()
        amount = parse_amount(raw, case.currency or "CNY") if raw else None
        appeals.decide(
            ctx.db,
            case=case,
            staff=actor,
            outcome=values.get("outcome", ""),
            reason=values.get("reason", ""),
            remedy=values.get("remedy", "none"),
            amount_minor=amount,
            settings=ctx.settings,
            ip=ctx.ip,
        )

    return _staff_step(ctx, case_id, "decision", run)
