"""Evaluate when the chat assistant hands a conversation to a person at once, on messages
written independently of its rules (bench/handover-queries.yaml: its writer never read
assistant/rules.yaml or its tests), and print the figures.

The set is split once, by a fixed seed and per language and label, into dev (40%: the only
part the decision may be tuned on; its mistakes are listed) and test (60%: reported, its
mistakes never listed). What is measured is the decision on a conversation's first message,
assistant.handover.reason_for (assistant.service.reply asks it before anything else; the other
way to a person, two unanswered turns in a row, needs a second message). The classifier is
trained on assistant/handover-training.yaml, written by someone who never saw this set.

Figures per language: the label right (the reason, or no handover); handovers that should
have happened (any reason); handovers that should not have (false alarms, on "none"); and
each reason's recall.

Usage: bench/eval_handover.py [--part dev|test|both]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from walletdesk.assistant import handover  # noqa: E402

QUERIES = Path(__file__).with_name("handover-queries.yaml")
SPLIT_SEED = "handover-split"
DEV_SHARE = 0.4


@dataclass(frozen=True)
class Query:
    text: str
    lang: str
    expect: str  # a reason, or "none"


def load_queries() -> list[Query]:
    data = yaml.safe_load(QUERIES.read_text("utf-8"))
    return [Query(str(q["text"]), str(q["lang"]), str(q["expect"])) for q in data["queries"]]


def split(queries: list[Query]) -> tuple[list[Query], list[Query]]:
    """(dev, test): each (language, label) group shuffled by the fixed seed, its first 40%
    dev. Never change the seed or the share: the test figures are only honest while no rule
    was tuned on them."""
    groups: dict[tuple[str, str], list[Query]] = defaultdict(list)
    for q in queries:
        groups[(q.lang, q.expect)].append(q)
    dev: list[Query] = []
    test: list[Query] = []
    for key in sorted(groups):
        members = groups[key]
        random.Random(f"{SPLIT_SEED}:{key[0]}:{key[1]}").shuffle(members)
        cut = round(len(members) * DEV_SHARE)
        dev += members[:cut]
        test += members[cut:]
    return dev, test


def decide(q: Query) -> str:
    return handover.reason_for(q.text) or "none"


def ratio(hits: int, total: int) -> str:
    return f"{hits / total:.3f} ({hits}/{total})" if total else "-"


def report(label: str, queries: list[Query], *, list_mistakes: bool) -> None:
    decided = [(q, decide(q)) for q in queries]
    for lang in ("zh", "en", "all"):
        mine = [(q, got) for q, got in decided if lang in ("all", q.lang)]
        should = [(q, got) for q, got in mine if q.expect != "none"]
        should_not = [(q, got) for q, got in mine if q.expect == "none"]
        right = sum(got == q.expect for q, got in mine)
        caught = sum(got != "none" for _, got in should)
        alarms = sum(got != "none" for _, got in should_not)
        print(
            f"HANDOVER {label} {lang}: label right {ratio(right, len(mine))}"
            f"; handed over when it should {ratio(caught, len(should))}"
            f"; false alarms {ratio(alarms, len(should_not))}"
        )
        recalls = []
        for reason in handover.REASONS:
            group = [(q, got) for q, got in mine if q.expect == reason]
            recalls.append(f"{reason} {ratio(sum(got == reason for _, got in group), len(group))}")
        print(f"  recall: {'; '.join(recalls)}")
        if label == "test":
            for name, hits, total in (
                ("right", right, len(mine)),
                ("caught", caught, len(should)),
                ("false_alarms", alarms, len(should_not)),
            ):
                print(f"BENCH handover_{name}_test_{lang} {hits / max(total, 1):.3f} ratio")
    if not list_mistakes:
        return
    for q, got in decided:
        if got != q.expect:
            print(f"  [{q.expect} -> {got}] {q.lang} {q.text!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=("dev", "test", "both"), default="test")
    args = parser.parse_args()
    dev, test = split(load_queries())
    print(f"split (seed {SPLIT_SEED!r}): dev {len(dev)}, test {len(test)}")
    if args.part in ("dev", "both"):
        report("dev", dev, list_mistakes=True)
    if args.part in ("test", "both"):
        report("test", test, list_mistakes=False)  # never listed: not to be tuned on


if __name__ == "__main__":
    main()
