"""Tune the help-search model on the VALIDATION split only (never the test split).

Each setting is fitted on the train split and calibrated on one half of the validation split
(the half fixed by the text's hash); the other half measures top-1, in-scope answered and
out-of-scope answered, so the out-of-scope figure is not the one the threshold was chosen on.

Usage: bench/tune_search.py
"""

from __future__ import annotations

import hashlib
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from walletdesk.helpcenter import model, training  # noqa: E402
from walletdesk.helpcenter.content import read_articles  # noqa: E402
from walletdesk.helpcenter.search import SearchIndex, docs_from_articles  # noqa: E402


def half(text: str) -> int:
    return hashlib.sha256(("tune" + text).encode()).digest()[0] % 2


def main() -> None:
    docs = docs_from_articles(read_articles())
    index = SearchIndex.build(docs)
    train = [*training.build_examples(split="train"), *model.article_examples(docs)]
    validation = training.build_examples(split="validation")
    calib = [e for e in validation if half(e.text) == 0]
    calib = [e for e in calib if e.source != "banking77"] + [
        e for e in calib if e.source == "banking77"
    ][::3]
    measure = [e for e in validation if half(e.text) == 1]
    grid = itertools.product((0.3, 1.0), (0.1, 0.3, 1.0), (0.2, 1.0))
    for c, scope_c, b77 in grid:
        model.SCOPE_WEIGHTS["banking77"] = b77
        features, classifier, scope = model.fit(train, c=c, scope_c=scope_c)
        classes = [str(k) for k in classifier.classes_]
        built = model.QuestionModel(features, classifier, classes, scope)
        model.calibrate(built, index, calib)
        row = []
        for name, keep in (
            ("zh", lambda e: e.lang == "zh"),
            ("en", lambda e: e.lang == "en" and e.source != "banking77"),
            ("b77", lambda e: e.source == "banking77"),
        ):
            group = [e for e in measure if keep(e)]
            results = [(e, built.search(index, e.text, lang=e.lang)) for e in group]
            scope = [(e, r) for e, r in results if e.slug]
            oos = [r for e, r in results if not e.slug]
            top1 = sum(bool(r.hits) and r.hits[0].slug == e.slug for e, r in scope) / len(scope)
            answered = sum(r.answered for _, r in scope) / len(scope)
            oos_rate = sum(r.answered for r in oos) / max(1, len(oos))
            row.append(f"{name} top1 {top1:.3f} ans {answered:.3f} oos {oos_rate:.3f}")
        head = f"C={c} scope_C={scope_c} scope_b77={b77} blend={built.blend}"
        print(f"{head} | " + " | ".join(row))


if __name__ == "__main__":
    main()
