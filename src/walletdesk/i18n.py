"""Translations (gettext catalogs under locale/, read with Babel) and language choice.

msgids are English; `locale/zh_CN/LC_MESSAGES/*.po` holds one catalog per domain, merged.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LANGS = ("zh", "en")
LOCALE_DIR = Path(__file__).parent / "locale"
_BABEL_LOCALE = {"zh": "zh_CN", "en": "en"}


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict[str, str]:
    """msgid → translation for `lang`, merged from every domain catalog."""
    folder = LOCALE_DIR / _BABEL_LOCALE.get(lang, lang) / "LC_MESSAGES"
    messages: dict[str, str] = {}
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=_BABEL_LOCALE[lang]):
                if message.id and isinstance(message.id, str) and message.string:
                    messages[message.id] = str(message.string)
    return messages


def gettext(lang: str, msgid: str, **params: Any) -> str:
    text = catalog(lang).get(msgid, msgid) if lang != "en" else msgid
    return text.format(**params) if params else text


class Translator:
    """Bound to one language; templates call it as `_("...")`."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "zh"

    def __call__(self, msgid: str, **params: Any) -> str:
        return gettext(self.lang, msgid, **params)


def normalize_lang(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower().replace("_", "-")
    if value.startswith("zh"):
        return "zh"
    if value.startswith("en"):
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The first supported language in an Accept-Language header, by q-value order."""
    if not header:
        return None
    weighted = []
    for index, part in enumerate(header.split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        weighted.append((-weight, index, tag))
    for _, _, tag in sorted(weighted):
        lang = normalize_lang(tag)
        if lang:
            return lang
    return None


def N_(msgid: str) -> str:
    """Marks a message id for the catalogs where it is stored now and translated when shown."""
    return msgid
