"""Help-center pages: home, categories, articles, search, announcements, fees and the
official-channel checker. Server-rendered, public, usable without JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from walletdesk.errors import ValidationFailed
from walletdesk.helpcenter import announcements, fees, registry, service
from walletdesk.helpcenter.display import page_values
from walletdesk.helpcenter.markdown import render_markdown
from walletdesk.web.deps import Context
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
    return _render(ctx, "helpcenter/article.html", article=found, related=related)


@router.get("/help/search")
def search(ctx: Context, q: str = "") -> HTMLResponse:
    query = q.strip()[:MAX_QUERY]
    result = service.search_articles(ctx.db, query=query, lang=ctx.lang, limit=8)
    return _render(
        ctx,
        "helpcenter/search.html",
        q=query,
        result=result,
        categories=service.list_categories(ctx.db),
    )


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
