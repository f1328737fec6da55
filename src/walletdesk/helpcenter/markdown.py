"""Rendering the Markdown that admins write (articles, announcements) into safe HTML.

Admins may type HTML too; whatever the Markdown renders passes nh3, which keeps only
harmless tags, attributes and link schemes, so an article cannot carry a script.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    "table"
)
_TAGS = set(nh3.ALLOWED_TAGS) - {"map", "area"}
_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(text: str) -> Markup:
    html = _MD.render(text or "")
    clean = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def plain_excerpt(text: str, *, limit: int = 200) -> str:
    """The first characters of a Markdown text without its markup, for lists."""
    tokens = _MD.parse(text or "")
    texts = [
        child.content
        for token in tokens
        if token.type == "inline"
        for child in token.children or []
        if child.type in ("text", "code_inline")
    ]
    words = " ".join(texts).split()
    excerpt = " ".join(words)
    return excerpt if len(excerpt) <= limit else excerpt[: limit - 1] + "…"
