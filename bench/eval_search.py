"""Evaluate help search on the TEST split of every labelled set and print its figures.

The split is fixed in walletdesk/helpcenter/training.py (SPLIT_SEED); the model is built here
exactly as `walletdesk kb train` builds it (train split, calibrated on validation, no labels)
and is then run once on the test split, which nothing else reads. Reported: top-1, top-3 and
out-of-scope answered per language (our paraphrase set + the dev queries), per topic, the
confusions between neighbouring topics, the BANKING77 mapped test split, the project's own
held-out and fresh sets (whole; written by those who tuned the lexicon: memory, not
understanding), and p50/p95 latency in process and over HTTP beside the previous ranking
(lexical only) in the same run.

Usage: bench/eval_search.py [--quiet] [--no-http]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from walletdesk.helpcenter import training  # noqa: E402
from walletdesk.helpcenter.content import read_articles  # noqa: E402
from walletdesk.helpcenter.model import build  # noqa: E402
from walletdesk.helpcenter.search import SearchIndex, SearchResult, docs_from_articles  # noqa: E402
from walletdesk.helpcenter.training import Example  # noqa: E402

PROJECT_SETS = {
    "heldout": ROOT / "tests" / "helpcenter" / "heldout-queries.yaml",
    "fresh": ROOT / "tests" / "helpcenter" / "fresh-queries.yaml",
    # Written from topics.yaml and the articles only, by a writer who never saw any training
    # data or query set; read by this evaluation alone (never by training, never tuned on).
    "independent": ROOT / "tests" / "helpcenter" / "independent-queries.yaml",
}
# The neighbouring topics the issue names; each group's mutual confusions are listed.
NEIGHBOURS = (
    ("deposit-how", "deposit-not-received"),
    ("lock-my-account", "account-locked", "account-frozen", "account-stolen"),
    ("account-security", "account-stolen"),
    ("contact-channels", "verify-official-channel"),
    ("service-hours", "response-times"),
    ("complaint-process", "complaint-escalation"),
    ("wrong-charge", "fees", "transaction-history"),
    ("transaction-alerts", "account-abnormal"),
)
Search = Callable[[str, str], SearchResult]


@dataclass
class Tally:
    top1: dict[str, list[bool]] = field(default_factory=lambda: {"zh": [], "en": []})
    top3: dict[str, list[bool]] = field(default_factory=lambda: {"zh": [], "en": []})
    answered: dict[str, list[bool]] = field(default_factory=lambda: {"zh": [], "en": []})
    oos: dict[str, list[bool]] = field(default_factory=lambda: {"zh": [], "en": []})
    per_topic: dict[str, list[bool]] = field(default_factory=dict)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def evaluate(search: Search, examples: list[Example]) -> Tally:
    tally = Tally()
    for ex in examples:
        start = time.perf_counter()
        result = search(ex.text, ex.lang)
        tally.latencies_ms.append((time.perf_counter() - start) * 1000)
        slugs = [h.slug for h in result.hits]
        top = f"{slugs[0]} {result.hits[0].score:.2f}" if slugs else "-"
        if ex.slug is None:
            tally.oos[ex.lang].append(result.answered)
            if result.answered:
                tally.misses.append(f"[oos answered] {ex.lang} {ex.text!r} -> {top}")
            continue
        hit = slugs[:1] == [ex.slug]
        tally.top1[ex.lang].append(hit)
        tally.top3[ex.lang].append(ex.slug in slugs[:3])
        tally.answered[ex.lang].append(result.answered)
        tally.per_topic.setdefault(ex.slug, []).append(hit)
        if not hit and slugs:
            tally.confusions[(ex.slug, slugs[0])] += 1
        if not hit or not result.answered:
            flag = "" if result.answered else " (not answered)"
            tally.misses.append(f"[miss{flag}] {ex.lang} {ex.text!r} want {ex.slug} got {top}")
    return tally


def ratio(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def bench(name: str, value: float, unit: str, baseline: float | None = None) -> None:
    extra = ""
    if baseline is not None:
        extra = f" baseline={baseline:.3f} ratio={value / baseline if baseline else 0:.3f}"
    print(f"BENCH {name} {value:.3f} {unit}{extra}")


def report(label: str, new: Tally, old: Tally, *, langs: tuple[str, ...] = ("zh", "en")) -> None:
    """The figures of one set, the model's beside the previous (lexical) ranking's."""
    for lang in langs:
        n, n_oos = len(new.top1[lang]), len(new.oos[lang])
        if not n and not n_oos:
            continue
        print(f"{label} {lang}: {n} in scope, {n_oos} out of scope")
        for metric, values, old_values in (
            ("top1", new.top1[lang], old.top1[lang]),
            ("top3", new.top3[lang], old.top3[lang]),
            ("in_scope_answered", new.answered[lang], old.answered[lang]),
            ("oos_answered", new.oos[lang], old.oos[lang]),
        ):
            if values:
                bench(f"search_{label}_{metric}_{lang}", ratio(values), "ratio", ratio(old_values))


def report_topics(tally: Tally) -> None:
    print("per topic (test split, both languages): top-1")
    for slug in sorted(tally.per_topic):
        hits = tally.per_topic[slug]
        print(f"  {slug:<26} {ratio(hits):6.2f}  ({sum(hits)}/{len(hits)})")
    print("neighbouring topics confused (want -> got: count):")
    for group in NEIGHBOURS:
        pairs = [(a, b) for a in group for b in group if a != b and tally.confusions[(a, b)]]
        listed = ", ".join(f"{a} -> {b}: {tally.confusions[(a, b)]}" for a, b in pairs)
        print(f"  {' / '.join(group)}: {listed or 'none'}")


def project_set(path: Path) -> list[Example]:
    queries = yaml.safe_load(path.read_text("utf-8"))["queries"]
    return [Example(str(q["q"]), str(q["lang"]), q["slug"], path.stem) for q in queries]


def http_latency(queries: list[Example], data_dir: Path) -> tuple[list[float], list[float]]:
    """p50/p95 of GET /api/v1/help/search on a real server process (`walletdesk serve`, as in
    production; a server thread beside the client would share its interpreter lock): with the
    model, then without it (WALLETDESK_SEARCH_MODEL=false). The search rate limit is lifted
    (it would answer most of these with 429), and every answer must be a 200."""
    cli = str(Path(sys.executable).with_name("walletdesk"))
    env = {
        **os.environ,
        "WALLETDESK_DATA_DIR": str(data_dir),
        "WALLETDESK_RATE_LIMIT_HELP_SEARCH_PER_MINUTE": "0",
    }
    for step in (["migrate"], ["kb", "load"], ["kb", "train"]):
        subprocess.run([cli, *step], env=env, check=True, capture_output=True)
    timings: list[list[float]] = []
    for with_model in (True, False):
        env["WALLETDESK_SEARCH_MODEL"] = "true" if with_model else "false"
        port = _free_port()
        server = subprocess.Popen(
            [cli, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                _wait_until_up(client, server)
                for ex in queries[:50]:  # warm: jieba, the model's first use
                    _search(client, ex)
                times = []
                for ex in queries:
                    start = time.perf_counter()
                    _search(client, ex)
                    times.append((time.perf_counter() - start) * 1000)
                timings.append(times)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return timings[0], timings[1]


def _search(client: httpx.Client, ex: Example) -> None:
    response = client.get("/api/v1/help/search", params={"q": ex.text, "lang": ex.lang})
    response.raise_for_status()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(client: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"walletdesk serve exited with {server.returncode}")
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("walletdesk serve did not start within 120 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quiet", action="store_true", help="do not list the misses")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP latency")
    args = parser.parse_args()
    docs = docs_from_articles(read_articles())
    index = SearchIndex.build(docs)
    start = time.perf_counter()
    model = build(index, docs)
    build_s = time.perf_counter() - start
    print(
        f"model built in {build_s:.1f} s; blend {model.blend}, scope thresholds {model.thresholds}"
    )
    sizes = training.split_sizes()
    for source in (*training.PARAPHRASE_FILES, "dev", "banking77"):
        for lang in ("zh", "en"):
            parts = {s: sizes.get((source, lang, s), 0) for s, _ in training.SPLITS}
            if any(parts.values()):
                print(f"split {source} {lang}: " + ", ".join(f"{k} {v}" for k, v in parts.items()))
    mapped, unused = training.banking77_mapping()
    b77 = training.banking77_examples()
    print(
        f"BANKING77: {len(mapped)} intents mapped onto {len(set(mapped.values()))} topics "
        f"({sum(e.slug is not None for e in b77)} questions), {len(unused)} intents unused, "
        f"the rest out of scope ({sum(e.slug is None for e in b77)} questions)"
    )

    def new(q: str, lang: str) -> SearchResult:
        return model.search(index, q, lang=lang, limit=5)

    def old(q: str, lang: str) -> SearchResult:
        return index.search(q, lang=lang, limit=5)

    new("warm up", "en")
    test = training.test_examples()
    ours = [ex for ex in test if ex.source != "banking77"]
    banking = [ex for ex in test if ex.source == "banking77"]
    tally_new, tally_old = evaluate(new, ours), evaluate(old, ours)
    if not args.quiet:
        for miss in tally_new.misses:
            print(miss)
    report("test", tally_new, tally_old)
    # The sets that existed before paraphrases-more.yaml, alone: comparable with earlier runs.
    earlier = [ex for ex in ours if ex.source in ("paraphrases", "dev")]
    report("test_earlier_sets", evaluate(new, earlier), evaluate(old, earlier))
    report_topics(tally_new)
    b_new, b_old = evaluate(new, banking), evaluate(old, banking)
    report("banking77_test", b_new, b_old, langs=("en",))
    for name, path in PROJECT_SETS.items():
        examples = project_set(path)
        report(name, evaluate(new, examples), evaluate(old, examples))
    bench("search_model_build", build_s, "s")
    lat_new = tally_new.latencies_ms + b_new.latencies_ms[:300]
    lat_old = tally_old.latencies_ms + b_old.latencies_ms[:300]
    for pct in (50, 95):
        bench(f"search_latency_p{pct}", percentile(lat_new, pct), "ms", percentile(lat_old, pct))
    if not args.no_http:
        sample = [*ours, *banking[:100]]
        with tempfile.TemporaryDirectory() as tmp:
            http_new, http_old = http_latency(sample, Path(tmp))
        for pct in (50, 95):
            bench(
                f"search_http_latency_p{pct}",
                percentile(http_new, pct),
                "ms",
                percentile(http_old, pct),
            )


if __name__ == "__main__":
    main()
