"""Help-center search: BM25 over zh/en articles, a confidence decision and as-you-type hints.

Owns ranking articles for a customer's question and deciding whether the best one answers it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import bm25s
import numpy as np

from walletdesk.helpcenter import textnorm
from walletdesk.helpcenter.textnorm import Analysis, Corrector, analyze

LANGS = ("zh", "en")
SNIPPET_CHARS = 160
# Each field is its own BM25 index. The head (title twice, then the summary) says what the
# article is about, in few words; the body also mentions neighbouring topics ("if your account
# is frozen, see ..."). Indexed apart, a head match is not drowned by a long body.
FIELD_WEIGHTS = {"head": 1.0, "body": 1.0}
TITLE_REPEAT = 2
CONCEPT_WEIGHT = 1.0
# What the question is about (deposit, card) weighs less than what is wrong or wanted (not
# arrived, fee, limit); see "objects" in lexicon.yaml.
OBJECT_WEIGHT = 0.5
# Each query concept found in an article's title adds this much (BM25 scale): a title names
# the article's problem in one line, where summaries list every aspect the article touches.
TITLE_CONCEPT_BONUS = 2.0
CORRECTED_WEIGHT = 0.7
# Words of no concept count less beside concepts: in a long, chatty question ("新手求问，第一次
# 用...") the filler words must not outweigh the domain's words.
PLAIN_WEIGHT = 0.7
# A word that a concept already stands for counts less, so that a notion said with several
# words (银行卡: 银行, 银行卡, ~card) does not outweigh the one that says what is wrong.
REDUNDANT_WEIGHT = 0.7
# The confidence decision (see _confidence), set between the dev set's in-scope queries
# (all >= 0.47) and its out-of-scope ones (all <= 0.20); checked on the held-out and fresh sets.
ANSWER_THRESHOLD = 0.4
STRENGTH_SCALE = 4.0
VETO_FACTOR = 0.25  # scales the scores of a question about another subject (see _vetoed)
CONCEPT_UNIT, WORD_UNIT = 1.0, 0.5
# The confidence includes the article's score against the best one's, squared: saturated
# strength and coverage alone would tie articles that the scores tell apart.
SHARE_POWER = 2.0
CANDIDATES = 12  # articles given a confidence; the rest are too far behind to matter
# "How do I" helps pick the how-to article but says nothing about whether we cover the topic.
NOT_EVIDENCE = frozenset({"~howto"})
NO_TERMS: frozenset[str] = frozenset()
# Concepts that make a question about another company's brand one about our wallet.
MONEY_CONCEPTS = frozenset(
    {
        *("~deposit", "~withdraw", "~transfer", "~payment", "~fee", "~card", "~bind"),
        *("~wrong_charge", "~fail", "~not_arrived", "~refund", "~crypto", "~limit"),
    }
)
# Concepts of support, account access and complaints: with another company's brand and none
# of the money concepts, the customer is asking about that company's support or account.
SERVICE_CONCEPTS = frozenset(
    {
        *("~support_staff", "~call", "~chat", "~email", "~contact", "~password", "~reset"),
        *("~forgot", "~login", "~lock", "~locked", "~freeze", "~stolen", "~kyc"),
        *("~phone_number", "~complaint", "~appeal", "~feedback", "~escalate"),
    }
)

_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_MARKUP = re.compile(r"[*_`>#|]+|^\s*(?:[-+]|\d+\.)\s+", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+|\n+")
_CROSS_REF = ("\x01", "\x02")


@dataclass(frozen=True)
class SearchDoc:
    slug: str
    lang: str
    title: str
    summary: str
    body: str  # Markdown


@dataclass(frozen=True)
class SearchHit:
    slug: str
    title: str
    score: float  # in [0, 1]
    snippet: str  # plain text excerpt (at most 160 characters) around the matched terms


@dataclass(frozen=True)
class SearchResult:
    answered: bool
    hits: list[SearchHit]
    confidence: float = 0.0  # the best hit's score, which `answered` is decided on


@dataclass
class _Article:
    doc: SearchDoc
    terms: set[str]  # every term and concept of the article, for coverage
    sentences: list[str]  # plain-text sentences of the body, for snippets
    sentence_terms: list[set[str]]
    title_concepts: set[str]
    head_concepts: set[str]  # concepts of the title and the summary
    title_key: str  # cleaned title, for suggestions
    summary_key: str
    title_pinyin: tuple[str, ...]  # the title's pinyin from each syllable on: ruhetixian, ...


class _LangIndex:
    """The BM25 index of the articles of one language."""

    def __init__(self, articles: list[_Article], fields: dict[str, list[list[str]]]) -> None:
        self.articles = articles
        self.by_slug = {a.doc.slug: a for a in articles}
        self.fields = {name: _Bm25(tokens) for name, tokens in fields.items()}

    def scores(self, term: str) -> np.ndarray | None:
        total: np.ndarray | None = None
        for name, field in self.fields.items():
            scores = field.scores(term)
            if scores is not None:
                weighted = FIELD_WEIGHTS[name] * scores
                total = weighted if total is None else total + weighted
        return total


class _Bm25:
    """One bm25s index over token lists, scored one term at a time."""

    def __init__(self, tokens: list[list[str]]) -> None:
        self.model = bm25s.BM25()
        self.model.index(tokens, show_progress=False)
        self.vocab = {str(k): int(v) for k, v in self.model.vocab_dict.items() if k != ""}

    def scores(self, term: str) -> np.ndarray | None:
        token_id = self.vocab.get(term)
        if token_id is None:
            return None
        return np.asarray(self.model.get_scores_from_ids([token_id]), dtype=float)


class SearchIndex:
    def __init__(self, langs: dict[str, _LangIndex], corrector: Corrector) -> None:
        self._langs = langs
        self._corrector = corrector
        self._slugs = sorted({a.doc.slug for li in langs.values() for a in li.articles})

        self._slug_pos = {slug: i for i, slug in enumerate(self._slugs)}
        # Per topic, in either language: all its terms (for coverage) and the concepts of its
        # titles and summaries (for aspects).
        self._topic_terms: list[set[str]] = [set() for _ in self._slugs]
        self._heads: list[set[str]] = [set() for _ in self._slugs]
        for li in langs.values():
            for a in li.articles:
                self._topic_terms[self._slug_pos[a.doc.slug]].update(a.terms)
                self._heads[self._slug_pos[a.doc.slug]].update(a.head_concepts)

    @classmethod
    def build(cls, docs: Iterable[SearchDoc]) -> SearchIndex:
        textnorm.warm_up()
        by_lang: dict[str, list[SearchDoc]] = {lang: [] for lang in LANGS}
        for doc in docs:
            by_lang.setdefault(doc.lang, []).append(doc)
        langs: dict[str, _LangIndex] = {}
        zh_words: set[str] = set()
        en_words: Counter[str] = Counter()
        for lang, lang_docs in by_lang.items():
            if not lang_docs:
                continue
            built = [_prepare(doc, zh_words, en_words) for doc in lang_docs]
            fields = {name: [f[name] for _, f in built] for name in FIELD_WEIGHTS}
            langs[lang] = _LangIndex([a for a, _ in built], fields)
        en_words.update(textnorm.lexicon_english_words())
        return cls(langs, Corrector(zh_words | _lexicon_zh_words(), en_words))

    def search(self, query: str, *, lang: str, limit: int = 5) -> SearchResult:
        query = str(query)[: textnorm.MAX_QUERY_CHARS]
        if not query.strip() or lang not in self._langs or limit <= 0:
            return SearchResult(answered=False, hits=[])
        analysis = analyze(query, self._corrector)
        weights = self._weights(analysis)
        if not weights:
            return SearchResult(answered=False, hits=[])
        totals, evidence = self._rank(weights)
        hits = self._ranked_hits(lang, weights, totals, evidence, analysis.in_concepts)[:limit]
        if _vetoed(analysis):
            # Matching words, wrong subject: keep the hits as "related", with scores that say so.
            hits = [
                SearchHit(h.slug, h.title, round(h.score * VETO_FACTOR, 4), h.snippet) for h in hits
            ]
        answered = bool(hits) and hits[0].score >= ANSWER_THRESHOLD
        return SearchResult(answered=answered, hits=hits, confidence=hits[0].score if hits else 0.0)

    def hit_for(self, slug: str, *, lang: str, query: str) -> SearchHit | None:
        """The article `slug` in `lang` as a hit for `query` (score 0), when published."""
        index = self._langs.get(lang)
        article = index.by_slug.get(slug) if index is not None else None
        if article is None:
            return None
        weights = self._weights(analyze(str(query)[: textnorm.MAX_QUERY_CHARS], self._corrector))
        return _hit(article, 0.0, weights)

    def suggest(self, prefix: str, *, lang: str, limit: int = 5) -> list[SearchHit]:
        key = textnorm.clean(str(prefix)[: textnorm.MAX_QUERY_CHARS]).strip()
        index = self._langs.get(lang)
        if not key or index is None or limit <= 0:
            return []
        # Customers often type a whole sentence before pausing: a confident answer to what
        # they typed so far comes first, then titles that complete the words.
        found = self.search(prefix, lang=lang, limit=limit)
        hits = list(found.hits) if found.answered else []
        scored = [(_prefix_score(a, key), a) for a in index.articles]
        # Best match first; among equals the shorter, more general title.
        scored.sort(key=lambda p: (-p[0], len(p[1].doc.title)))
        seen = {h.slug for h in hits}
        hits += [_hit(a, s, {}) for s, a in scored if s > 0 and a.doc.slug not in seen]
        if len(hits) < limit:
            hits += self._completion_hits(key, lang, {h.slug for h in hits})
        return hits[:limit]

    # -- ranking ---------------------------------------------------------------------------

    def _ranked_hits(
        self,
        lang: str,
        weights: dict[str, float],
        totals: np.ndarray,
        evidence: np.ndarray,
        skip: set[str],
    ) -> list[SearchHit]:
        """The articles of this language best first, each scored by its confidence.

        The confidence orders the list as well as deciding `answered`, so that the score a
        hit shows is the one it was ranked by and equal scores are real ties.
        """
        index = self._langs[lang]
        candidates = [
            pos
            for pos in np.argsort(-totals, kind="stable")[:CANDIDATES]
            if totals[pos] > 0 and self._slugs[pos] in index.by_slug
        ]
        if not candidates:
            return []
        best = float(totals[candidates[0]])
        scored: list[tuple[float, float, _Article]] = []
        for pos in candidates:
            article = index.by_slug[self._slugs[pos]]
            share = float(totals[pos]) / best
            conf = self._confidence(weights, article.doc.slug, float(evidence[pos]), share, skip)
            scored.append((conf, float(totals[pos]), article))
        scored.sort(key=lambda s: (-s[0], -s[1]))
        return [_hit(article, conf, weights) for conf, _, article in scored]

    def _weights(self, analysis: Analysis) -> dict[str, float]:
        weights: dict[str, float] = {}
        for term in analysis.terms:
            w = CORRECTED_WEIGHT if term in analysis.corrected else 1.0
            if term in analysis.in_concepts:
                w *= REDUNDANT_WEIGHT
            elif analysis.concepts:
                w *= PLAIN_WEIGHT
            weights[term] = weights.get(term, 0.0) + w
        objects = textnorm.load_lexicon().objects
        for concept in analysis.concepts:
            w = CONCEPT_WEIGHT * (OBJECT_WEIGHT if concept in objects else 1.0)
            weights[concept] = weights.get(concept, 0.0) + w
        # A repeated word counts a little more, not twice: anxious queries repeat themselves.
        return {t: min(w, 1.5) for t, w in weights.items()}

    def _rank(self, weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Per slug: the score to order by, and the part of it that is evidence of the topic.

        Both languages' articles count: a slug's zh and en articles are one topic, and the
        other language's article adds its wording (and serves queries in the other script).
        """
        order = np.zeros(len(self._slugs))
        evidence = np.zeros(len(self._slugs))
        aspects = textnorm.load_lexicon().aspects
        aspect_fit = self._aspect_fit(weights)
        for index in self._langs.values():
            positions = [self._slug_pos[a.doc.slug] for a in index.articles]
            fit = aspect_fit[positions]
            for term, weight in weights.items():
                scores = index.scores(term)
                if scores is None:
                    continue
                if term in aspects:
                    scores = scores * fit
                order[positions] += weight * scores
                if term not in NOT_EVIDENCE:
                    evidence[positions] += weight * scores
            for article, pos, f in zip(index.articles, positions, fit, strict=True):
                order[pos] += _title_bonus(article, weights, NO_TERMS, float(f))
                evidence[pos] += _title_bonus(article, weights, NOT_EVIDENCE, float(f))
        return order, evidence

    def _aspect_fit(self, weights: dict[str, float]) -> np.ndarray:
        """Per slug: how well the article's head covers what an aspect is asked about.

        "How long" and "how do I" are aspects of something: "提现要多久" asks about the timing
        of a withdrawal, so an article about how long support takes to reply, whose words
        for time match as well, should not win on them. An aspect counts in an article in
        the measure that the article's title and summary name the query's other concepts.
        """
        aspects = textnorm.load_lexicon().aspects
        topic = {t: w for t, w in weights.items() if _is_concept(t) and t not in aspects}
        wanted = sum(topic.values())
        if not wanted or not any(t in aspects for t in weights):
            return np.ones(len(self._slugs))
        return np.array(
            [sum(w for t, w in topic.items() if t in heads) / wanted for heads in self._heads]
        )

    def _confidence(
        self, weights: dict[str, float], slug: str, total: float, share: float, skip: set[str]
    ) -> float:
        """How sure we are that this article answers the query, in [0, 1].

        Coverage: the share of the query's meaning that the article contains; a query whose
        words no article has (weather, a joke, gibberish) stays low even when a common word of
        it matches. Strength: the BM25 score saturated, so one weak shared word is no answer.
        Share: the article's score against the best one's, which keeps the ranking information
        that saturation loses.
        """
        coverage = self._coverage(weights, slug, skip)
        strength = 1.0 - math.exp(-total / STRENGTH_SCALE)
        conf = coverage * strength * share**SHARE_POWER
        return round(max(0.0, min(1.0, conf)), 4)

    def _coverage(self, weights: dict[str, float], slug: str, skip: set[str]) -> float:
        """Share of the query's meaning found in the article's text (either language).

        Concepts weigh most: they are the domain's words. Other words weigh less and the same
        whether known or not, so that one filler word (才能, ever) cannot sink a clear question,
        while several words no article uses (weather, pizza) do.
        """
        terms = self._topic_terms[self._slug_pos[slug]]
        found = wanted = 0.0
        for term in weights:
            if term in skip or term in NOT_EVIDENCE or _is_compound(term, weights):
                # A concept stands for its words (转钱 -> ~transfer), and a compound's parts
                # for the compound (更安全 -> 安全).
                continue
            unit = CONCEPT_UNIT if _is_concept(term) else WORD_UNIT
            wanted += unit
            if term in terms:
                found += unit
        return found / wanted if wanted else 0.0

    def _completion_hits(self, key: str, lang: str, seen: set[str]) -> list[SearchHit]:
        # The last word is still being typed: search with the words it can become.
        words = key.split()
        if not words or len(words[-1]) < 2 or textnorm.has_cjk(words[-1]):
            return []
        head, last = words[:-1], words[-1]
        completions = [w for w, _ in self._corrector.en_known.most_common() if w.startswith(last)]
        if not completions:
            return []
        result = self.search(" ".join([*head, *completions[:3]]), lang=lang, limit=5)
        return [
            SearchHit(h.slug, h.title, round(h.score * 0.5, 4), h.snippet)
            for h in result.hits
            if h.slug not in seen
        ]


