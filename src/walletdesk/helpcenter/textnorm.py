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
from functools import cache
from pathlib import Path

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
_CONTRACTIONS = (
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bcan't\b"), "cannot"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'(s|re|ll|ve|m|d)\b"), ""),
)

EN_STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for from with about into onto as is are was were
    be been being am do does did done doing have has had having i me my mine we us our you your
    yours he she it its they them their this that these those there here what which who whom
    whose how why when where will would shall should can could may might must cannot not no
    never so too very just still yet also already again please thanks thank hi hello hey ok okay
    get got any some all more only up out than then now really one s t also walletdesk""".split()
)
ZH_STOPWORDS = frozenset(
    """的 了 吗 呢 吧 啊 呀 哦 嘛 么 我 你 您 他 她 它 我们 你们 他们 是 在 有 和 与 及 或 也 都 就 还
    又 才 把 被 给 让 对 从 向 到 为 为什么 什么 怎么 怎么办 怎样 怎么样 如何 哪里 哪儿 哪 哪个 哪些
    请问 请 一下 一直 已经 可以 能 能不能 会 要 想 需要 这 那 这个 那个 这样 一个 个 之 后 前 时 中
    上 下 里 得 地 着 过 呗 啦 嗯 没 没有 不 是不是 有没有 吗 该 怎 么样 多 好 很 非常 自己的 walletdesk
    钱包""".split()
)


@dataclass(frozen=True)
class Lexicon:
    """The domain lexicon (see lexicon.yaml), keyed for fast matching."""

    zh_variants: dict[str, str]
    en_variants: dict[str, tuple[str, ...]]
    zh_terms: dict[str, frozenset[str]]  # word -> concepts (and "!offtopic"/"!brand" marks)
    en_terms: dict[tuple[str, ...], frozenset[str]]  # stemmed phrase -> concepts and marks
    zh_max_len: int
    en_max_len: int


@dataclass
class Analysis:
    """What search needs to know about one text."""

    terms: list[str] = field(default_factory=list)  # surface terms for BM25, stopwords removed
    concepts: list[str] = field(default_factory=list)  # "~concept" terms, repeated per mention
    marks: set[str] = field(default_factory=set)  # "!offtopic", "!brand"
    corrected: set[str] = field(default_factory=set)  # terms that came from a typo correction
    cjk_chars: int = 0
    latin_words: int = 0


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
        text = _converter().convert(text)
        for wrong, right in _sorted_zh_variants():
            if wrong in text:
                text = text.replace(wrong, right)
    return text


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


def pinyin_key(word: str) -> str:
    return " ".join(lazy_pinyin(word))


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
        homophones: dict[str, str] = {}
        for word in sorted(self.zh_known, key=len):
            if 2 <= len(word) <= 4:
                homophones.setdefault(pinyin_key(word), word)
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
        words = list(_tokenizer().cut(run))
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
    for run in _CJK_OR_WORD.findall(clean(text)):
        if _CJK.match(run):
            _analyze_cjk(run, corrector, result)
        else:
            en_words.extend(_english_words(run, corrector, result))
    _analyze_english(en_words, result)
    return result


def _analyze_cjk(run: str, corrector: Corrector | None, result: Analysis) -> None:
    result.cjk_chars += len(run)
    if corrector is not None:
        fixed = corrector.chinese(run)
        if fixed != run:
            before = set(_tokenizer().cut_for_search(run))
            result.corrected.update(set(_tokenizer().cut_for_search(fixed)) - before)
            run = fixed
    result.terms.extend(
        w for w in _tokenizer().cut_for_search(run) if w not in ZH_STOPWORDS and w.strip()
    )
    _match_zh_terms(run, result)


def _match_zh_terms(run: str, result: Analysis) -> None:
    # Longest match first at each position, so 支付宝 is a brand and not 支付 (pay).
    lexicon = load_lexicon()
    i = 0
    while i < len(run):
        for n in range(min(lexicon.zh_max_len, len(run) - i), 1, -1):
            labels = lexicon.zh_terms.get(run[i : i + n])
            if labels:
                _add_labels(labels, result)
                i += n
                break
        else:
            i += 1


def _english_words(run: str, corrector: Corrector | None, result: Analysis) -> list[str]:
    words: list[str] = []
    for raw in re.split(r"'", run):
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
    result.latin_words += len(words)
    stems = [stem(w) for w in words]
    result.terms.extend(s for w, s in zip(words, stems, strict=True) if w not in EN_STOPWORDS)
    lexicon = load_lexicon()
    i = 0
    while i < len(stems):
        for n in range(min(lexicon.en_max_len, len(stems) - i), 0, -1):
            labels = lexicon.en_terms.get(tuple(stems[i : i + n]))
            if labels:
                _add_labels(labels, result)
                i += n
                break
        else:
            i += 1


def _add_labels(labels: frozenset[str], result: Analysis) -> None:
    for label in labels:
        if label.startswith("!"):
            result.marks.add(label)
        else:
            result.concepts.append(CONCEPT_PREFIX + label)


def english_stems(phrase: str) -> tuple[str, ...]:
    """A lexicon phrase as the stem sequence that analyze() produces for it."""
    words: list[str] = []
    variants = _read_lexicon_file()["variants"]["en"]
    for run in _CJK_OR_WORD.findall(_basic_clean(phrase)):
        for raw in run.split("'"):
            word = raw.replace("-", "")
            words.extend(str(variants.get(word, word)).split())
    return tuple(stem(w) for w in words)


@cache
def _read_lexicon_file() -> dict:  # type: ignore[type-arg]
    data: dict = yaml.safe_load(LEXICON_PATH.read_text("utf-8"))  # type: ignore[type-arg]
    return data


@cache
def load_lexicon() -> Lexicon:
    data = _read_lexicon_file()
    zh_terms: dict[str, set[str]] = {}
    en_terms: dict[tuple[str, ...], set[str]] = {}

    def add(label: str, zh: Iterable[str], en: Iterable[str]) -> None:
        for word in zh:
            if not _CJK.search(str(word)):
                en = [*en, word]  # a Latin word in a zh list (usdt, app) is matched as English
                continue
            zh_terms.setdefault(_clean_zh_term(str(word), data), set()).add(label)
        for phrase in en:
            stems = english_stems(str(phrase))
            if stems:
                en_terms.setdefault(stems, set()).add(label)

    for name, terms in data["concepts"].items():
        add(name, terms.get("zh", []), terms.get("en", []))
    add("!offtopic", data["offtopic"]["zh"], data["offtopic"]["en"])
    add("!brand", data["brands"]["zh"], data["brands"]["en"])
    return Lexicon(
        zh_variants={str(k): str(v) for k, v in data["variants"]["zh"].items()},
        en_variants={str(k): tuple(str(v).split()) for k, v in data["variants"]["en"].items()},
        zh_terms={k: frozenset(v) for k, v in zh_terms.items()},
        en_terms={k: frozenset(v) for k, v in en_terms.items()},
        zh_max_len=max(map(len, zh_terms)),
        en_max_len=max(map(len, en_terms)),
    )


def _clean_zh_term(word: str, data: dict) -> str:  # type: ignore[type-arg]
    # Lexicon words go through the same variants as text, so 帐户 in the lexicon still matches.
    word = unicodedata.normalize("NFKC", word).lower()
    for wrong, right in sorted(data["variants"]["zh"].items(), key=lambda kv: -len(str(kv[0]))):
        word = word.replace(str(wrong), str(right))
    return word


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))
