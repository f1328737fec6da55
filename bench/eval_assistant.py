"""Evaluate the chat assistant's first reply on the labelled dev queries and print its figures.

The queries (../shared/kb/dev-queries.yaml) are split once, with a fixed seed, into dev (30%:
the only part the handover rules were tuned on) and held-out (70%: reported). Each query is the
first message of a fresh conversation (no memory, visitor not signed in). Reported per part and
language: in-scope queries whose first reply is an answer with the labelled article; out-of-
scope queries answered with any article; handovers on the first message (all false for these
queries, which are questions to answer: listed with their reason so they can be judged).

Caveat: the help-search model is built from 85% of these same queries (helpcenter/training.py
splits them again by its own seed). The figures restricted to the search's own test split are
printed as well: they are the ones free of that overlap (few queries).

Usage: bench/eval_assistant.py [--part dev|heldout|both] [--quiet]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from walletdesk.helpcenter import training  # noqa: E402

SPLIT_SEED = "assistant-split"
DEV_SHARE = 0.3


@dataclass(frozen=True)
class Query:
    text: str
    lang: str
    slug: str | None


def load_queries() -> list[Query]:
    data = yaml.safe_load(training.dev_queries_path().read_text("utf-8"))
    return [Query(str(q["q"]), str(q["lang"]), q["slug"]) for q in data["queries"]]


def split(queries: list[Query]) -> tuple[list[Query], list[Query]]:
    """(dev, held-out): a shuffle by the fixed seed, the first 30% dev. Never change the seed
    or the share: the held-out figures are only honest while no rule was tuned on them."""
    order = list(range(len(queries)))
    random.Random(SPLIT_SEED).shuffle(order)
    cut = round(len(queries) * DEV_SHARE)
    return [queries[i] for i in sorted(order[:cut])], [queries[i] for i in sorted(order[cut:])]


@dataclass
class Outcome:
    query: Query
    kind: str
    slug: str | None
    reason: str | None

    @property
    def right(self) -> bool:
        return self.kind == "answer" and self.slug == self.query.slug


def run(queries: Iterable[Query]) -> list[Outcome]:
    """The first reply to each query, on a migrated SQLite with the seeded help center and the
    search model built as `walletdesk kb train` builds it."""
    from walletdesk.app import create_app
    from walletdesk.assistant import service
    from walletdesk.config import Settings
    from walletdesk.db import session_scope
    from walletdesk.helpcenter import model_store
    from walletdesk.helpcenter import service as helpcenter
    from walletdesk.migrations import upgrade

    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        upgrade(settings.db_url)
        model_store.train(settings.model_dir, [])
        app = create_app(settings)
        with session_scope(app.state.sessionmaker) as db:
            helpcenter.load_knowledge_base(db)
        with session_scope(app.state.sessionmaker) as db:
            for q in queries:
                r = service.reply(db, text=q.text, lang=q.lang, memory={}, customer_id=None)
                slug = r.article[0] if r.article else None
                outcomes.append(Outcome(q, r.kind, slug, r.handover_reason))
            db.rollback()  # the chat questions it logged are not kept
        app.state.engine.dispose()
    return outcomes


def ratio(values: list[bool]) -> str:
    return f"{sum(values) / len(values):.3f} ({sum(values)}/{len(values)})" if values else "-"


def report(label: str, outcomes: list[Outcome], *, quiet: bool) -> None:
    for lang in ("zh", "en", "all"):
        mine = [o for o in outcomes if lang in ("all", o.query.lang)]
        scope = [o for o in mine if o.query.slug is not None]
        oos = [o for o in mine if o.query.slug is None]
        print(
            f"ASSISTANT {label} {lang}: in-scope answered right {ratio([o.right for o in scope])}"
            f"; out-of-scope answered {ratio([o.kind == 'answer' for o in oos])}"
            f"; handed over {ratio([o.kind == 'handover' for o in mine])}"
        )
    if quiet:
        return
    for o in outcomes:
        q = o.query
        if o.kind == "handover":
            print(f"  [handover {o.reason}] {q.lang} {q.text!r} (labelled {q.slug})")
        elif q.slug is None and o.kind == "answer":
            print(f"  [oos answered] {q.lang} {q.text!r} -> {o.slug}")
        elif q.slug is not None and not o.right:
            print(f"  [miss {o.kind}] {q.lang} {q.text!r} want {q.slug} got {o.slug}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=("dev", "heldout", "both"), default="heldout")
    parser.add_argument("--quiet", action="store_true", help="do not list the misses")
    args = parser.parse_args()
    dev, heldout = split(load_queries())
    print(f"split (seed {SPLIT_SEED!r}): dev {len(dev)}, held-out {len(heldout)}")
    parts = {"dev": dev, "heldout": heldout}
    chosen = ("dev", "heldout") if args.part == "both" else (args.part,)
    outcomes = run([q for name in chosen for q in parts[name]])
    start = 0
    for name in chosen:
        mine, start = outcomes[start : start + len(parts[name])], start + len(parts[name])
        report(name, mine, quiet=args.quiet)
        unseen = [o for o in mine if training.split_of(o.query.text) == "test"]
        report(f"{name}_search_unseen", unseen, quiet=True)


if __name__ == "__main__":
    main()
