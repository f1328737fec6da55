"""Whether a customer's message goes to a person at once, and why: the rules of rules.yaml and
a classifier trained on handover-training.yaml, which hears the requests, scams, stolen
accounts and distress that the rules' words miss (a story with no keyword, slang, pinyin).

The rules' patterns decide first (words of a person in crisis). Otherwise the classifier's most
likely reason is taken when it stands at least THRESHOLD above "none". THRESHOLD and C were
chosen on the dev part of bench/handover-queries.yaml (a set written independently of the
training messages); keyword rules for the other reasons were dropped there: beside the
classifier they only added false alarms ("不用转人工了，问题解决了").

The classifier (character and word n-grams, a linear SVM) is trained on first use in under a
second; the app warms it at start-up.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from walletdesk.assistant import rules
from walletdesk.helpcenter import textnorm

TRAINING_PATH = Path(__file__).with_name("handover-training.yaml")
NONE = "none"
REASONS = ("distress", "account_stolen", "fraud", "customer_request")
# How far above "none" the best reason must stand for the classifier to hand over.
THRESHOLD = 0.2
MAX_CHARS = 2000
_lock = threading.Lock()


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    label: str


def load_examples(path: Path = TRAINING_PATH) -> list[Example]:
    data = yaml.safe_load(path.read_text("utf-8"))
    examples = [Example(str(m["text"]), str(m["lang"]), str(m["label"])) for m in data["messages"]]
    unknown = {e.label for e in examples} - {NONE, *REASONS}
    if unknown:
        raise ValueError(f"{path.name}: unknown labels {sorted(unknown)}")
    return examples


def _clean(text: str) -> str:
    return textnorm.clean(str(text)[:MAX_CHARS])


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    tokenizer=textnorm.feature_words,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                ),
            ),
        ]
    )


@dataclass
class HandoverModel:
    features: FeatureUnion
    classifier: LinearSVC
    classes: list[str]

    def margins(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, each reason's decision value minus that of "none" (in REASONS order)."""
        values = self.classifier.decision_function(
            self.features.transform([_clean(t) for t in texts])
        )
        values = np.asarray(values, dtype=float)
        none = values[:, self.classes.index(NONE)]
        return np.stack([values[:, self.classes.index(r)] - none for r in REASONS], axis=1)

    def reason(self, text: str, threshold: float = THRESHOLD) -> str | None:
        row = self.margins([text])[0]
        best = int(np.argmax(row))
        return REASONS[best] if row[best] >= threshold else None


def fit(examples: Sequence[Example]) -> HandoverModel:
    features = _features()
    matrix = features.fit_transform([_clean(e.text) for e in examples])
    classifier = LinearSVC(C=0.5, class_weight="balanced")
    classifier.fit(matrix, [e.label for e in examples])
    return HandoverModel(features, classifier, [str(c) for c in classifier.classes_])


@cache
def _model() -> HandoverModel:
    return fit(load_examples())


def model() -> HandoverModel:
    """The classifier, trained once per process (threads wait for the first to finish)."""
    with _lock:
        return _model()


def warm() -> None:
    model()


def reason_for(text: str) -> str | None:
    """The handover reason for a customer's message, or None when the assistant answers it."""
    always = rules.always_reason(rules.normalised(text))
    if always is not None:
        return always
    return model().reason(text)
