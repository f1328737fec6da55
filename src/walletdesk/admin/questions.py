"""Admin page for what customers ask help search: the unanswered and unhelpful questions,
grouped by wording, each labelled in one click with the article that answers it or as out
of scope. Labels feed the next `walletdesk kb train`.
"""

from __future__ import annotations

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from walletdesk.admin.common import redirect, render, require_admin
from walletdesk.errors import Forbidden
from walletdesk.helpcenter import questions, service
from walletdesk.helpcenter.training import OUT_OF_SCOPE
from walletdesk.web.deps import Context, csrf_valid

router = APIRouter(include_in_schema=False)
PATH = "/admin/help-questions"


@router.get(PATH)
def question_list(ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    titles = {a.slug: a.title for a in service.published_articles(ctx.db, lang=ctx.lang)}
    return render(
        ctx,
        "admin/help_questions.html",
        groups=questions.groups_to_review(ctx.db),
        titles=titles,
        out_of_scope=OUT_OF_SCOPE,
        labelled=questions.label_count(ctx.db),
    )


@router.post(PATH + "/label")
def question_label(
    ctx: Context,
    lang: str = Form(""),
    key: str = Form(""),
    label: str = Form(""),
    other: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    admin = require_admin(ctx)
    if not csrf_valid(ctx.request, csrf_token):
        raise Forbidden("Your form expired. Please reload the page and try again.", code="csrf")
    chosen = label or other
    questions.label_group(
        ctx.db, lang=lang[:8], key=key[:300], label=chosen[:80], actor=admin, ip=ctx.ip
    )
    return redirect(PATH, "labelled")
