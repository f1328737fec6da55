"""Text normalisation and segmentation for help-center search (zh and en).

Owns turning raw text into comparable terms: width, script, variants, typos, stems, concepts.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jieba
import yaml
from opencc import OpenCC
from pypinyin import lazy_pinyin
from rapidfuzz import process
from rapidfuzz.distance import OSA

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")
CONCEPT_PREFIX = "~"
# Longer input is cut: customers' real questions are far shorter, and Traditional→Simplified
# conversion and segmentation cost grows with length (the p95 latency target is 20 ms).
MAX_QUERY_CHARS = 300

_CJK_OR_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[-'][a-z0-9]+)*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# An amount is money, whatever the figure: "send $50 to" is "send money to", "转了200块" is
# "转了钱". Only in queries: articles' figures (limits, fees) stay as they are.
_AMOUNT_EN = re.compile(r"[$¥€£]\s?\d[\d,.]*k?\b")
_AMOUNT_ZH = re.compile(r"\d[\d,.]*\s?(?:块钱|块|元|美元|美金|刀)")
_CONTRACTIONS = (
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bcan't\b"), "cannot"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'(s|re|ll|ve|m|d)\b"), ""),
)


@dataclass(frozen=True)
class Lexicon:
    """The domain lexicon (see lexicon.yaml), keyed for fast matching."""

    zh_variants: dict[str, str]
    en_variants: dict[str, tuple[str, ...]]
    zh_terms: dict[str, frozenset[str]]  # word -> concepts (and "!offtopic"/"!brand" marks)
    en_terms: dict[tuple[str, ...], frozenset[str]]  # stemmed phrase -> concepts and marks
    # The same phrases word for word: matched first, so that "locked" (a state) and "lock"
    # (an action) can mean different things although they share a stem.
    en_exact: dict[tuple[str, ...], frozenset[str]]
    zh_max_len: int
    en_max_len: int
    zh_stopwords: frozenset[str]
    en_stopwords: frozenset[str]
    objects: frozenset[str]  # "~concept" names of the object concepts
    aspects: frozenset[str]  # "~concept" names of the aspect concepts (how long, how to)


@dataclass
class Analysis:
    """What search needs to know about one text."""

    terms: list[str] = field(default_factory=list)  # surface terms for BM25, stopwords removed
    concepts: list[str] = field(default_factory=list)  # "~concept" terms, repeated per mention
    marks: set[str] = field(default_factory=set)  # "!offtopic", "!brand"
    corrected: set[str] = field(default_factory=set)  # terms that came from a typo correction
    in_concepts: set[str] = field(default_factory=set)  # terms whose meaning a concept carries
    zh_words: list[str] = field(default_factory=list)  # segmented words, for the corrector
    en_words: list[str] = field(default_factory=list)  # unstemmed words, for the corrector


@cache
def _converter() -> OpenCC:
    return OpenCC("t2s")


@cache
def _tokenizer() -> jieba.Tokenizer:
    # A private tokenizer: the lexicon's words must not leak into the process-wide jieba
    # dictionary that other code may rely on.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    lexicon = load_lexicon()
    for word in (*lexicon.zh_terms, *lexicon.zh_variants.values()):
        if len(word) > 1 and _CJK.search(word):
            tokenizer.add_word(word, freq=max(tokenizer.FREQ.get(word, 0), 20000))
    return tokenizer


def warm_up() -> None:
    """Load the dictionaries once (jieba takes about a second the first time)."""
    _tokenizer()
    _converter()


def stem(word: str) -> str:
    """A light English stemmer: plural, -ed, -ing and a final e, enough to match word forms."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # stopped -> stop, but not called -> cal
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def clean(text: str) -> str:
    """Lowercase Simplified half-width text with the lexicon's spelling variants applied."""
    text = _basic_clean(text)
    if _CJK.search(text):
        if _maybe_traditional(text):
            text = _converter().convert(text)
        for wrong, right in _sorted_zh_variants():
            if wrong in text:
                text = text.replace(wrong, right)
    return text


def _maybe_traditional(text: str) -> bool:
    # GB2312 holds the common Simplified characters and hardly any Traditional-only ones, so
    # text it can encode needs no conversion; this skips the slow converter for most text.
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def _basic_clean(text: str) -> str:
    # Control characters become spaces; NFKC folds full-width letters, digits and punctuation.
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


@cache
def _sorted_zh_variants() -> tuple[tuple[str, str], ...]:
    # Longest first, so that a long variant is not broken by a shorter one inside it.
    variants = load_lexicon().zh_variants
    return tuple(sorted(variants.items(), key=lambda kv: -len(kv[0])))


def segment(text: str) -> list[str]:
    """Words of a Chinese text (jieba with the lexicon's words added)."""
    return [w for w in _tokenizer().cut(text, HMM=False) if w.strip()]