def _title_bonus(
    article: _Article, weights: dict[str, float], leave_out: frozenset[str], aspect_fit: float
) -> float:
    aspects = textnorm.load_lexicon().aspects
    return TITLE_CONCEPT_BONUS * sum(
        min(w, 1.0) * (aspect_fit if t in aspects else 1.0)
        for t, w in weights.items()
        if t in article.title_concepts and t not in leave_out
    )


def _is_concept(term: str) -> bool:
    return term.startswith(textnorm.CONCEPT_PREFIX)


def _is_compound(term: str, weights: dict[str, float]) -> bool:
    return len(term) > 2 and any(
        part != term and part in term and textnorm.has_cjk(part) for part in weights
    )


def _vetoed(analysis: Analysis) -> bool:
    concepts = set(analysis.concepts)
    if "!offtopic" in analysis.marks and len(concepts) <= 1:
        return True
    if "!brand" not in analysis.marks or concepts & MONEY_CONCEPTS:
        return False
    # "支付宝客服电话", "reset my PlayStation password", "美团怎么投诉商家": another company's
    # support, account or complaints.
    if concepts & SERVICE_CONCEPTS:
        return True
    # "Delete my WeChat account": nothing but that company's name and things it has too;
    # except a way to pay ("支持支付宝吗", "do you take Visa"), which is a question about us.
    lexicon = textnorm.load_lexicon()
    return concepts <= lexicon.objects | lexicon.aspects and "~payment_method" not in concepts


