"""JSON endpoints of the help center: articles, categories, search, announcements, the fee
schedule and the official-channel checker. All public; `lang` is zh or en.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from walletdesk.helpcenter import announcements, fees, registry, schemas, service
from walletdesk.helpcenter.models import HelpCategory, OfficialChannel
from walletdesk.helpcenter.search import SearchHit
from walletdesk.i18n import normalize_lang
from walletdesk.web.deps import Context
from walletdesk.web.limits import rate_limited

router = APIRouter(prefix="/api/v1/help", tags=["help center"])

LANG = Query(None, description="zh or en (default: the caller's language)")


def _category(category: HelpCategory, lang: str) -> schemas.CategoryRef:
    return schemas.CategoryRef(slug=category.slug, name=category.name(lang))


def _hits(hits: list[SearchHit]) -> list[schemas.SearchHit]:
    return [
        schemas.SearchHit(slug=h.slug, title=h.title, score=float(h.score), snippet=h.snippet)
        for h in hits
    ]


def channel_out(channel: OfficialChannel, lang: str) -> schemas.OfficialChannel:
    return schemas.OfficialChannel(
        kind=channel.kind,
        value=channel.value,
        label=channel.label(lang),
        region=channel.region,
        notes=channel.notes(lang),
    )


@router.get("/articles", response_model=list[schemas.ArticleListItem])
def list_articles(ctx: Context, lang: str | None = LANG) -> list[schemas.ArticleListItem]:
    return [
        schemas.ArticleListItem(
            slug=a.slug,
            lang=a.lang,
            title=a.title,
            summary=a.summary,
            category=_category(a.category, ctx.lang),
            updated_at=a.updated_at,
        )
        for a in service.published_articles(ctx.db, lang=ctx.lang)
    ]


@router.get("/articles/{slug}", response_model=schemas.Article)
def get_article(slug: str, ctx: Context, lang: str | None = LANG) -> schemas.Article:
    article = service.get_published(ctx.db, slug=slug, lang=ctx.lang)
    return schemas.Article(
        slug=article.slug,
        lang=article.lang,
        title=article.title,
        body=article.body,
        summary=article.summary,
        category=_category(article.category, ctx.lang),
        updated_at=article.updated_at,
    )


@router.get("/categories", response_model=list[schemas.Category])
def list_categories(ctx: Context, lang: str | None = LANG) -> list[schemas.Category]:
    articles = service.published_articles(ctx.db, lang=ctx.lang)
    return [
        schemas.Category(
            slug=c.slug,
            name=c.name(ctx.lang),
            articles=[
                schemas.CategoryArticle(slug=a.slug, title=a.title, summary=a.summary)
                for a in articles
                if a.category.id == c.id
            ],
        )
        for c in service.list_categories(ctx.db)
    ]


@router.get(
    "/search",
    response_model=schemas.SearchResponse,
    dependencies=[Depends(rate_limited("help_search"))],
)
def search(
    ctx: Context,
    q: str = Query("", max_length=1000, description="The customer's question"),
    lang: str | None = LANG,
    limit: int = Query(5, ge=1, le=20),
) -> schemas.SearchResponse:
    result, _question = service.ask(ctx.db, query=q, lang=ctx.lang, limit=limit, user=ctx.user)
    return schemas.SearchResponse(answered=result.answered, results=_hits(result.hits))


@router.post(
    "/suggest",
    response_model=schemas.SuggestResponse,
    dependencies=[Depends(rate_limited("help_suggest"))],
)
def suggest(ctx: Context, body: schemas.SuggestRequest) -> schemas.SuggestResponse:
    """Suggestions as the customer types. POST, so what is typed stays out of URLs and
    request logs; not logged as a question (half-typed words are not questions)."""
    lang = normalize_lang(body.lang) or ctx.lang
    hits = service.suggest_articles(ctx.db, query=body.q, lang=lang, limit=body.limit)
    return schemas.SuggestResponse(results=_hits(hits))


@router.get("/announcements", response_model=list[schemas.Announcement])
def list_announcements(ctx: Context, lang: str | None = LANG) -> list[schemas.Announcement]:
    return [
        schemas.Announcement(
            id=a.id,
            kind=a.kind,
            title=a.title(ctx.lang),
            body=a.body(ctx.lang),
            pinned=a.pinned,
            starts_at=a.starts_at,
            ends_at=a.ends_at,
        )
        for a in announcements.visible_announcements(ctx.db)
    ]


@router.get("/fees", response_model=schemas.FeeScheduleResponse)
def fee_schedule(ctx: Context, lang: str | None = LANG) -> schemas.FeeScheduleResponse:
    schedule = service.fee_schedule()
    return schemas.FeeScheduleResponse(
        lang=ctx.lang,
        currencies=schedule.minor_units,
        rules=[_rule(rule, schedule, ctx) for rule in schedule.rules],
        promotions=[_offer(o, ctx.lang) for o in schedule.promotions],
        waivers=[_offer(o, ctx.lang) for o in schedule.waivers],
    )


def _rule(rule: fees.FeeRule, schedule: fees.FeeSchedule, ctx: Context) -> schemas.FeeRule:
    lang = ctx.lang
    return schemas.FeeRule(
        id=rule.id,
        direction=rule.direction,
        direction_label=fees.label(schedule.directions, rule.direction, lang),
        method=rule.method,
        method_label=fees.label(schedule.methods, rule.method, lang),
        scope=rule.scope,
        scope_label=fees.label(schedule.scopes, rule.scope, lang),
        currency=rule.currency,
        conversion=rule.conversion,
        tiers=[
            schemas.FeeTier(
                up_to=t.up_to,
                percent=f"{t.percent.normalize():f}",
                min=t.min,
                max=t.max,
                fixed=t.fixed,
                description=fees.describe_tier(t, rule.currency, schedule, ctx._),
            )
            for t in rule.tiers
        ],
        description=fees.describe_rule(rule, schedule, ctx._),
        note=rule.note.get(lang, ""),
        offers=[o.id for o in schedule.offers_for(rule.id)],
    )


def _offer(offer: fees.Offer, lang: str) -> schemas.FeeOffer:
    return schemas.FeeOffer(
        id=offer.id,
        applies_to=list(offer.applies_to),
        title=offer.title.get(lang, ""),
        description=offer.description.get(lang, ""),
        free_per_calendar_month=offer.free_per_calendar_month,
    )


@router.get("/official-channels", response_model=list[schemas.OfficialChannel])
def official_channels(ctx: Context, lang: str | None = LANG) -> list[schemas.OfficialChannel]:
    return [channel_out(c, ctx.lang) for c in registry.list_channels(ctx.db)]


@router.get(
    "/official-channels/check",
    response_model=schemas.ChannelCheckResponse,
    dependencies=[Depends(rate_limited("channel_check"))],
)
def check_channel(
    ctx: Context,
    value: str = Query(
        ..., max_length=500, description="A phone number, link, email address or handle"
    ),
    lang: str | None = LANG,
) -> schemas.ChannelCheckResponse:
    check = registry.check_value(ctx.db, value=value)
    return schemas.ChannelCheckResponse(
        official=check.official,
        channel=channel_out(check.channel, ctx.lang) if check.channel else None,
        advice=registry.advice(check, ctx._),
        reason=check.reason,
        resembles=check.why.resembles if not check.official else None,
    )
