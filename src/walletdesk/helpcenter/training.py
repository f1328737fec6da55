"""The labelled questions of help search and their fixed train / validation / test split.

Owns which data a model build may read. Every labelled set (the paraphrase set shipped in the
package, the BANKING77 intents mapped onto our topics, the shared dev queries) is split by a
hash of the normalised question and SPLIT_SEED, so that the same question lands in the same
part in every set, every run, and wherever it is repeated. Model builds read `train` and
`validation` only (see `build_examples`); the `test` part is read by the evaluation alone
(bench/eval_search.py, through `test_examples`), and a test checks that it stays that way.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from walletdesk.helpcenter import textnorm

HERE = Path(__file__).parent
PARAPHRASES = HERE / "paraphrases.yaml"
# More of the same, written later: stories, typos, Traditional, neighbouring topics told apart.
# Each file is its own source, so that the evaluation can still report the earlier sets alone.
PARAPHRASE_FILES = {
    "paraphrases": PARAPHRASES,
    "paraphrases-more": HERE / "paraphrases-more.yaml",
    # Stories, typos, Traditional and out-of-scope questions, written by a writer who never saw
    # an evaluation set.
    "paraphrases-stories": HERE / "paraphrases-stories.yaml",
    # English and Chinese stories, slang and neighbouring topics told apart, by the same kind
    # of writer.
    "paraphrases-english": HERE / "paraphrases-english.yaml",
    "paraphrases-chinese": HERE / "paraphrases-chinese.yaml",
    # Search-box words, stories, slang and neighbouring topics told apart, per language, by
    # writers who saw only the topics and the articles.
    "paraphrases-everyday-en": HERE / "paraphrases-everyday-en.yaml",
    "paraphrases-everyday-zh": HERE / "paraphrases-everyday-zh.yaml",
}
BANKING77_MAP = HERE / "banking77.yaml"
# The shared data next to the checkout (not shipped: read when present). Override with
# WALLETDESK_SEARCH_DATA=<dir holding data/banking77 and kb/dev-queries.yaml>.
_SHARED = Path(os.environ.get("WALLETDESK_SEARCH_DATA", HERE.parents[3] / "shared"))

SPLIT_SEED = "walletdesk-help-search-2026-12"
# Percent of each labelled set in each part, in this order.
SPLITS = (("train", 70), ("validation", 15), ("test", 15))
BUILD_SPLITS = ("train", "validation")
OUT_OF_SCOPE = "__out_of_scope__"


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    slug: str | None  # None: no article answers it
    source: str  # paraphrases, paraphrases-more, banking77, dev, label, article

    @property
    def target(self) -> str:
        return self.slug or OUT_OF_SCOPE


def banking77_dir() -> Path:
    return _SHARED / "data" / "banking77"


def dev_queries_path() -> Path:
    return _SHARED / "kb" / "dev-queries.yaml"


def split_of(text: str) -> str:
    """train, validation or test: fixed by SPLIT_SEED and the normalised text."""
    key = f"{SPLIT_SEED}\x00{textnorm.clean(text).strip()}".encode()
    bucket = int.from_bytes(hashlib.sha256(key).digest()[:4], "big") % 100
    for name, share in SPLITS:
        if bucket < share:
            return name
        bucket -= share
    return SPLITS[-1][0]


def build_examples(*, split: str) -> list[Example]:
    """The labelled questions of `split` (train or validation) from every labelled set."""
    if split not in BUILD_SPLITS:
        raise ValueError(f"model builds read {BUILD_SPLITS}, not {split!r}")
    return [ex for ex in _labelled() if split_of(ex.text) == split]


def test_examples() -> list[Example]:
    """The test part of every labelled set: for bench/eval_search.py only, never a build."""
    return [ex for ex in _labelled() if split_of(ex.text) == "test"]


def split_sizes() -> dict[tuple[str, str, str], int]:
    """(source, lang, split) -> number of questions, for the evaluation report."""
    sizes: dict[tuple[str, str, str], int] = {}
    for ex in _labelled():
        key = (ex.source, ex.lang, split_of(ex.text))
        sizes[key] = sizes.get(key, 0) + 1
    return sizes


def _labelled() -> tuple[Example, ...]:
    return (*paraphrase_examples(), *banking77_examples(), *dev_examples())


@cache
def paraphrase_examples() -> tuple[Example, ...]:
    found: list[Example] = []
    for source, path in PARAPHRASE_FILES.items():
        data: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
        found += [
            Example(str(text), lang, slug, source)
            for slug, langs in data["topics"].items()
            for lang, texts in langs.items()
            for text in texts
        ]
        found += [
            Example(str(text), lang, None, source)
            for lang, texts in data["out_of_scope"].items()
            for text in texts
        ]
    return tuple(found)


@cache
def banking77_mapping() -> tuple[dict[str, str], frozenset[str]]:
    data: dict[str, Any] = yaml.safe_load(BANKING77_MAP.read_text("utf-8"))
    return dict(data["mapped"]), frozenset(data["unused"])


@cache
def banking77_examples() -> tuple[Example, ...]:
    """BANKING77's questions (train.csv and test.csv alike; our split decides), mapped."""
    folder = banking77_dir()
    if not (folder / "train.csv").exists():
        return ()
    mapped, unused = banking77_mapping()
    found: list[Example] = []
    for name in ("train.csv", "test.csv"):
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                intent = row["category"]
                if intent in unused:
                    continue
                found.append(Example(row["text"].strip(), "en", mapped.get(intent), "banking77"))
    return tuple(found)


@cache
def dev_examples() -> tuple[Example, ...]:
    path = dev_queries_path()
    if not path.exists():
        return ()
    queries: Iterable[dict[str, Any]] = yaml.safe_load(path.read_text("utf-8"))["queries"]
    return tuple(Example(str(q["q"]), str(q["lang"]), q["slug"], "dev") for q in queries)


def fingerprint(extra: Iterable[str] = ()) -> str:
    """Changes when the shipped training data (or `extra`, e.g. labels) changes."""
    digest = hashlib.sha256()
    b77 = banking77_dir()
    for path in (
        *PARAPHRASE_FILES.values(),
        BANKING77_MAP,
        b77 / "train.csv",
        b77 / "test.csv",
        dev_queries_path(),
    ):
        digest.update(path.read_bytes() if path.exists() else b"-")
    for item in extra:
        digest.update(item.encode())
    return digest.hexdigest()[:16]
