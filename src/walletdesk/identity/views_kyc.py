"""Real-name verification pages: the customer's submission form and status, and the staff
review list and decision page under the console.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from walletdesk.errors import DomainError
from walletdesk.identity import kyc
from walletdesk.identity.forms import errors_of, text
from walletdesk.identity.kyc_models import ID_TYPES
from walletdesk.identity.logins import mask_phone
from walletdesk.identity.messages import KYC_LEVEL_LABELS, KYC_STATUS_LABELS
from walletdesk.identity.present import local_time, mask_id_number
from walletdesk.web.deps import Context, Ctx, Id

router = APIRouter(include_in_schema=False)
PHOTO_FIELDS = ("id_front", "id_back", "selfie")


def read_photos(form: dict[str, Any], *, limit: int) -> dict[str, bytes]:
    """The uploaded photos by field, each read up to one byte past the limit (so a larger
    file is refused without reading it all)."""
    photos = {}
    for name in PHOTO_FIELDS:
        upload = form.get(name)
        if isinstance(upload, UploadFile):
            photos[name] = upload.file.read(limit + 1)
    return photos


def _helpers(ctx: Ctx) -> dict[str, Any]:
    return {
        "when": lambda moment: local_time(moment, ctx.settings),
        "masked": mask_id_number,
        "phone": mask_phone,
        "level_label": lambda level: ctx._(KYC_LEVEL_LABELS.get(level) or level),
        "status_label": lambda status: ctx._(KYC_STATUS_LABELS.get(status) or status),
    }


def _customer_page(ctx: Ctx, *, status: int = 200, **values: Any) -> Response:
    user = ctx.require()
    submissions = kyc.submissions_of(ctx.db, user_id=user.id)
    pending = any(s.status == "pending" for s in submissions)
    next_level = {"unverified": "basic", "basic": "advanced"}.get(user.kyc_level)
    values.setdefault("errors", {})
    values.setdefault("form", {})
    return ctx.render(
        "identity/kyc.html",
        status_code=status,
        level=user.kyc_level,
        submissions=submissions,
        can_submit=next_level is not None and not pending,
        next_level=next_level,
        id_types=ID_TYPES,
        max_mb=ctx.settings.upload_max_bytes // 2**20,
        notice=values.pop("notice", ""),
        **_helpers(ctx),
        **values,
    )


@router.get("/security/kyc")
def kyc_page(ctx: Context) -> Response:
    return _customer_page(ctx)


@router.post("/security/kyc")
def kyc_submit(ctx: Context) -> Response:
    form = ctx.form()
    user = ctx.require()
    fields = {
        name: text(form, name, 120) for name in ("level", "real_name", "id_type", "id_number")
    }
    try:
        kyc.submit(
            ctx.db,
            settings=ctx.settings,
            user=user,
            photos=read_photos(form, limit=ctx.settings.upload_max_bytes),
            ip=ctx.ip,
            **fields,
        )
    except DomainError as exc:
        return _customer_page(ctx, status=exc.status, errors=errors_of(ctx, exc), form=fields)
    return RedirectResponse("/security/kyc?sent=1", status_code=303)


@router.get("/console/kyc")
def review_list(ctx: Context, status: str = "pending") -> Response:
    staff = ctx.require("agent")
    status = status if status in ("pending", "approved", "rejected") else "pending"
    rows = kyc.review_queue(ctx.db, staff=staff, status=status)
    return ctx.render("identity/kyc_review_list.html", rows=rows, status=status, **_helpers(ctx))


@router.get("/console/kyc/{submission_id}")
def review_page(ctx: Context, submission_id: Id) -> Response:
    staff = ctx.require("agent")
    submission = kyc.submission_for_staff(ctx.db, staff=staff, submission_id=submission_id)
    return ctx.render("identity/kyc_review.html", submission=submission, errors={}, **_helpers(ctx))


@router.post("/console/kyc/{submission_id}/decision")
def review_decision(ctx: Context, submission_id: Id) -> Response:
    form = ctx.form()
    staff = ctx.require("agent")
    try:
        kyc.decide(
            ctx.db,
            staff=staff,
            submission_id=submission_id,
            approve=form.get("decision") == "approve",
            reason=text(form, "reason", 500),
            ip=ctx.ip,
        )
    except DomainError as exc:
        submission = kyc.submission_for_staff(ctx.db, staff=staff, submission_id=submission_id)
        return ctx.render(
            "identity/kyc_review.html",
            status_code=exc.status,
            submission=submission,
            errors=errors_of(ctx, exc),
            **_helpers(ctx),
        )
    return RedirectResponse("/console/kyc", status_code=303)


@router.get("/console/kyc/{submission_id}/documents/{document_id}")
def review_document(ctx: Context, submission_id: Id, document_id: Id) -> Response:
    staff = ctx.require("agent")
    document, data = kyc.document_for_staff(
        ctx.db,
        settings=ctx.settings,
        staff=staff,
        submission_id=submission_id,
        document_id=document_id,
    )
    headers = {
        "Cache-Control": "private, no-store",
        "Content-Disposition": "inline",
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    }
    return Response(data, media_type=document.content_type, headers=headers)