def feature_words(text: str) -> list[str]:
    """The words a trained model counts: `segment`'s, without the punctuation marks."""
    return [w for w in segment(text) if w.strip() not in "，。？！,.?!"]


def lexicon_english_words() -> set[str]:
    """The single English words of the lexicon, so that typos can be corrected towards them."""
    data = _read_lexicon_file()
    words: set[str] = set()
    for terms in (*data["concepts"].values(), data["offtopic"], data["brands"]):
        for phrase in terms.get("en", []):
            words.update(re.findall(r"[a-z]+", _basic_clean(str(phrase))))
    return words


@lru_cache(maxsize=8192)
def pinyin_key(word: str) -> str:
    return " ".join(lazy_pinyin(word))


def _is_cjk(word: str) -> bool:
    return all(_CJK.match(ch) for ch in word)


class Corrector:
    """Corrects query typos against the vocabulary of the indexed articles.

    English words by edit distance (rapidfuzz); Chinese words by same-pinyin homophones, the
    usual result of picking the wrong candidate in a pinyin input method.
    """

    def __init__(self, zh_words: Iterable[str], en_words: Counter[str]) -> None:
        self.zh_known = frozenset(zh_words)
        self.en_known = en_words
        self._en_list = list(en_words)
        self._cache: dict[str, str] = {}
        words = sorted((w for w in self.zh_known if 2 <= len(w) <= 4 and _is_cjk(w)), key=len)
        syllables = iter(lazy_pinyin(words))  # one call: far faster than one per word
        homophones: dict[str, str] = {}
        for word in words:
            homophones.setdefault(" ".join(next(syllables) for _ in word), word)
        self.homophones = homophones

    def english(self, word: str) -> str:
        if word in self.en_known or len(word) < 4 or not word.isalpha():
            return word
        if word not in self._cache:
            self._cache[word] = self._closest(word)
        return self._cache[word]

    def _closest(self, word: str) -> str:
        max_edits = 1 if len(word) < 7 else 2
        found = process.extract(
            word, self._en_list, scorer=OSA.distance, score_cutoff=max_edits, limit=8
        )
        # Same first letter: typos at the start of a word are rare and guessing there makes
        # unrelated words look familiar, which would answer out-of-scope questions.
        candidates = [(dist, -self.en_known[w], w) for w, dist, _ in found if w[0] == word[0]]
        return min(candidates)[2] if candidates else word

    def chinese(self, run: str) -> str:
        """Replace unknown words of a CJK run by known words that sound the same."""
        words = list(_tokenizer().cut(run, HMM=False))
        out: list[str] = []
        i = 0
        while i < len(words):
            replaced = self._homophone_at(words, i)
            if replaced:
                out.append(replaced[0])
                i += replaced[1]
            else:
                out.append(words[i])
                i += 1
        return "".join(out)

    def _homophone_at(self, words: list[str], i: int) -> tuple[str, int] | None:
        for n in (3, 2, 1):
            window = words[i : i + n]
            text = "".join(window)
            if len(window) < n or not 2 <= len(text) <= 4 or text in self.zh_known:
                continue
            if all(w in self.zh_known and len(w) > 1 for w in window):
                continue  # known words in a row are what the customer meant
            known = self.homophones.get(pinyin_key(text))
            if known:
                return known, n
        return None


def analyze(text: str, corrector: Corrector | None = None) -> Analysis:
    """Terms and concepts of a text; with a corrector (queries), typos are fixed first."""
    result = Analysis()
    en_words: list[str] = []
    text = clean(text)
    if corrector is not None:
        text = _AMOUNT_ZH.sub("钱", _AMOUNT_EN.sub(" money ", text))
    for run in _CJK_OR_WORD.findall(text):
        if _CJK.match(run):
            _analyze_cjk(run, corrector, result)
        else:
            en_words.extend(_english_words(run, corrector, result))
    _analyze_english(en_words, result)
    return result


def _analyze_cjk(run: str, corrector: Corrector | None, result: Analysis) -> None:
    if corrector is not None:
        fixed = corrector.chinese(run)
        if fixed != run:
            before = set(_tokenizer().cut_for_search(run, HMM=False))
            result.corrected.update(set(_tokenizer().cut_for_search(fixed, HMM=False)) - before)
            run = fixed
    words = [w for w in _tokenizer().cut_for_search(run, HMM=False) if w.strip()]
    result.terms.extend(w for w in words if w not in load_lexicon().zh_stopwords)
    result.zh_words.extend(w for w in words if len(w) > 1)
    matched = _match_zh_terms(run, result)
    result.in_concepts.update(w for w in words if any(w in m for m in matched))


