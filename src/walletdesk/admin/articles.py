"""Admin pages for articles: the list with each language's status, editing a draft,
previewing it, publishing it, and the version history with restore.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from walletdesk.admin.common import redirect, render, require_admin, text
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.helpcenter import service
from walletdesk.helpcenter.models import HelpArticle
from walletdesk.web.deps import Context, Id

router = APIRouter(include_in_schema=False)
LANGS = ("zh", "en")


def _article(ctx: Context, slug: str, lang: str) -> HelpArticle:
    if lang not in LANGS:
        raise NotFound()
    return service.get_article(ctx.db, slug=slug)


def _base(slug: str, lang: str) -> str:
    return f"/admin/articles/{slug}/{lang}"


@router.get("/admin/articles")
def article_list(ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    return render(
        ctx,
        "admin/articles.html",
        rows=service.article_overview(ctx.db),
        categories=service.list_categories(ctx.db),
        new_slug="",
        new_category="",
        error=None,
    )


@router.post("/admin/articles")
def article_create(ctx: Context) -> Response:
    admin = require_admin(ctx)
    form = ctx.form()
    slug, category = text(form, "slug", 100), text(form, "category", 100)
    try:
        article = service.create_article(
            ctx.db, slug=slug, category_slug=category, actor=admin, ip=ctx.ip
        )
    except (ValidationFailed, Conflict) as exc:
        return render(
            ctx,
            "admin/articles.html",
            status_code=exc.status,
            rows=service.article_overview(ctx.db),
            categories=service.list_categories(ctx.db),
            new_slug=slug,
            new_category=category,
            error=exc,
        )
    return redirect(_base(article.slug, "zh") + "/edit", "created")


def _editor(
    ctx: Context,
    article: HelpArticle,
    lang: str,
    *,
    values: dict[str, str] | None = None,
    error: ValidationFailed | None = None,
) -> HTMLResponse:
    draft = service.draft_of(ctx.db, article=article, lang=lang)
    published = service.published_of(ctx.db, article=article, lang=lang)
    current = draft or published
    if values is None:
        values = {
            "title": current.title if current else "",
            "summary": current.summary if current else "",
            "body": current.body if current else "",
            "category": article.category.slug,
        }
    return render(
        ctx,
        "admin/article_edit.html",
        status_code=error.status if error else 200,
        article=article,
        edit_lang=lang,
        draft=draft,
        published=published,
        values=values,
        error=error,
        categories=service.list_categories(ctx.db),
    )


@router.get("/admin/articles/{slug}/{lang}/edit")
def article_edit(slug: str, lang: str, ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    return _editor(ctx, _article(ctx, slug, lang), lang)


@router.post("/admin/articles/{slug}/{lang}/edit")
def article_save(slug: str, lang: str, ctx: Context) -> Response:
    admin = require_admin(ctx)
    article = _article(ctx, slug, lang)
    form = ctx.form()
    values = {
        "title": text(form, "title", 1000),
        "summary": text(form, "summary", 2000),
        "body": text(form, "body", service.MAX_BODY + 1),
        "category": text(form, "category", 100),
    }
    try:
        service.save_draft(
            ctx.db,
            article=article,
            lang=lang,
            title=values["title"],
            summary=values["summary"],
            body=values["body"],
            actor=admin,
            ip=ctx.ip,
        )
        if values["category"]:
            service.move_article(
                ctx.db, article=article, category_slug=values["category"], actor=admin, ip=ctx.ip
            )
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _editor(ctx, article, lang, values=values, error=exc)
    return redirect(_base(slug, lang) + "/preview", "saved")


@router.get("/admin/articles/{slug}/{lang}/preview")
def article_preview(slug: str, lang: str, ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    article = _article(ctx, slug, lang)
    draft = service.draft_of(ctx.db, article=article, lang=lang)
    shown = draft or service.published_of(ctx.db, article=article, lang=lang)
    return render(
        ctx,
        "admin/article_preview.html",
        article=article,
        edit_lang=lang,
        version=shown,
        draft=draft,
    )


@router.post("/admin/articles/{slug}/{lang}/publish")
def article_publish(slug: str, lang: str, ctx: Context) -> Response:
    admin = require_admin(ctx)
    article = _article(ctx, slug, lang)
    ctx.form()
    service.publish_draft(ctx.db, article=article, lang=lang, actor=admin, ip=ctx.ip)
    return redirect(_base(slug, lang) + "/history", "published")


@router.post("/admin/articles/{slug}/{lang}/discard")
def article_discard(slug: str, lang: str, ctx: Context) -> Response:
    admin = require_admin(ctx)
    article = _article(ctx, slug, lang)
    ctx.form()
    service.discard_draft(ctx.db, article=article, lang=lang, actor=admin, ip=ctx.ip)
    return redirect(_base(slug, lang) + "/edit", "discarded")


@router.get("/admin/articles/{slug}/{lang}/history")
def article_history(slug: str, lang: str, ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    article = _article(ctx, slug, lang)
    versions = service.version_history(ctx.db, article=article, lang=lang)
    return render(
        ctx, "admin/article_history.html", article=article, edit_lang=lang, versions=versions
    )


@router.get("/admin/articles/{slug}/{lang}/versions/{number}")
def article_version(slug: str, lang: str, number: Id, ctx: Context) -> HTMLResponse:
    require_admin(ctx)
    article = _article(ctx, slug, lang)
    version = service.get_version(ctx.db, article=article, lang=lang, number=number)
    return render(
        ctx,
        "admin/article_preview.html",
        article=article,
        edit_lang=lang,
        version=version,
        draft=None,
    )


@router.post("/admin/articles/{slug}/{lang}/versions/{number}/restore")
def article_restore(slug: str, lang: str, number: Id, ctx: Context) -> Response:
    admin = require_admin(ctx)
    article = _article(ctx, slug, lang)
    ctx.form()
    old = service.get_version(ctx.db, article=article, lang=lang, number=number)
    service.save_draft(
        ctx.db,
        article=article,
        lang=lang,
        title=old.title,
        summary=old.summary,
        body=old.body,
        actor=admin,
        ip=ctx.ip,
    )
    return redirect(_base(slug, lang) + "/edit", "restored")
