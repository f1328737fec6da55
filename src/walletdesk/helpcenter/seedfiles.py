"""The help center's seed files (seed.yaml, content/categories.yaml, the articles' front
matter), each read against a schema. A file that does not fit is refused when it is read,
with an error naming the file, the entry and the field, so that a YAML slip (say an
unquoted comma in a flow mapping, which silently cuts a label in two) never reaches a page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from walletdesk.helpcenter.models import ANNOUNCEMENT_KINDS, CHANNEL_KINDS


class SeedFileInvalid(ValueError):
    """A seed file that cannot be read or does not fit its schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """One text in both languages: both present, neither empty unless allowed."""

    zh: str
    en: str

    @field_validator("zh", "en", mode="before")
    @classmethod
    def _a_string(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("must be text (quote it if it holds a comma, colon or #)")
        return value


class Label(Text):
    @field_validator("zh", "en")
    @classmethod
    def _balanced(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        for opening, closing in ("()", "（）", "[]", "“”"):
            if value.count(opening) != value.count(closing):
                raise ValueError(f"unbalanced {opening}{closing} (an unquoted comma?)")
        return value


class Channel(_Strict):
    kind: Literal[CHANNEL_KINDS]  # type: ignore[valid-type]
    value: str = Field(min_length=1)
    region: Literal["", "CN", "INTL"] = ""
    label: Label
    notes: Text

    @field_validator("value", mode="before")
    @classmethod
    def _value_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("must be text (quote it)")
        return value


class Announcement(_Strict):
    kind: Literal[ANNOUNCEMENT_KINDS]  # type: ignore[valid-type]
    pinned: bool = False
    title: Label
    body: Text


class Seed(_Strict):
    official_channels: list[Channel] = Field(min_length=1)
    announcements: list[Announcement] = []


class Category(_Strict):
    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    topics: list[str] = Field(min_length=1)


class Categories(_Strict):
    categories: list[Category] = Field(min_length=1)


class FrontMatter(_Strict):
    title: str = Field(min_length=1)
    summary: str = ""


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any, *, name: str) -> M:
    """`data` (already read from YAML) as `model`, or SeedFileInvalid naming `name`, the
    entry (its index, and its value or slug when it has one) and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(data, err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise SeedFileInvalid(f"{name}: " + "; ".join(problems)) from None


def load(model: type[M], path: Path) -> M:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SeedFileInvalid(f"{path.name}: {exc}") from exc
    return parse(model, data, name=path.name)


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """`official_channels[6] (security@walletdesk.com) › label › fraud)` for an error's loc."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
            name = _entry_name(node)
            parts[-1] = f"{parts[-1]}[{step}]" + (f" ({name})" if name else "")
            continue
        parts.append(str(step))
        node = node.get(step) if isinstance(node, dict) else None
    return " › ".join(parts) or "(top)"


def _entry_name(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    for key in ("value", "slug"):
        if isinstance(node.get(key), str):
            return str(node[key])
    title = node.get("title")
    if isinstance(title, dict) and isinstance(title.get("en"), str):
        return str(title["en"])
    return ""
