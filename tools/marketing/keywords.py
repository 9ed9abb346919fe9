"""Keyphrases of a text or a catalog item: KeyBERT on our own embedder, with stop phrases and near-duplicate removal.

KeyBERT never loads a model by name: it gets a KeyBERT `BaseEmbedder` around `PhraseVectors`, our `Embedder`
(MiniLM in production, the hashing embedder in fast tests). A TF-IDF baseline (`TfidfKeywords`) uses the same
candidate filtering so the benchmark compares ranking, not filtering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from tools.context import ToolContext
from tools.marketing.stop_words import english_stop_words
from tools.results import ToolInputError, ToolResult

if TYPE_CHECKING:
    from store.embedder import Embedder
    from store.items import CatalogItem

STOP_PHRASES_FILE = Path(__file__).resolve().parent / "data" / "keyword_stop_phrases.yaml"
NGRAM_RANGE = (1, 3)
MAX_TEXT_CHARS = 5000
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # CountVectorizer's default token pattern
_CLAUSE = re.compile(r"[.,;:!?()\[\]\"\n\u2013\u2014]+|\s-+\s")


def stem(word: str) -> str:
    """A tiny English normaliser for matching: lower case, no possessive, plural -s / -es / -ies stripped."""
    w = word.lower().strip("'-")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def content_tokens(phrase: str) -> set[str]:
    """The stemmed non-stop-word tokens of a phrase (what near-duplicate checks and the benchmark compare)."""
    stops = english_stop_words()
    return {stem(t) for t in _WORD.findall(phrase.lower()) if t not in stops and len(t) > 1}


@dataclass(frozen=True, slots=True)
class StopPhrases:
    """Generic words (a phrase containing one is dropped) and whole stop phrases, from a YAML file."""

    generic_words: frozenset[str]
    phrases: frozenset[str]

    @classmethod
    def load(cls, path: Path = STOP_PHRASES_FILE) -> StopPhrases:
        """Read the YAML file; a malformed file raises ValueError naming the file and the key."""
        with path.open(encoding="utf-8") as handle:
            raw = yaml.safe_load(handle) or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected a mapping with generic_words and stop_phrases")
        lists: dict[str, list[str]] = {}
        for key in ("generic_words", "stop_phrases"):
            value = raw.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{path}: {key} must be a list of strings")
            lists[key] = [v.strip().lower() for v in value if v.strip()]
        return cls(frozenset(stem(w) for w in lists["generic_words"]), frozenset(lists["stop_phrases"]))

    def keep(self, phrase: str, banned_tokens: frozenset[str] = frozenset()) -> bool:
        """True when the phrase is worth showing: not a stop phrase, no generic or banned word, not a number."""
        text = phrase.lower().strip()
        if not text or text in self.phrases:
            return False
        tokens = [stem(t) for t in _WORD.findall(text)]
        if not tokens or all(t.isdigit() for t in tokens):
            return False
        return not any(t in self.generic_words or t in banned_tokens for t in tokens)


def dedupe(scored: Iterable[tuple[str, float]], limit: int) -> list[tuple[str, float]]:
    """Keep phrases in order, dropping one whose content tokens overlap a kept phrase's by half or more."""
    kept: list[tuple[str, float, set[str]]] = []
    for phrase, score in scored:
        tokens = content_tokens(phrase)
        if not tokens:
            continue
        if any(len(tokens & other) * 2 >= min(len(tokens), len(other)) for _, _, other in kept):
            continue
        kept.append((phrase, score, tokens))
        if len(kept) >= limit:
            break
    return [(p, s) for p, s, _ in kept]


def candidates(text: str, stops: StopPhrases, banned_tokens: frozenset[str] = frozenset()) -> list[str]:
    """Candidate phrases: 1-3-word runs of non-stop-words inside one clause (no n-gram spans a comma or a
    stop word, unlike KeyBERT's default CountVectorizer), filtered by the stop phrases. Order of first use."""
    found: dict[str, None] = {}
    stop_words = english_stop_words()
    for clause in _CLAUSE.split(text.lower()):
        run: list[str] = []
        for token in [*_TOKEN.findall(clause), ""]:
            if token and token not in stop_words:
                run.append(token)
                continue
            for size in range(NGRAM_RANGE[0], NGRAM_RANGE[1] + 1):
                for start in range(len(run) - size + 1):
                    found.setdefault(" ".join(run[start : start + size]))
            run = []
    return [p for p in found if stops.keep(p, banned_tokens)]


def item_text(item: CatalogItem) -> str:
    """The text keywords are extracted from for an item: overview, tagline and user tags."""
    parts = [item.overview.strip(), item.tagline.strip()]
    if item.tags:
        parts.append(", ".join(item.tags[:20]))
    return "\n".join(p for p in parts if p)


def title_tokens(item: CatalogItem) -> frozenset[str]:
    """Stemmed content words of the title: phrases containing them are dropped (they name, not describe)."""
    return frozenset(content_tokens(item.title))


class PhraseVectors:
    """Our Embedder with a bounded cache of phrase vectors (phrases repeat a lot): what KeyBERT embeds with."""

    def __init__(self, embedder: Embedder, cache_size: int = 50_000) -> None:
        self._embedder = embedder
        self._cache: dict[str, np.ndarray] = {}
        self._cache_size = cache_size

    def embed(self, documents: Sequence[str], verbose: bool = False) -> np.ndarray:
        documents = [str(d) for d in documents]
        missing = [d for d in dict.fromkeys(documents) if d not in self._cache]
        if missing:
            vectors = self._embedder.embed(missing, batch_size=128)
            if len(self._cache) + len(missing) > self._cache_size:
                self._cache.clear()
            self._cache.update(zip(missing, vectors, strict=True))
        if not documents:
            return np.zeros((0, self._embedder.dim), dtype=np.float32)
        return np.stack([self._cache[d] for d in documents])


