"""Evaluate help-center search on a labelled query set and print its figures.

Usage: bench/eval_search.py [QUERIES.yaml] [--heldout | --fresh] [--quiet]
Default set: ../shared/kb/dev-queries.yaml; --heldout: tests/helpcenter/heldout-queries.yaml;
--fresh: tests/helpcenter/fresh-queries.yaml.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from walletdesk.helpcenter.content import read_articles  # noqa: E402
from walletdesk.helpcenter.search import SearchIndex, docs_from_articles  # noqa: E402

DEV_SET = ROOT.parent / "shared" / "kb" / "dev-queries.yaml"
HELDOUT_SET = ROOT / "tests" / "helpcenter" / "heldout-queries.yaml"
FRESH_SET = ROOT / "tests" / "helpcenter" / "fresh-queries.yaml"


@dataclass
class Tally:
    top1: dict[str, list[bool]] = field(default_factory=lambda: {"zh": [], "en": []})
    top3: dict[str, list[bool]] = field(default_factory=lambda: {"zh": [], "en": []})
    answered_in_scope: list[bool] = field(default_factory=list)
    oos_answered: list[bool] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def load_queries(path: Path) -> list[dict[str, str | None]]:
    return list(yaml.safe_load(path.read_text("utf-8"))["queries"])


def evaluate(index: SearchIndex, queries: list[dict[str, str | None]]) -> Tally:
    tally = Tally()
    for item in queries:
        q, lang, want = str(item["q"]), str(item["lang"]), item["slug"]
        start = time.perf_counter()
        result = index.search(q, lang=lang, limit=5)
        tally.latencies_ms.append((time.perf_counter() - start) * 1000)
        slugs = [h.slug for h in result.hits]
        top = f"{slugs[0]} {result.hits[0].score:.2f}" if slugs else "-"
        if want is None:
            tally.oos_answered.append(result.answered)
            if result.answered:
                tally.misses.append(f"[oos answered] {lang} {q!r} -> {top}")
            continue
        tally.top1[lang].append(slugs[:1] == [want])
        tally.top3[lang].append(want in slugs[:3])
        tally.answered_in_scope.append(result.answered)
        if slugs[:1] != [want] or not result.answered:
            flag = "" if result.answered else " (not answered)"
            tally.misses.append(f"[miss{flag}] {lang} {q!r} want {want} got {top}")
    return tally


def ratio(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def report(tally: Tally, label: str, build_ms: float) -> None:
    bench = "search" if label == "dev" else f"search_{label}"
    figures: list[tuple[str, float, str]] = [("search_build_warm_cpu", build_ms, "ms")]
    for lang in ("zh", "en"):
        figures.append((f"{bench}_top1_{lang}", ratio(tally.top1[lang]), "ratio"))
        figures.append((f"{bench}_top3_{lang}", ratio(tally.top3[lang]), "ratio"))
    figures.append((f"{bench}_in_scope_answered", ratio(tally.answered_in_scope), "ratio"))
    figures.append((f"{bench}_oos_answered", ratio(tally.oos_answered), "ratio"))
    figures.append((f"{bench}_latency_p50", statistics.median(tally.latencies_ms), "ms"))
    figures.append((f"{bench}_latency_p95", percentile(tally.latencies_ms, 95), "ms"))
    n_zh, n_en = len(tally.top1["zh"]), len(tally.top1["en"])
    print(f"{label}: {n_zh} zh + {n_en} en in-scope, {len(tally.oos_answered)} out-of-scope")
    for name, value, unit in figures:
        print(f"  {name:<34} {value:8.3f} {unit}")
    for name, value, unit in figures:
        print(f"BENCH {name} {value:.3f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("queries", nargs="?", type=Path, default=None)
    named = parser.add_mutually_exclusive_group()
    named.add_argument("--heldout", action="store_true", help="run the held-out set")
    named.add_argument("--fresh", action="store_true", help="run the fresh set")
    parser.add_argument("--quiet", action="store_true", help="do not list the misses")
    args = parser.parse_args()
    label = "heldout" if args.heldout else "fresh" if args.fresh else "dev"
    named_set = {"dev": DEV_SET, "heldout": HELDOUT_SET, "fresh": FRESH_SET}[label]
    path = args.queries or named_set
    if args.queries is not None:
        label = "dev"  # a set of one's own is reported under the default names
    docs = docs_from_articles(read_articles())
    start = time.perf_counter()
    SearchIndex.build(docs)
    print(f"first build {(time.perf_counter() - start) * 1000:.0f} ms (loads jieba's dictionary)")
    # CPU time: the build is single-threaded, and a busy machine should not blur the figure.
    start = time.process_time()
    index = SearchIndex.build(docs)
    build_ms = (time.process_time() - start) * 1000
    index.search("warm up", lang="en")
    tally = evaluate(index, load_queries(path))
    if not args.quiet:
        for miss in tally.misses:
            print(miss)
    report(tally, label, build_ms)


if __name__ == "__main__":
    main()