def _prepare(
    doc: SearchDoc, zh_words: set[str], en_words: Counter[str]
) -> tuple[_Article, dict[str, list[str]]]:
    """The article's search data; also collects its words for the typo corrector."""
    title, summary = analyze(doc.title), analyze(doc.summary)
    sentences = _sentences(doc.body)
    analyses = [analyze(_indexable(s)) for s in sentences]
    for a in (title, summary, *analyses):
        zh_words.update(a.zh_words)
        en_words.update(a.en_words)
    fields = {
        "head": _tokens(title) * TITLE_REPEAT + _tokens(summary),
        "body": [t for a in analyses for t in _tokens(a)],
    }
    title_key = textnorm.clean(doc.title)
    article = _Article(
        doc=doc,
        terms={t for tokens in fields.values() for t in tokens},
        sentences=[_displayable(s) for s in sentences],
        sentence_terms=[set(_tokens(a)) for a in analyses],
        title_concepts=set(title.concepts),
        head_concepts={*title.concepts, *summary.concepts},
        title_key=title_key,
        summary_key=textnorm.clean(doc.summary),
        title_pinyin=_pinyin_suffixes(title_key),
    )
    return article, fields


def _tokens(analysis: Analysis) -> list[str]:
    return [*analysis.terms, *analysis.concepts]


