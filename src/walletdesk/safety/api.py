"""The scam shield for integrators: the wallet app can check a message before sending it."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from walletdesk.safety.redaction import redact
from walletdesk.safety.schemas import FindingOut, RedactRequest, RedactResponse
from walletdesk.web.limits import rate_limited

router = APIRouter(prefix="/api/v1/safety", tags=["safety"])


@router.post(
    "/redact", response_model=RedactResponse, dependencies=[Depends(rate_limited("redact"))]
)
def redact_text(body: RedactRequest) -> RedactResponse:
    result = redact(body.text, lang=body.lang)
    return RedactResponse(
        text=result.text,
        findings=[FindingOut(kind=f.kind, start=f.start, end=f.end) for f in result.findings],
    )
