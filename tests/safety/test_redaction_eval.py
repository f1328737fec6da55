"""The scam shield's figures on the held-out half of its evaluation corpus (bench/)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from eval_redaction import evaluate  # noqa: E402
from redaction_corpus import generate, split  # noqa: E402


def test_held_out_recall_and_false_positives():
    corpus = split(generate())
    test = corpus["test"]
    assert len(test) > 1000
    assert {s.lang for s in test} == {"zh", "en"}
    score = evaluate(test)
    assert score.secrets > 500 and score.benign > 500
    assert score.recall >= 0.99, score.misses[:20]
    assert score.false_positive_rate <= 0.01, score.misses[:20]
    assert score.banking77 > 13_000
    assert score.banking77_touched == 0, score.misses[:20]
    assert score.help_queries > 300
    assert score.help_queries_touched == 0, score.misses[:20]


def test_the_split_is_fixed_and_disjoint():
    first, second = split(generate()), split(generate())
    assert [s.id for s in first["test"]] == [s.id for s in second["test"]]
    assert not {s.id for s in first["dev"]} & {s.id for s in first["test"]}
