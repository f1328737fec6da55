"""Help-center search: BM25 over zh/en articles, a confidence decision and as-you-type hints.

Owns ranking articles for a customer's question and deciding whether the best one answers it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from walletdesk.helpcenter import textnorm
from walletdesk.helpcenter.textnorm import Analysis, Corrector, analyze

LANGS = ("zh", "en")
SNIPPET_CHARS = 160
# Field weights: a title or summary word says what the article is about; the body also
# mentions neighbouring topics ("if your account is frozen, see ...").
TITLE_REPEAT, SUMMARY_REPEAT = 3, 2
CONCEPT_WEIGHT = 1.0
CORRECTED_WEIGHT = 0.7
# The confidence decision (see _confidence); tuned on the dev set, checked on the held-out set.
ANSWER_THRESHOLD = 0.45
# Concepts that make a question about another company's brand one about our wallet.
MONEY_CONCEPTS = frozenset(
    "~deposit ~withdraw ~transfer ~payment ~fee ~card ~bind ~wrong_charge ~fail "
    "~not_arrived ~refund ~crypto ~limit".split()
)
# Concepts of support and account access: with another company's brand and none of the
# money concepts, the customer is asking about that company's support or account.
SERVICE_CONCEPTS = frozenset(
    "~support_staff ~call ~chat ~email ~contact ~password ~reset ~forgot ~login ~lock "
    "~freeze ~stolen ~kyc ~phone_number".split()
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


@dataclass
class _Article:
    doc: SearchDoc
    terms: set[str]  # every term and concept of the article, for coverage
    sentences: list[str]  # plain-text sentences of the body, for snippets
    sentence_terms: list[set[str]]
    title_key: str  # cleaned title, for suggestions
    title_pinyin: str


class _LangIndex:
    """The BM25 index of the articles of one language."""

    def __init__(self, articles: list[_Article], tokens: list[list[str]]) -> None:
        self.articles = articles
        self.bm25 = bm25s.BM25()
        self.bm25.index(tokens, show_progress=False)
        self.vocab: dict[str, int] = {
            str(k): int(v) for k, v in self.bm25.vocab_dict.items() if k != ""
        }
        df = Counter(t for doc in tokens for t in set(doc))
        n = max(len(tokens), 1)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.max_idf = math.log(1 + (n - 0.5) / 1.5)

    def scores(self, term: str) -> np.ndarray | None:
        token_id = self.vocab.get(term)
        if token_id is None:
            return None
        return np.asarray(self.bm25.get_scores_from_ids([token_id]), dtype=float)


class SearchIndex:
    def __init__(self, langs: dict[str, _LangIndex], corrector: Corrector) -> None:
        self._langs = langs
        self._corrector = corrector
        self._slugs = sorted({a.doc.slug for li in langs.values() for a in li.articles})
        self._slug_pos = {slug: i for i, slug in enumerate(self._slugs)}

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
            built = [_prepare(doc) for doc in lang_docs]
            langs[lang] = _LangIndex([a for a, _ in built], [t for _, t in built])
            for article, tokens in built:
                _collect_words(article.doc, zh_words, en_words)
                del tokens
        return cls(langs, Corrector(zh_words | _lexicon_zh_words(), en_words))

    def search(self, query: str, *, lang: str, limit: int = 5) -> SearchResult:
        query = str(query)[: textnorm.MAX_QUERY_CHARS]
        if not query.strip() or lang not in self._langs or limit <= 0:
            return SearchResult(answered=False, hits=[])
        analysis = analyze(query, self._corrector)
        weights = self._weights(analysis)
        if not weights:
            return SearchResult(answered=False, hits=[])
        totals = self._rank(weights)
        ranked = [i for i in np.argsort(-totals, kind="stable") if totals[i] > 0]
        hits = []
        for pos in ranked:
            article = self._article(self._slugs[pos], lang)
            if article is None:
                continue
            conf = self._confidence(weights, self._slugs[pos], totals[pos], totals[ranked[0]])
            hits.append(_hit(article, conf, weights))
            if len(hits) >= limit:
                break
        answered = bool(hits) and hits[0].score >= ANSWER_THRESHOLD and not _vetoed(analysis)
        return SearchResult(answered=answered, hits=hits)

    def suggest(self, prefix: str, *, lang: str, limit: int = 5) -> list[SearchHit]:
        key = textnorm.clean(str(prefix)[: textnorm.MAX_QUERY_CHARS]).strip()
        index = self._langs.get(lang)
        if not key or index is None or limit <= 0:
            return []
        scored = [(_prefix_score(a, key), a) for a in index.articles]
        hits = [_hit(a, s, {}) for s, a in sorted(scored, key=lambda p: -p[0]) if s > 0]
        if len(hits) < limit:
            hits += self._completion_hits(key, lang, {h.slug for h in hits})
        return hits[:limit]

    # -- ranking ---------------------------------------------------------------------------

    def _weights(self, analysis: Analysis) -> dict[str, float]:
        weights: dict[str, float] = {}
        for term in analysis.terms:
            w = CORRECTED_WEIGHT if term in analysis.corrected else 1.0
            weights[term] = weights.get(term, 0.0) + w
        for concept in analysis.concepts:
            weights[concept] = weights.get(concept, 0.0) + CONCEPT_WEIGHT
        # A repeated word counts a little more, not twice: anxious queries repeat themselves.
        return {t: min(w, 1.5) for t, w in weights.items()}

    def _rank(self, weights: dict[str, float]) -> np.ndarray:
        totals = np.zeros(len(self._slugs))
        for index in self._langs.values():
            positions = [self._slug_pos[a.doc.slug] for a in index.articles]
            for term, weight in weights.items():
                scores = index.scores(term)
                if scores is not None:
                    totals[positions] += weight * scores
        return totals

    def _confidence(
        self, weights: dict[str, float], slug: str, total: float, best: float
    ) -> float:
        """Share of the query's evidence (idf-weighted) found in the article, times its rank.

        A query whose distinctive words no article contains (weather, a joke, gibberish) has
        low coverage even when some common word of it matches.
        """
        found = wanted = 0.0
        for term, weight in weights.items():
            idf = self._idf(term)
            wanted += weight * idf
            if any(term in a.terms for a in self._articles_of(slug)):
                found += weight * idf
        coverage = found / wanted if wanted else 0.0
        relative = total / best if best > 0 else 0.0
        return round(max(0.0, min(1.0, coverage * relative)), 4)

    def _idf(self, term: str) -> float:
        known = [li.idf[term] for li in self._langs.values() if term in li.idf]
        if known:
            return max(known)
        return max(li.max_idf for li in self._langs.values())

    def _articles_of(self, slug: str) -> list[_Article]:
        return [a for li in self._langs.values() for a in li.articles if a.doc.slug == slug]

    def _article(self, slug: str, lang: str) -> _Article | None:
        for article in self._langs[lang].articles:
            if article.doc.slug == slug:
                return article
        return None

    def _completion_hits(self, key: str, lang: str, seen: set[str]) -> list[SearchHit]:
        # The last word is still being typed: search with the words it can become.
        words = key.split()
        if not words or textnorm.has_cjk(words[-1]):
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


def _vetoed(analysis: Analysis) -> bool:
    concepts = set(analysis.concepts)
    if "!offtopic" in analysis.marks and len(concepts) <= 1:
        return True
    # "支付宝客服电话", "reset my PlayStation password": another company's support or account.
    return (
        "!brand" in analysis.marks
        and bool(concepts & SERVICE_CONCEPTS)
        and not concepts & MONEY_CONCEPTS
    )


def _prepare(doc: SearchDoc) -> tuple[_Article, list[str]]:
    title, summary = analyze(doc.title), analyze(doc.summary)
    sentences = _sentences(doc.body)
    analyses = [analyze(_indexable(s)) for s in sentences]
    tokens = _tokens(title) * TITLE_REPEAT + _tokens(summary) * SUMMARY_REPEAT
    for a in analyses:
        tokens += _tokens(a)
    title_key = textnorm.clean(doc.title)
    article = _Article(
        doc=doc,
        terms=set(tokens),
        sentences=[_displayable(s) for s in sentences],
        sentence_terms=[set(_tokens(a)) for a in analyses],
        title_key=title_key,
        title_pinyin=textnorm.pinyin_key(title_key).replace(" ", ""),
    )
    return article, tokens


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


def _collect_words(doc: SearchDoc, zh_words: set[str], en_words: Counter[str]) -> None:
    text = textnorm.clean(f"{doc.title}\n{doc.summary}\n{doc.body}")
    for run in re.findall(r"[\u3400-\u9fff]+|[a-z]+", text):
        if textnorm.has_cjk(run):
            zh_words.update(w for w in textnorm.segment(run) if len(w) > 1)
        else:
            en_words[run] += 1


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
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        return _shorten(article.doc.summary or article.doc.title, "")
    anchor = next((t for t in weights if t in article.sentence_terms[best]), "")
    return _shorten(article.sentences[best], anchor)


def _shorten(text: str, anchor: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    start = max(0, text.lower().find(anchor) - 40) if anchor else 0
    piece = text[start : start + SNIPPET_CHARS - 2]
    return ("…" if start else "") + piece + "…"


def _prefix_score(article: _Article, key: str) -> float:
    if article.title_key.startswith(key):
        return 1.0
    if key in article.title_key:
        return 0.9
    if key.isascii() and key.isalpha() and article.title_pinyin.startswith(key.replace(" ", "")):
        return 0.8
    if key in textnorm.clean(article.doc.summary):
        return 0.6
    return 0.0


def docs_from_articles(articles: Sequence[object]) -> list[SearchDoc]:
    """SearchDocs from content.ArticleFile-like objects (slug, lang, title, summary, body)."""
    return [
        SearchDoc(
            slug=str(getattr(a, "slug", "")),
            lang=str(getattr(a, "lang", "")),
            title=str(getattr(a, "title", "")),
            summary=str(getattr(a, "summary", "")),
            body=str(getattr(a, "body", "")),
        )
        for a in articles
    ]
