"""Customer portal pages: my cases, opening a case (category first, then its fields, with
help-center suggestions before submitting), a case's conversation and replies; file downloads.

The agent console's pages live in `console` (and the customer panel's forms in
`console_actions`), mounted on this router.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, RedirectResponse, Response

from walletdesk.cases import console, console_actions, console_chat, service
from walletdesk.cases.attachments import ALLOWED, MAX_FILES, file_response
from walletdesk.cases.categories import CATEGORIES, CURRENCIES, FIELDS, Category
from walletdesk.cases.models import Case, case_number
from walletdesk.cases.webforms import display_for, field_errors, read_form
from walletdesk.errors import DomainError
from walletdesk.helpcenter import questions as help_questions
from walletdesk.helpcenter import service as helpcenter
from walletdesk.identity.models import User
from walletdesk.money import format_minor
from walletdesk.wallet import history
from walletdesk.wallet.transactions import WalletTransaction
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(include_in_schema=False)
router.include_router(console.router)
router.include_router(console_actions.router)
router.include_router(console_chat.router)
SUGGESTION_LIMIT = 3


def _customer(ctx: Ctx) -> User:
    return ctx.require("customer")


@router.get("/portal")
def portal_home(ctx: Context, page: int = Query(1, ge=1)) -> Response:
    user = ctx.require()
    if user.is_staff:
        return RedirectResponse("/console", status_code=303)
    found = service.list_cases(ctx.db, user=user, filters=service.CaseFilter(page=page))
    return ctx.render("cases/portal_home.html", found=found, show=display_for(ctx))


@router.get("/portal/cases/new")
def new_case_page(ctx: Context, category: str = "", transaction: str = "") -> Response:
    """The case form; `transaction` (one of the customer's, from its page) fills in what
    support needs to know about it: category, time, amount and ID."""
    user = _customer(ctx)
    values = {"registered_phone": user.phone or "", "currency": "CNY"}
    open_one = None
    if transaction:
        tx = history.get_transaction(ctx.db, user_id=user.id, public_id=transaction)
        category = category or TRANSACTION_CATEGORY.get(tx.kind, "transaction")
        values.update(_about(ctx, tx))
        open_one = service.open_case_about(ctx.db, customer=user, transaction_id=tx.public_id)
    kind = CATEGORIES.get(category)
    if kind is None:
        error = ctx._("Choose a category.") if category else None
        return ctx.render("cases/choose_category.html", categories=CATEGORIES, error=error)
    return _case_form(ctx, kind, values=values, duplicate=open_one.id if open_one else None)


# The case category a customer's transaction belongs to (others: "transaction").
TRANSACTION_CATEGORY = {
    "deposit": "deposit_withdrawal",
    "withdrawal": "deposit_withdrawal",
    "fee": "fees",
}


def _about(ctx: Ctx, tx: WalletTransaction) -> dict[str, str]:
    """The case form's fields filled in from the customer's transaction."""
    subject = ctx._(
        "{kind} {id} of {amount}: {status}",
        kind=history.kind_label(tx.kind, ctx._),
        id=tx.public_id,
        amount=f"{format_minor(tx.amount_minor, tx.currency)} {tx.currency}",
        status=history.status_label(tx.status, ctx._),
    )
    when = tx.created_at.astimezone(ZoneInfo(ctx.settings.timezone))
    return {
        "subject": subject[:120],
        "transaction_id": tx.public_id,
        "amount": format_minor(tx.amount_minor, tx.currency),
        "currency": tx.currency,
        "occurred_at": f"{when:%Y-%m-%dT%H:%M}",  # as the form's datetime-local field reads it
    }


@router.post("/portal/cases/new")
def new_case_submit(ctx: Context) -> Response:
    user = _customer(ctx)
    values, uploads = read_form(ctx)
    kind = CATEGORIES.get(values.get("category", ""))
    if kind is None:
        error = ctx._("Choose a category.")
        return ctx.render(
            "cases/choose_category.html", status_code=422, categories=CATEGORIES, error=error
        )
    try:
        if values.get("suggest") == "1":
            return _preview(ctx, kind, values=values, file_count=len(uploads))
        case = service.open_case(
            ctx.db,
            customer=user,
            category=kind.key,
            subject=values.get("subject", ""),
            description=values.get("description", ""),
            fields=values,
            files=uploads,
            settings=ctx.settings,
            force=values.get("force") == "1",
            ip=ctx.ip,
        )
    except DomainError as exc:
        errors = field_errors(ctx, exc)
        duplicate = exc.case_id if isinstance(exc, service.DuplicateCase) else None
        return _case_form(
            ctx, kind, values=values, errors=errors, status_code=exc.status, duplicate=duplicate
        )
    # The help center's last search did not do: admins see that question as unhelpful.
    asked = help_questions.question_id(ctx.request.cookies.get(help_questions.QUESTION_COOKIE))
    help_questions.record_case_opened(ctx.db, question_id=asked)
    return RedirectResponse(f"/portal/cases/{case.id}", status_code=303)


def _preview(ctx: Ctx, kind: Category, *, values: dict[str, str], file_count: int) -> Response:
    """The no-JS suggestion step: check the form, then show articles that may already answer
    the question, with a button to submit anyway. Chosen files are not kept by a browser
    across this round trip, so the page asks for them again."""
    _, subject, description, _ = service.check_new_case(
        category=kind.key,
        subject=values.get("subject", ""),
        description=values.get("description", ""),
        fields=values,
        file_count=file_count,
        settings=ctx.settings,
    )
    hits = _suggestions(ctx, f"{subject}\n{description}")
    return _case_form(ctx, kind, values=values, suggestions=hits, files_dropped=file_count > 0)


def _suggestions(ctx: Ctx, question: str) -> list[helpcenter.SearchHit]:
    result = helpcenter.search_articles(
        ctx.db, query=question[:500], lang=ctx.lang, limit=SUGGESTION_LIMIT
    )
    return result.hits


def _case_form(
    ctx: Ctx,
    kind: Category,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    suggestions: list[helpcenter.SearchHit] | None = None,
    files_dropped: bool = False,
    status_code: int = 200,
    duplicate: int | None = None,
) -> Response:
    spec = {
        c.key: {
            "fields": list(c.fields),
            "required": sorted(c.required),
            "example": ctx._(c.example),
            "summary": ctx._(c.summary),
        }
        for c in CATEGORIES.values()
    }
    return ctx.render(
        "cases/new_case.html",
        status_code=status_code,
        category=kind,
        categories=CATEGORIES,
        fields=FIELDS,
        currencies=CURRENCIES,
        accept=",".join(ALLOWED),
        max_files=MAX_FILES,
        max_mb=round(ctx.settings.upload_max_bytes / 1024 / 1024, 1),
        spec=spec,
        values=values,
        errors=errors or {},
        suggestions=suggestions,
        files_dropped=files_dropped,
        duplicate=case_number(duplicate) if duplicate else None,
        duplicate_id=duplicate,
    )


@router.get("/portal/cases/{case_id}")
def portal_case(case_id: Id, ctx: Context) -> Response:
    user = ctx.require()
    if user.is_staff:
        return RedirectResponse(f"/console/cases/{case_id}", status_code=303)
    case = service.get_readable_case(ctx.db, user=user, case_id=case_id)
    return _case_page(ctx, case, user=user)


@router.post("/portal/cases/{case_id}/reply")
def portal_reply(case_id: Id, ctx: Context) -> Response:
    user = _customer(ctx)
    values, uploads = read_form(ctx)
    case = service.get_readable_case(ctx.db, user=user, case_id=case_id)
    try:
        service.post_reply(
            ctx.db,
            case=case,
            author=user,
            body=values.get("body", ""),
            files=uploads,
            settings=ctx.settings,
            ip=ctx.ip,
        )
    except DomainError as exc:
        errors = field_errors(ctx, exc)
        return _case_page(
            ctx, case, user=user, body=values.get("body", ""), errors=errors, status_code=exc.status
        )
    return RedirectResponse(f"/portal/cases/{case.id}#latest", status_code=303)


def _case_page(
    ctx: Ctx, case: Case, *, user: User, status_code: int = 200, **form: Any
) -> Response:
    return ctx.render(
        "cases/portal_case.html",
        status_code=status_code,
        case=case,
        messages=service.conversation(ctx.db, case=case, user=user),
        files=service.case_files(ctx.db, case=case, user=user),
        show=display_for(ctx),
        named=history.named_transaction(
            ctx.db, user_id=user.id, given=str(case.details.get("transaction_id") or "")
        ),
        accept=",".join(ALLOWED),
        body=form.get("body", ""),
        errors=form.get("errors", {}),
    )


# The case page with a refused form's errors, for the complaint path's customer forms.
portal_case_page = _case_page


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def download_attachment(case_id: Id, attachment_id: Id, ctx: Context) -> FileResponse:
    """A case's file, for its customer and for staff; anyone else gets 404."""
    attachment = service.get_readable_attachment(
        ctx.db, user=ctx.require(), case_id=case_id, attachment_id=attachment_id
    )
    return file_response(attachment, uploads_dir=ctx.settings.uploads_dir)
