"""Intent scores from sentence embeddings: nearest example utterances per intent (lexicon/intents.yaml)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.agent.router.phrases import LexiconError, load_yaml
from store.embedder import Embedder
from tools.names import Intent

TOP_K = 2
MAX_EMBED_CHARS = 1000


class IntentClassifier:
    """Scores a message against every intent: mean cosine of its TOP_K nearest examples of that intent."""

    def __init__(self, embedder: Embedder, path: Path, adapt: Callable[[str, str], str | None] | None = None) -> None:
        """adapt(intent, example): the example in the catalog's words, or None to leave it out."""
        data = load_yaml(path)
        intents = data.get("intents")
        if not isinstance(intents, dict) or not intents:
            raise LexiconError(f"{path}: expected a mapping 'intents: {{intent: [examples]}}'")
        unknown = sorted(set(intents) - set(Intent))
        if unknown:
            raise LexiconError(f"{path}: unknown intent(s) {unknown}; known: {[str(i) for i in Intent]}")
        texts: list[str] = []
        labels: list[str] = []
        for intent, examples in intents.items():
            if not isinstance(examples, list) or not examples or not all(isinstance(e, str) for e in examples):
                raise LexiconError(f"{path}: intents.{intent} must be a non-empty list of strings")
            kept = [e for e in (adapt(intent, e) if adapt else e for e in examples) if e]
            texts.extend(kept)
            labels.extend([intent] * len(kept))
        self.embedder = embedder
        self.intents: tuple[str, ...] = tuple(intents)
        self._labels = np.array(labels)
        self._matrix = embedder.embed(texts)
        self._rows = {intent: np.flatnonzero(self._labels == intent) for intent in self.intents}

    def embed(self, text: str) -> np.ndarray:
        """The message vector (the only model call of a route)."""
        return self.embedder.embed([text[:MAX_EMBED_CHARS]])[0]

    def scores(self, vector: np.ndarray) -> dict[str, float]:
        """Intent -> similarity in [-1, 1]."""
        sims = self._matrix @ vector
        out: dict[str, float] = {}
        for intent, rows in self._rows.items():
            top = np.sort(sims[rows])[-TOP_K:]
            out[intent] = float(top.mean())
        return out
