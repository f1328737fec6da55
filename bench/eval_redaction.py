"""Evaluate the scam shield on its corpus and print its figures.

Usage: bench/eval_redaction.py [--split dev|test|all] [--misses]
Default: the test split (held out; tune on dev). A secret counts as found when every one of
its characters is hidden; a benign message counts as touched when anything in it is hidden.
BANKING77 queries (train and test) and the help-center search questions (zh and en) are
benign messages too, reported on their own.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).parent))

import yaml  # noqa: E402
from redaction_corpus import Sample, generate, split  # noqa: E402

from walletdesk.safety.redaction import redact  # noqa: E402

BANKING77 = ROOT.parent / "shared" / "data" / "banking77"
# Customer questions in zh and en written for help-center search: none holds a secret.
HELP_QUERIES = (
    ROOT.parent / "shared" / "kb" / "dev-queries.yaml",
    ROOT / "tests" / "helpcenter" / "heldout-queries.yaml",
    ROOT / "tests" / "helpcenter" / "fresh-queries.yaml",
)


@dataclass
class Score:
    secrets: int = 0
    found: int = 0
    benign: int = 0
    touched: int = 0
    banking77: int = 0
    banking77_touched: int = 0
    help_queries: int = 0
    help_queries_touched: int = 0
    missed_by_kind: Counter[str] = field(default_factory=Counter)
    secrets_by_kind: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.secrets if self.secrets else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.touched / self.benign if self.benign else 0.0


def banking77_queries() -> list[str]:
    queries = []
    for name in ("train.csv", "test.csv"):
        path = BANKING77 / name
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                queries += [row["text"] for row in csv.DictReader(fh)]
    return queries


def help_queries() -> list[str]:
    queries = []
    for path in HELP_QUERIES:
        if path.exists():
            queries += [str(q["q"]) for q in yaml.safe_load(path.read_text("utf-8"))["queries"]]
    return queries


def _hidden(sample: Sample) -> set[int]:
    covered: set[int] = set()
    for finding in redact(sample.text).findings:
        covered.update(range(finding.start, finding.end))
    return covered


def _must_hide(text: str, start: int, end: int, kind: str) -> set[int]:
    """The characters of a secret that give it away: all but spaces, and for a recovery
    phrase only its words (not the numbering or commas between them)."""
    if kind == "recovery_phrase":
        return {i for i in range(start, end) if text[i].isalpha()}
    return {i for i in range(start, end) if not text[i].isspace()}


def evaluate(samples: list[Sample], *, with_banking77: bool = True) -> Score:
    score = Score()
    for sample in samples:
        covered = _hidden(sample)
        if not sample.secrets:
            score.benign += 1
            if covered:
                score.touched += 1
                score.misses.append(f"[touched] {sample.id}: {sample.text!r}")
            continue
        for start, end, kind in sample.secrets:
            score.secrets += 1
            score.secrets_by_kind[kind] += 1
            if _must_hide(sample.text, start, end, kind) <= covered:
                score.found += 1
            else:
                score.missed_by_kind[kind] += 1
                score.misses.append(f"[missed {kind}] {sample.id}: {sample.text!r}")
    if with_banking77:
        for query in banking77_queries():
            score.banking77 += 1
            if redact(query).findings:
                score.banking77_touched += 1
                score.misses.append(f"[touched banking77] {query!r}")
        for query in help_queries():
            score.help_queries += 1
            if redact(query).findings:
                score.help_queries_touched += 1
                score.misses.append(f"[touched help query] {query!r}")
    return score


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    samples = generate()
    chosen = samples if args.split == "all" else split(samples)[args.split]
    started = time.perf_counter()
    score = evaluate(chosen)
    elapsed = time.perf_counter() - started
    count = len(chosen) + score.banking77 + score.help_queries
    print(f"# split={args.split} secrets={score.secrets} benign={score.benign}")
    print(f"BENCH redaction_recall {score.recall:.4f} ratio")
    print(f"BENCH redaction_false_positive_rate {score.false_positive_rate:.4f} ratio")
    rate = score.banking77_touched / score.banking77 if score.banking77 else 0.0
    print(f"BENCH redaction_banking77_touched {rate:.4f} ratio")
    rate = score.help_queries_touched / score.help_queries if score.help_queries else 0.0
    print(f"BENCH redaction_help_queries_touched {rate:.4f} ratio")
    print(f"BENCH redaction_ms_per_message {elapsed * 1000 / count:.3f} ms")
    for kind, total in sorted(score.secrets_by_kind.items()):
        found = total - score.missed_by_kind[kind]
        print(f"# {kind}: {found}/{total}")
    if args.misses:
        print("\n".join(score.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
