"""Recovery phrases (BIP-39) in what a customer pastes: English words, and Chinese characters
with or without spaces between them.

Pure functions on text; `recovery_phrases(text)` gives the spans to hide.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

import jieba
from mnemonic import Mnemonic

# A recovery phrase is 12–24 words; a run this long of BIP-39 words does not occur in prose
# (common words such as "the", "and", "my" are not in the list).
PHRASE_MIN_WORDS = 12
# With a word such as "seed phrase" / 助记词 nearby, a shorter (mistyped, partial) run counts.
PHRASE_MIN_WORDS_IN_CONTEXT = 8
PHRASE_LENGTHS = (24, 21, 18, 15, 12)
CONTEXT_SPAN = 40
# The Chinese lists hold the 2,048 most common characters, most common first, so ordinary
# Chinese is mostly made of them, and twelve in a row with a valid checksum happen in prose
# (57 times in our help articles). A phrase is random picks from the list: rarer characters
# (average rank 1,024 against about 300 in prose) that seldom make words with their
# neighbours (at most a quarter of adjacent pairs are dictionary words, against half in
# prose). Tuned on the dev split of bench/eval_redaction.py and on the help articles.
ZH_MIN_MEAN_RANK = 450
ZH_MAX_WORD_PAIRS = 0.25
# Without a checksum to back them, characters must be rarer still.
ZH_MIN_MEAN_RANK_MISTYPED = 600

PHRASE_CONTEXT = re.compile(
    r"助记词|助记|恢复短语|恢复词|种子|密语|seed|mnemonic|recovery|secret\s+phrase|"
    r"backup\s+phrase|12\s*words|24\s*words|twelve\s+words",
    re.I,
)
_EN_WORD = re.compile(r"[A-Za-z]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SEPARATOR = re.compile(r"^[\s,;，、。.:：\-\d()（）#|/｜]*$")


@dataclass(frozen=True)
class _Char:
    char: str
    start: int
    gap: str  # what separates it from the previous one (a space, a comma, a number, nothing)

    @property
    def spaced(self) -> bool:
        return bool(self.gap)


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    return frozenset(Mnemonic("english").wordlist)


@lru_cache(maxsize=1)
def _chinese() -> dict[str, int]:
    """Each character of the simplified and traditional lists with its index (one order)."""
    ranks: dict[str, int] = {}
    for language in ("chinese_traditional", "chinese_simplified"):
        ranks.update({word: i for i, word in enumerate(Mnemonic(language).wordlist)})
    return ranks


@lru_cache(maxsize=1)
def _simplified() -> dict[str, str]:
    """Traditional list character → the simplified one at the same index (the same word)."""
    pairs = zip(
        Mnemonic("chinese_traditional").wordlist,
        Mnemonic("chinese_simplified").wordlist,
        strict=True,
    )
    return dict(pairs)


@lru_cache(maxsize=1)
def _two_char_words() -> frozenset[str]:
    """jieba's dictionary words of two list characters (about 85,000; read once, ~0.5 s)."""
    chars = set(_simplified().values())
    words = set()
    with jieba.get_dict_file() as fh:
        for raw in fh:
            word = raw.decode("utf-8").split(" ", 1)[0]
            if len(word) == 2 and word[0] in chars and word[1] in chars:
                words.add(word)
    return frozenset(words)


def has_context(text: str, start: int, end: int, pattern: re.Pattern[str]) -> bool:
    window = text[max(0, start - CONTEXT_SPAN) : end + CONTEXT_SPAN]
    return bool(pattern.search(window))


def checksum_valid(indexes: list[int]) -> bool:
    """The BIP-39 checksum: the last bits of the words are the start of the entropy's SHA-256."""
    if len(indexes) not in PHRASE_LENGTHS:
        return False
    value = 0
    for index in indexes:
        value = value << 11 | index
    checksum_bits = len(indexes) * 11 // 33
    entropy = (value >> checksum_bits).to_bytes(checksum_bits * 4, "big")
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    return value & ((1 << checksum_bits) - 1) == expected


def _long_enough(text: str, start: int, end: int, words: int) -> bool:
    if words >= PHRASE_MIN_WORDS:
        return True
    return words >= PHRASE_MIN_WORDS_IN_CONTEXT and has_context(text, start, end, PHRASE_CONTEXT)


def english_phrases(text: str) -> list[tuple[int, int]]:
    english = _english()
    spans: list[tuple[int, int]] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        if run and _long_enough(text, run[0].start(), run[-1].end(), len(run)):
            spans.append((run[0].start(), run[-1].end()))
        run.clear()

    for match in _EN_WORD.finditer(text):
        between = text[run[-1].end() : match.start()] if run else ""
        if match.group().lower() in english and _SEPARATOR.match(between):
            run.append(match)
        else:
            close()
            if match.group().lower() in english:
                run.append(match)
    close()
    return spans