def _match_zh_terms(run: str, result: Analysis) -> list[str]:
    # Longest match first at each position, so 支付宝 is a brand and not 支付 (pay).
    lexicon = load_lexicon()
    matched: list[str] = []
    i = 0
    while i < len(run):
        for n in range(min(lexicon.zh_max_len, len(run) - i), 1, -1):
            labels = lexicon.zh_terms.get(run[i : i + n])
            if labels:
                if _add_labels(labels, result):
                    matched.append(run[i : i + n])
                i += n
                break
        else:
            i += 1
    return matched


def _english_words(run: str, corrector: Corrector | None, result: Analysis) -> list[str]:
    words: list[str] = []
    for raw in run.split("'"):
        word = raw.replace("-", "")
        if not word:
            continue
        for variant in load_lexicon().en_variants.get(word, (word,)):
            fixed = corrector.english(variant) if corrector is not None else variant
            if fixed != variant:
                result.corrected.add(stem(fixed))
            words.append(fixed)
    return words


def _analyze_english(words: list[str], result: Analysis) -> None:
    result.en_words.extend(w for w in words if w.isalpha())
    stems = [stem(w) for w in words]
    lexicon = load_lexicon()
    result.terms.extend(
        s for w, s in zip(words, stems, strict=True) if w not in lexicon.en_stopwords
    )
    i = 0
    while i < len(stems):
        for n in range(min(lexicon.en_max_len, len(stems) - i), 0, -1):
            labels = lexicon.en_exact.get(tuple(words[i : i + n])) or lexicon.en_terms.get(
                tuple(stems[i : i + n])
            )
            if labels:
                if _add_labels(labels, result):
                    result.in_concepts.update(stems[i : i + n])
                i += n
                break
        else:
            i += 1


def _add_labels(labels: frozenset[str], result: Analysis) -> bool:
    """Record a lexicon match; True when it carries a concept (not only a mark)."""
    for label in labels:
        if label.startswith("!"):
            result.marks.add(label)
        else:
            result.concepts.append(CONCEPT_PREFIX + label)
    return any(not label.startswith("!") for label in labels)


def english_words(phrase: str) -> tuple[str, ...]:
    """A lexicon phrase as the word sequence that analyze() sees (variants applied).

    Reads the variants from the file, not load_lexicon(): it is called while that is built.
    """
    words: list[str] = []
    variants = _read_lexicon_file()["variants"]["en"]
    for run in _CJK_OR_WORD.findall(_basic_clean(phrase)):
        for raw in run.split("'"):
            word = raw.replace("-", "")
            words.extend(str(variants.get(word, word)).split())
    return tuple(words)


@cache
def _read_lexicon_file() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(LEXICON_PATH.read_text("utf-8"))
    return data


@cache
def load_lexicon() -> Lexicon:
    data = _read_lexicon_file()
    zh_terms: dict[str, set[str]] = {}
    en_terms: dict[tuple[str, ...], set[str]] = {}
    en_exact: dict[tuple[str, ...], set[str]] = {}

    def add(label: str, zh: Iterable[str], en: Iterable[str]) -> None:
        for word in zh:
            if not _CJK.search(str(word)):
                en = [*en, word]  # a Latin word in a zh list (usdt, app) is matched as English
                continue
            zh_terms.setdefault(_clean_zh_term(str(word), data), set()).add(label)
        for phrase in en:
            words = english_words(str(phrase))
            if words:
                en_exact.setdefault(words, set()).add(label)
                en_terms.setdefault(tuple(map(stem, words)), set()).add(label)

    for name, terms in data["concepts"].items():
        add(name, terms.get("zh", []), terms.get("en", []))
    add("!offtopic", data["offtopic"]["zh"], data["offtopic"]["en"])
    add("!brand", data["brands"]["zh"], data["brands"]["en"])
    return Lexicon(
        zh_variants={str(k): str(v) for k, v in data["variants"]["zh"].items()},
        en_variants={str(k): tuple(str(v).split()) for k, v in data["variants"]["en"].items()},
        zh_terms={k: frozenset(v) for k, v in zh_terms.items()},
        en_terms={k: frozenset(v) for k, v in en_terms.items()},
        en_exact={k: frozenset(v) for k, v in en_exact.items()},
        zh_max_len=max(map(len, zh_terms)),
        en_max_len=max(map(len, en_terms)),
        zh_stopwords=frozenset(map(str, data["stopwords"]["zh"])),
        en_stopwords=frozenset(map(str, data["stopwords"]["en"])),
        objects=frozenset(CONCEPT_PREFIX + str(name) for name in data["objects"]),
        aspects=frozenset(CONCEPT_PREFIX + str(name) for name in data["aspects"]),
    )


def _clean_zh_term(word: str, data: dict[str, Any]) -> str:
    # Lexicon words go through the same variants as text, so 帐户 in the lexicon still matches.
    word = unicodedata.normalize("NFKC", word).lower()
    for wrong, right in sorted(data["variants"]["zh"].items(), key=lambda kv: -len(str(kv[0]))):
        word = word.replace(str(wrong), str(right))
    return word


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))
