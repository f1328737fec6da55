"""Help-center pages: home, categories, articles, search, announcements, fees and the
official-channel checker. Server-rendered, public, usable without JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from walletdesk.errors import Forbidden, ValidationFailed
from walletdesk.helpcenter import announcements, fees, questions, registry, service
from walletdesk.helpcenter.display import page_values
from walletdesk.helpcenter.markdown import render_markdown
from walletdesk.helpcenter.models import FEEDBACK_VALUES
from walletdesk.web.deps import Context, csrf_valid
from walletdesk.web.limits import check_rate

router = APIRouter(include_in_schema=False)

MAX_QUERY = 300
MAX_CHECK_VALUE = 500


def _render(ctx: Context, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    return ctx.render(
        template,
        status_code=status_code,
        markdown=render_markdown,
        **page_values(ctx.settings.timezone),
        **values,
    )


@router.get("/help")
def home(ctx: Context) -> HTMLResponse:
    articles = service.published_articles(ctx.db, lang=ctx.lang)
    categories = [
        (c, [a for a in articles if a.category.id == c.id]) for c in service.list_categories(ctx.db)
    ]
    pinned = announcements.visible_announcements(ctx.db, pinned_only=True)
    return _render(
        ctx, "helpcenter/index.html", categories=[c for c in categories if c[1]], pinned=pinned
    )


@router.get("/help/categories/{slug}")
def category(slug: str, ctx: Context) -> HTMLResponse:
    found = service.get_category(ctx.db, slug=slug)
    articles = service.published_articles(ctx.db, lang=ctx.lang, category=found)
    return _render(ctx, "helpcenter/category.html", category=found, articles=articles)


@router.get("/help/articles/{slug}")
def article(slug: str, ctx: Context) -> HTMLResponse:
    found = service.get_published(ctx.db, slug=slug, lang=ctx.lang)
    related = service.related_articles(ctx.db, article=found, lang=ctx.lang)
    asked = questions.question_id(ctx.request.query_params.get("from"))
    questions.record_opened(ctx.db, question_id=asked, slug=found.slug)
    thanks = ctx.request.query_params.get("feedback") in FEEDBACK_VALUES
    return _render(
        ctx, "helpcenter/article.html", article=found, related=related, asked=asked, thanks=thanks
    )


@router.post("/help/articles/{slug}/feedback")
def article_feedback(
    slug: str,
    ctx: Context,
    helpful: str = Form(""),
    asked_from: str = Form("", alias="from"),
    csrf_token: str = Form(""),
) -> Response:
    """ "Was this article helpful?" — kept with the question it was opened from."""
    if not csrf_valid(ctx.request, csrf_token):
        raise Forbidden("Your form expired. Please reload the page and try again.", code="csrf")
    found = service.get_published(ctx.db, slug=slug, lang=ctx.lang)
    value = helpful
    asked = questions.question_id(asked_from)
    questions.record_feedback(ctx.db, question_id=asked, slug=found.slug, value=value)
    back = f"/help/articles/{found.slug}?feedback={value}" + (f"&from={asked}" if asked else "")
    return RedirectResponse(back, status_code=303)


@router.get("/help/search")
def search(ctx: Context, q: str = "") -> HTMLResponse:
    query = q.strip()[:MAX_QUERY]
    result, asked = service.ask(ctx.db, query=query, lang=ctx.lang, limit=8, user=ctx.user)
    response = _render(
        ctx,
        "helpcenter/search.html",
        q=query,
        result=result,
        asked=asked,
        categories=service.list_categories(ctx.db),
    )
    if asked is not None:
        response.set_cookie(
            questions.QUESTION_COOKIE, str(asked), max_age=3600, httponly=True, samesite="lax"
        )
    return response


@router.get("/help/announcements")
def announcement_list(ctx: Context) -> HTMLResponse:
    visible = announcements.visible_announcements(ctx.db)
    return _render(ctx, "helpcenter/announcements.html", announcements=visible)


@router.get("/help/fees")
def fee_page(ctx: Context) -> HTMLResponse:
    schedule = service.fee_schedule()
    sections = [
        (fees.label(schedule.directions, direction, ctx.lang), schedule.rules_for(direction))
        for direction in fees.DIRECTIONS
    ]
    return _render(
        ctx,
        "helpcenter/fees.html",
        schedule=schedule,
        sections=[s for s in sections if s[1]],
        fees=fees,
    )


@router.get("/help/official-channels")
def official_channels(ctx: Context, value: str = "") -> HTMLResponse:
    value = value[:MAX_CHECK_VALUE]
    check, advice, reason, error = None, "", "", ""
    if value.strip():
        check_rate(ctx.request, "channel_check")
        try:
            check = registry.check_value(ctx.db, value=value)
            advice = registry.advice(check, ctx._, with_link=False, with_reason=False)
            reason = registry.reason_text(check, ctx._)
        except ValidationFailed as exc:
            error = ctx._(exc.message, **exc.params)
    by_kind: dict[str, list[Any]] = {}
    for channel in registry.list_channels(ctx.db):
        by_kind.setdefault(channel.kind, []).append(channel)
    return _render(
        ctx,
        "helpcenter/channels.html",
        value=value,
        check=check,
        advice=advice,
        reason=reason,
        error=error,
        by_kind=by_kind,
        verify_article=registry.VERIFY_ARTICLE,
    )
