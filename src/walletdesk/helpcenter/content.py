"""The seeded knowledge base on disk: categories and bilingual article files.

Owns reading `content/`; importing it into the database is `helpcenter.service`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from walletdesk.helpcenter import seedfiles

CONTENT_DIR = Path(__file__).parent / "content"
LANGS = ("zh", "en")


@dataclass(frozen=True)
class ArticleFile:
    slug: str
    lang: str
    title: str
    summary: str
    body: str


@dataclass(frozen=True)
class CategoryFile:
    slug: str
    names: dict[str, str]
    topics: tuple[str, ...]


def parse_article(text: str, *, slug: str, lang: str) -> ArticleFile:
    """Split a `---` front matter (title, summary) from the Markdown body."""
    if not text.startswith("---"):
        raise ValueError(f"{slug}.{lang}.md: missing front matter")
    _, front, body = text.split("---", 2)
    name = f"{slug}.{lang}.md"
    try:
        data = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        raise seedfiles.SeedFileInvalid(f"{name}: {exc}") from exc
    meta = seedfiles.parse(seedfiles.FrontMatter, data, name=name)
    return ArticleFile(
        slug=slug,
        lang=lang,
        title=meta.title.strip(),
        summary=meta.summary.strip(),
        body=body.strip(),
    )


def read_articles(content_dir: Path = CONTENT_DIR) -> list[ArticleFile]:
    articles = []
    for path in sorted((content_dir / "articles").glob("*.md")):
        slug, lang = path.stem.rsplit(".", 1)
        if lang in LANGS:
            articles.append(parse_article(path.read_text("utf-8"), slug=slug, lang=lang))
    return articles


def read_categories(content_dir: Path = CONTENT_DIR) -> list[CategoryFile]:
    data = seedfiles.load(seedfiles.Categories, content_dir / "categories.yaml")
    return [
        CategoryFile(slug=c.slug, names={"zh": c.zh, "en": c.en}, topics=tuple(c.topics))
        for c in data.categories
    ]