class KeywordExtractor:
    """KeyBERT (MMR, 1-3-grams) over our embedder, built once; filters stop phrases and near-duplicates."""

    def __init__(self, embedder: Embedder, stops: StopPhrases | None = None, diversity: float = 0.5) -> None:
        # KeyBERT pulls in torch and transformers: imported when an extractor is first built, not with the tool
        from keybert import KeyBERT
        from keybert.backend import BaseEmbedder

        vectors = PhraseVectors(embedder)

        class EmbedderBackend(BaseEmbedder):
            """KeyBERT's backend interface over PhraseVectors (KeyBERT never loads a model by name)."""

            def embed(self, documents: Sequence[str], verbose: bool = False) -> np.ndarray:
                return vectors.embed(documents, verbose)

        self.backend = EmbedderBackend()
        self.keybert = KeyBERT(model=self.backend)
        self.stops = stops or StopPhrases.load()
        self.diversity = diversity

    def extract(
        self, text: str, top_n: int = 10, banned_tokens: frozenset[str] = frozenset()
    ) -> list[tuple[str, float]]:
        """The top_n keyphrases of text with their cosine similarity to the text, best (MMR order) first.

        Args:
            text: the document.
            top_n: how many phrases to return at most.
            banned_tokens: stemmed words that must not appear in a phrase (e.g. the item's title words).
        """
        pool = candidates(text, self.stops, banned_tokens)
        if not pool:
            return []
        raw: Any = self.keybert.extract_keywords(
            text,
            candidates=pool,
            keyphrase_ngram_range=NGRAM_RANGE,  # must match the candidates' n-gram sizes
            stop_words="english",
            top_n=min(len(pool), top_n * 3),
            use_mmr=True,
            diversity=self.diversity,
        )
        return [(p, round(float(s), 4)) for p, s in dedupe(raw, top_n)]

    def extract_many(
        self, texts: Sequence[str], top_n: int = 10, banned: Sequence[frozenset[str]] | None = None
    ) -> list[list[tuple[str, float]]]:
        """Keyphrases of many texts; all candidate phrases and texts are embedded in a few big batches first.

        Args:
            texts: the documents.
            top_n: how many phrases per document.
            banned: per document, stemmed words that must not appear in its phrases.
        """
        bans = list(banned) if banned is not None else [frozenset()] * len(texts)
        pool = {p for text, ban in zip(texts, bans, strict=True) for p in candidates(text, self.stops, ban)}
        self.backend.embed([*sorted(pool), *texts])
        return [self.extract(text, top_n, ban) for text, ban in zip(texts, bans, strict=True)]

    def for_item(self, item: CatalogItem, top_n: int = 10) -> list[tuple[str, float]]:
        """Keyphrases of an item's overview + tagline + tags, without its title words."""
        return self.extract(item_text(item), top_n, title_tokens(item))


class TfidfKeywords:
    """Baseline: the highest TF-IDF 1-3-grams of a text, IDF fitted on a corpus (all overviews)."""

    def __init__(self, corpus: Sequence[str], stops: StopPhrases | None = None) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer  # scikit-learn loads with the baseline only

        self.stops = stops or StopPhrases.load()
        self.vectorizer = TfidfVectorizer(ngram_range=NGRAM_RANGE, stop_words="english", sublinear_tf=True)
        self.vectorizer.fit(list(corpus))

    def extract(
        self, text: str, top_n: int = 10, banned_tokens: frozenset[str] = frozenset()
    ) -> list[tuple[str, float]]:
        """The top_n phrases of text by TF-IDF weight, same filtering and de-duplication as KeyBERT.

        Args:
            text: the document.
            top_n: how many phrases to return at most.
            banned_tokens: stemmed words that must not appear in a phrase.
        """
        row = self.vectorizer.transform([text]).tocsr()
        index = self.vectorizer.vocabulary_
        scored = [(p, float(row[0, index[p]])) for p in candidates(text, self.stops, banned_tokens) if p in index]
        scored.sort(key=lambda pair: -pair[1])
        return dedupe(((p, round(s, 4)) for p, s in scored), top_n)


def extract_keywords(ctx: ToolContext, text: str | None = None, item: str | None = None, top_n: int = 10) -> ToolResult:
    """Extract the keyphrases of a free text or of a catalog item (its overview, tagline and tags).

    Args:
        text: a free text to analyse (give either text or item).
        item: a catalog item id or title (give either text or item).
        top_n: how many keyphrases to return (1-30).
    """
    if (text is None) == (item is None):
        raise ToolInputError("give either text or item, not both and not neither")
    if not 1 <= top_n <= 30:
        raise ToolInputError(f"top_n must be between 1 and 30, got {top_n}")
    extractor = KeywordExtractor(ctx.embedder)
    if text is not None:
        if not text.strip():
            raise ToolInputError("text is empty")
        if len(text) > MAX_TEXT_CHARS:
            raise ToolInputError(f"text is too long ({len(text)} characters; the limit is {MAX_TEXT_CHARS})")
        phrases = extractor.extract(text, top_n)
        source, item_id, subject = "text", None, "the text"
    else:
        found = ctx.titles.resolve(str(item))
        phrases = extractor.for_item(found, top_n)
        source, item_id, subject = "item", found.item_id, found.label
    keywords = [{"phrase": p, "score": s} for p, s in phrases]
    summary = f"{len(keywords)} keyphrases for {subject}: " + ", ".join(p for p, _ in phrases[:5])
    return ToolResult(summary=summary, data={"keywords": keywords, "source": source, "item_id": item_id})
