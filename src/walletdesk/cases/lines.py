"""Lines written by the system (a review case's title and description, an approved refund):
kept as a message id with its parameters, so each reader sees them in their own language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# A line: {"text": msgid, "params": {...}, "translated": [names of params that are msgids]}.
Line = Mapping[str, Any]
TITLE_KEY = "title_line"  # in Case.details: the subject as a line
LINES_KEY = "description_lines"  # in Case.details: the description, one line each


def line(text: str, translated: tuple[str, ...] = (), **params: object) -> dict[str, Any]:
    return {"text": text, "params": dict(params), "translated": list(translated)}


def render_line(_: Callable[..., str], item: Line, **extra: str) -> str:
    """`item` in the language of the translator `_`."""
    params = {k: str(v) for k, v in (item.get("params") or {}).items()}
    for key in item.get("translated") or ():
        params[key] = _(params.get(key, ""))
    return _(str(item.get("text", "")), **extra, **params)


def subject_of(_: Callable[..., str], case: Any) -> str:
    title = case.details.get(TITLE_KEY) if isinstance(case.details, dict) else None
    return render_line(_, title) if title else str(case.subject)


def description_of(_: Callable[..., str], case: Any) -> str:
    items = case.details.get(LINES_KEY) if isinstance(case.details, dict) else None
    if not items:
        return str(case.description)
    return "\n".join(render_line(_, item) for item in items)
