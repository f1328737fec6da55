"""What the portal and console pages share: reading a submitted form with its files, turning
domain errors into messages next to fields, and the page's Display.
"""

from __future__ import annotations

from starlette.datastructures import UploadFile

from walletdesk.cases.attachments import Upload
from walletdesk.cases.display import Display
from walletdesk.money import normalize_typed
from walletdesk.web.deps import Ctx, field_errors  # noqa: F401 (the pages' form kit, re-exported)


def read_form(ctx: Ctx, *, files_field: str = "attachments") -> tuple[dict[str, str], list[Upload]]:
    """The text fields and the chosen files of a multipart form, after its CSRF check. Each
    file is read to one byte past the limit only, which is enough to refuse it."""
    form = ctx.multi_form()  # the multi-dict keeps every file
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    if "amount" in values:  # shown back as read: １００．５ → 100.5
        values["amount"] = normalize_typed(values["amount"])
    limit = ctx.settings.upload_max_bytes + 1
    uploads = [
        Upload(item.filename or "", item.file.read(limit))
        for item in form.getlist(files_field)
        if isinstance(item, UploadFile) and item.filename
    ]
    return values, uploads


def display_for(ctx: Ctx) -> Display:
    staff = ctx.user is not None and ctx.user.is_staff
    return Display(ctx._, tz=ctx.settings.timezone, staff=staff)