def _sentences(markdown: str) -> list[str]:
    # Links to other articles are marked, so that their titles are shown in a snippet but do
    # not make this article rank for the other article's topic.
    def mark(m: re.Match[str]) -> str:
        text, url = m.group(1), m.group(2)
        return f"{_CROSS_REF[0]}{text}{_CROSS_REF[1]}" if "/help/" in url else text

    text = _MARKUP.sub(" ", _LINK.sub(mark, markdown))
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _indexable(sentence: str) -> str:
    return re.sub(f"{_CROSS_REF[0]}[^{_CROSS_REF[1]}]*{_CROSS_REF[1]}", " ", sentence)


def _displayable(sentence: str) -> str:
    return re.sub(r"\s+", " ", sentence.replace(_CROSS_REF[0], "").replace(_CROSS_REF[1], ""))


def _lexicon_zh_words() -> set[str]:
    lexicon = textnorm.load_lexicon()
    return {w for w in (*lexicon.zh_terms, *lexicon.zh_variants.values()) if len(w) > 1}


def _hit(article: _Article, score: float, weights: dict[str, float]) -> SearchHit:
    return SearchHit(
        slug=article.doc.slug,
        title=article.doc.title,
        score=score,
        snippet=_snippet(article, weights),
    )


def _snippet(article: _Article, weights: dict[str, float]) -> str:
    best, best_score = -1, 0.0
    for i, terms in enumerate(article.sentence_terms):
        score = sum(w for t, w in weights.items() if t in terms)
        # A heading ("Why accounts get frozen") matches well but says little.
        score *= min(1.0, 0.5 + len(article.sentences[i]) / 60)
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        return _shorten(article.doc.summary or article.doc.title, "")
    anchor = next(
        (t for t in weights if t in article.sentence_terms[best] and not _is_concept(t)), ""
    )
    return _shorten(article.sentences[best], anchor)


