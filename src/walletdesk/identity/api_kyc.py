"""JSON endpoints of real-name verification: the customer's status and submission under
/api/v1/me/security/kyc, and staff review under /api/v1/kyc."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, UploadFile

from walletdesk.identity import kyc
from walletdesk.identity.kyc_models import KycSubmission
from walletdesk.identity.present import mask_id_number
from walletdesk.identity.schemas import KycDecision, KycStatus, KycSubmissionOut
from walletdesk.web.deps import Context, Id

router = APIRouter(tags=["kyc"])


def _out(row: KycSubmission) -> KycSubmissionOut:
    return KycSubmissionOut(
        id=row.id,
        user_id=row.user_id,
        level=row.level,
        status=row.status,
        reason=row.reason,
        real_name=row.real_name,
        id_type=row.id_type,
        id_number=mask_id_number(row.id_number),
        submitted_at=row.submitted_at,
        reviewed_at=row.reviewed_at,
    )


@router.get("/api/v1/me/security/kyc", response_model=KycStatus)
def my_kyc(ctx: Context) -> KycStatus:
    user = ctx.require()
    rows = kyc.submissions_of(ctx.db, user_id=user.id)
    return KycStatus(level=user.kyc_level, submissions=[_out(r) for r in rows])


@router.post("/api/v1/me/security/kyc", response_model=KycSubmissionOut, status_code=201)
def submit_kyc(
    ctx: Context,
    level: str = Form(...),
    real_name: str = Form(""),
    id_type: str = Form(""),
    id_number: str = Form(""),
    id_front: UploadFile | None = File(None),
    id_back: UploadFile | None = File(None),
    selfie: UploadFile | None = File(None),
) -> KycSubmissionOut:
    """Multipart form: level basic needs real_name, id_type (id_card|passport), id_number,
    id_front and id_back photos; level advanced needs a selfie holding the document."""
    user = ctx.require()
    limit = ctx.settings.upload_max_bytes
    uploads = {"id_front": id_front, "id_back": id_back, "selfie": selfie}
    photos = {name: f.file.read(limit + 1) for name, f in uploads.items() if f is not None}
    row = kyc.submit(
        ctx.db,
        settings=ctx.settings,
        user=user,
        level=level[:20],
        real_name=real_name[:200],
        id_type=id_type[:20],
        id_number=id_number[:60],
        photos=photos,
        ip=ctx.ip,
    )
    return _out(row)


@router.get("/api/v1/kyc/submissions", response_model=list[KycSubmissionOut])
def review_queue(ctx: Context, status: str = "pending") -> list[KycSubmissionOut]:
    """Staff (agent and up): submissions by status, oldest pending first."""
    staff = ctx.require("agent")
    return [_out(r) for r in kyc.review_queue(ctx.db, staff=staff, status=status[:16])]


@router.post("/api/v1/kyc/submissions/{submission_id}/decision", response_model=KycSubmissionOut)
def decide(submission_id: Id, body: KycDecision, ctx: Context) -> KycSubmissionOut:
    staff = ctx.require("agent")
    row = kyc.decide(
        ctx.db,
        staff=staff,
        submission_id=submission_id,
        approve=body.approve,
        reason=body.reason,
        ip=ctx.ip,
    )
    return _out(row)
