"""Constrained decoding for llama.cpp: the model may only write words of a given vocabulary.

One llama.cpp logits processor, built per call from the job's words, in two layers:
- a token mask: only tokens that are part of one of the words (or punctuation, or the end of the turn) may be
  chosen (cheap, but sub-word pieces alone could still recombine into a new word: "Forthgown");
- a word check on top: of the best `top_k` tokens that pass the mask, only those that keep the text on whole
  allowed words (the letters since the last separator are a prefix of an allowed word, a finished word is an
  allowed word) keep their score. When none of them does, the token mask alone decides that step.
Token ids and texts are cached once per model (`TokenTable`), so building a constraint costs about a millisecond.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from typing import Any

import numpy as np

# Tokens every masked answer may use: punctuation between words and the end of the turn.
ALWAYS = (".", ",", ":", ";", "!", "?", "'s", "-", " -", "'", " (", ")", " &")
SEPARATORS = frozenset(' .,:;!?-()&"')  # characters between words (a word is letters, digits and apostrophes)
END_OF_TURN = "<|im_end|>"
WORD_CACHE_LIMIT = 200_000


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "'’"


class TokenTable:
    """The token ids of words and the text of every token, for one model's vocabulary (thread-safe)."""

    def __init__(self, engine: Any) -> None:
        self.n_vocab = int(engine.n_vocab())
        self._engine = engine
        self._ids: dict[str, tuple[int, ...]] = {}
        self._lock = threading.Lock()
        self.end_ids = frozenset(
            {int(engine.token_eos()), *engine.tokenize(END_OF_TURN.encode(), add_bos=False, special=True)}
        )
        texts: list[str] = []
        for token in range(self.n_vocab):
            piece = engine.detokenize([token], special=False) if token not in self.end_ids else b""
            texts.append(piece.decode("utf-8", errors="replace"))
        self.texts = texts

    def ids(self, text: str) -> tuple[int, ...]:
        """The token ids `text` is spelled with (cached)."""
        found = self._ids.get(text)
        if found is None:
            found = tuple(self._engine.tokenize(text.encode("utf-8"), add_bos=False, special=False))
            with self._lock:
                if len(self._ids) >= WORD_CACHE_LIMIT:
                    self._ids.clear()
                self._ids[text] = found
        return found

    def allowed_ids(self, words: Iterable[str]) -> set[int]:
        allowed = set(self.end_ids)
        for text in (*ALWAYS, *words):
            allowed.update(self.ids(text))
            allowed.update(self.ids(" " + text))
        return allowed


class WordConstraint:
    """Word-level check over the token mask (see the module docstring). One instance serves one generation."""

    def __init__(self, table: TokenTable, words: Collection[str], *, top_k: int = 40, prefix: str = "") -> None:
        self.table = table
        self.prefix = prefix  # the reply's given start (its last word may still go on)
        self.words = frozenset(words)
        self.prefixes = frozenset(word[:end] for word in self.words for end in range(1, len(word) + 1))
        self.allowed = np.fromiter(sorted(table.allowed_ids(self.words)), dtype=np.intp)
        self.top_k = min(top_k, len(self.allowed))
        self._out = np.full(table.n_vocab, -np.inf, dtype=np.float32)
        self._written: Any = self.allowed
        self._prompt_tokens: int | None = None
        self.fallback_steps = 0

    def _partial_word(self, input_ids: Any) -> str:
        if self._prompt_tokens is None:
            self._prompt_tokens = len(input_ids)
        text = self.prefix + "".join(self.table.texts[int(t)] for t in input_ids[self._prompt_tokens :])
        end = len(text)
        while end > 0 and _is_word_char(text[end - 1]):
            end -= 1
        return text[end:]

    def _keeps_words(self, partial: str, token: int) -> bool:
        if token in self.table.end_ids:
            return not partial or partial in self.words
        piece = self.table.texts[token]
        if not piece:
            return False
        word = partial
        for char in piece:
            if _is_word_char(char):
                word += char
                if word not in self.prefixes:
                    return False
            elif char in SEPARATORS:
                if word and word not in self.words:
                    return False
                word = ""
            else:
                return False
        return True

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        """The scores with every token but the kept ones at -inf (works on the allowed ids only: cheap)."""
        allowed_scores = np.asarray(scores[self.allowed], dtype=np.float32)
        partial = self._partial_word(input_ids)
        best = np.argpartition(allowed_scores, -self.top_k)[-self.top_k :]
        keep = [int(self.allowed[i]) for i in best if self._keeps_words(partial, int(self.allowed[i]))]
        self._out[self._written] = -np.inf
        if keep:
            self._written = np.array(keep, dtype=np.intp)
        else:
            self.fallback_steps += 1
            self._written = self.allowed
        self._out[self._written] = scores[self._written]
        return self._out