def _shorten(text: str, anchor: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    start = max(0, text.lower().find(anchor) - 40) if anchor else 0
    piece = text[start : start + SNIPPET_CHARS - 2]
    return ("…" if start else "") + piece + "…"


def _prefix_score(article: _Article, key: str) -> float:
    """How well the article's title (or summary) continues what the customer is typing."""
    if article.title_key.startswith(key):
        return 1.0
    if _contains(article.title_key, key):
        return 0.9
    if key.isascii() and key.isalpha() and any(p.startswith(key) for p in article.title_pinyin):
        return 0.8  # pinyin typed before the input method turns it into characters
    if _contains(article.summary_key, key):
        return 0.6
    return 0.0


def _pinyin_suffixes(title: str) -> tuple[str, ...]:
    if not textnorm.has_cjk(title):
        return ()
    syllables = textnorm.pinyin_key(title).split()
    return tuple("".join(syllables[i:]) for i in range(len(syllables)))


def _contains(text: str, key: str) -> bool:
    # Latin input must start a word ("withdr" in "how to withdraw"), or every "x" would match.
    if textnorm.has_cjk(key):
        return key in text
    return re.search(r"\b" + re.escape(key), text) is not None


class _ArticleLike(Protocol):
    slug: str
    lang: str
    title: str
    summary: str
    body: str


def docs_from_articles(articles: Iterable[_ArticleLike]) -> list[SearchDoc]:
    """SearchDocs from the seeded article files (content.read_articles())."""
    return [SearchDoc(a.slug, a.lang, a.title, a.summary, a.body) for a in articles]