def _chinese_runs(text: str) -> list[list[_Char]]:
    """Maximal runs of list characters separated by nothing, spaces, punctuation or numbers."""
    ranks = _chinese()
    runs: list[list[_Char]] = []
    run: list[_Char] = []
    for match in _CJK.finditer(text):
        char = match.group()
        between = text[run[-1].start + 1 : match.start()] if run else ""
        if char in ranks and run and _SEPARATOR.match(between):
            run.append(_Char(char, match.start(), between))
            continue
        if len(run) >= PHRASE_MIN_WORDS_IN_CONTEXT:
            runs.append(run)
        run = [_Char(char, match.start(), " ")] if char in ranks else []
    if len(run) >= PHRASE_MIN_WORDS_IN_CONTEXT:
        runs.append(run)
    return runs


def _prefix_sums(values: list[int]) -> list[int]:
    sums = [0]
    for value in values:
        sums.append(sums[-1] + value)
    return sums


def _checksummed(run: list[_Char]) -> list[tuple[int, int]]:
    """Windows of the run that are whole phrases: a valid checksum, rare characters that make
    few words together, written one way throughout (every word apart, or run together with
    at most spaces or line breaks between groups; prose runs on across commas).

    A window shifted into the words around a phrase passes too, once in 16: every passing
    window is kept, which hides a few words more but always the whole phrase (keeping only
    the most phrase-like one missed 2 phrases in 159 on the dev split). Sums over the run
    make each window's tests cheap: 100,000 characters take about a second."""
    ranks, simplified, words = _chinese(), _simplified(), _two_char_words()
    indexes = [ranks[c.char] for c in run]
    plain = [simplified.get(c.char, c.char) for c in run]
    rank_sum = _prefix_sums(indexes)
    # pair i joins characters i-1 and i; gap i lies before character i
    pair_sum = _prefix_sums([0] + [a + b in words for a, b in itertools.pairwise(plain)])
    apart = _prefix_sums([0] + [bool(c.gap) for c in run[1:]])
    other = _prefix_sums([0] + [bool(c.gap) and not c.gap.isspace() for c in run[1:]])
    found: list[tuple[int, int]] = []
    for size in PHRASE_LENGTHS:
        for first in range(len(run) - size + 1):
            last = first + size
            gaps_apart = apart[last] - apart[first + 1]
            even = gaps_apart == size - 1 or other[last] - other[first + 1] == 0
            if (
                even
                and rank_sum[last] - rank_sum[first] >= ZH_MIN_MEAN_RANK * size
                and pair_sum[last] - pair_sum[first + 1] <= ZH_MAX_WORD_PAIRS * (size - 1)
                and checksum_valid(indexes[first:last])
            ):
                found.append((run[first].start, run[last - 1].start + 1))
    return found


def _spaced_parts(run: list[_Char]) -> list[list[_Char]]:
    """The parts of a run where every character stands apart (one word per character)."""
    parts: list[list[_Char]] = [[run[0]]]
    for item in run[1:]:
        if item.spaced:
            parts[-1].append(item)
        else:
            parts.append([item])
    return parts


def _joined_parts(run: list[_Char]) -> list[list[_Char]]:
    """The parts of a run written without anything between the characters."""
    parts: list[list[_Char]] = [[run[0]]]
    for item in run[1:]:
        if item.spaced:
            parts.append([item])
        else:
            parts[-1].append(item)
    return parts


def _mistyped(text: str, part: list[_Char]) -> bool:
    """A phrase without spaces that fails its checksum (a word mistyped or forgotten) counts
    right after 助记词 / seed phrase, if its characters are as rare and as unrelated as a
    phrase's."""
    ranks, simplified, words = _chinese(), _simplified(), _two_char_words()
    start, end = part[0].start, part[-1].start + 1
    if not PHRASE_MIN_WORDS_IN_CONTEXT <= len(part) <= max(PHRASE_LENGTHS):
        return False
    if PHRASE_CONTEXT.search(text[start:end]):
        return False  # "我的助记词丢了怎么办" is about a phrase, not one
    plain = [simplified.get(c.char, c.char) for c in part]
    pairs = sum(a + b in words for a, b in itertools.pairwise(plain))
    return (
        sum(ranks[c.char] for c in part) >= ZH_MIN_MEAN_RANK_MISTYPED * len(part)
        and pairs <= ZH_MAX_WORD_PAIRS * (len(part) - 1)
        and has_context(text, start, end, PHRASE_CONTEXT)
    )


def chinese_phrases(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for run in _chinese_runs(text):
        spans += _checksummed(run)
        for part in _spaced_parts(run):
            start, end = part[0].start, part[-1].start + 1
            if _long_enough(text, start, end, len(part)):
                spans.append((start, end))
        spans += [(p[0].start, p[-1].start + 1) for p in _joined_parts(run) if _mistyped(text, p)]
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def recovery_phrases(text: str) -> list[tuple[int, int]]:
    return english_phrases(text) + chinese_phrases(text)
