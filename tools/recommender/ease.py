"""EASE^R (Steck 2019): a closed-form item-item model. B = I - P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹, diag(B)=0.

A user's score for item i is Σ_j x_j·B[j, i] over the items j in their history, so the contribution of each
history item to a recommendation is exact.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack

WEIGHTS_FILE = "ease_weights.npy"
META_FILE = "ease_meta.json"


class ModelNotTrained(RuntimeError):
    """No EASE weights on disk yet."""


def positive_interactions(
    users: np.ndarray, items: np.ndarray, signals: np.ndarray, ratings: np.ndarray, min_rating: float = 3.5
) -> tuple[np.ndarray, np.ndarray]:
    """Implicit positives: explicit likes and ratings of at least `min_rating` (dislikes never count)."""
    keep = (signals == "like") | ((signals == "rating") & (ratings >= min_rating))
    return users[keep], items[keep]


def interaction_matrix(
    users: np.ndarray, items: np.ndarray, item_index: dict[str, int], values: np.ndarray | None = None
) -> tuple[sp.csr_matrix, list[str]]:
    """User × item matrix over the given item index (unknown items are dropped): binary, or with `values`
    (one per unique user-item pair, e.g. the event weights' preference strengths) as the entries."""
    user_ids = sorted(set(users.tolist()))
    user_index = {u: n for n, u in enumerate(user_ids)}
    rows, cols, data = [], [], []
    weights = values.tolist() if values is not None else [1.0] * len(users)
    for user, item, weight in zip(users.tolist(), items.tolist(), weights, strict=True):
        col = item_index.get(item)
        if col is not None:
            rows.append(user_index[user])
            cols.append(col)
            data.append(weight)
    shape = (len(user_ids), len(item_index))
    matrix = sp.csr_matrix((np.array(data, dtype=np.float32), (rows, cols)), shape=shape, dtype=np.float32)
    if values is None:
        matrix.data[:] = 1.0  # duplicates collapse to 1
    return matrix, user_ids


def fit_ease(x: sp.csr_matrix, lam: float) -> np.ndarray:
    """The EASE^R weight matrix for interaction matrix x (users × items), float32.

    P = (XᵀX + λI)⁻¹ via a Cholesky factorisation (the matrix is symmetric positive definite): about half
    the work of a general inverse. B = I - P·diag(1/diag(P)), i.e. B[j, i] = -P[j, i] / P[i, i], diag(B) = 0.
    """
    gram = np.asarray((x.T @ x).toarray(), dtype=np.float32)
    gram[np.diag_indices_from(gram)] += np.float32(lam)
    factor, info = lapack.spotrf(gram, lower=False, overwrite_a=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE Gram matrix is not positive definite (lapack info {info})")
    p, info = lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE inverse failed (lapack info {info})")
    p = np.triu(p) + np.triu(p, 1).T
    b = p / (-np.diag(p))
    b[np.diag_indices_from(b)] = 0.0
    return np.asarray(b, dtype=np.float32)


@dataclass
class EaseModel:
    """EASE weights over a subset of the catalog (items with at least one positive interaction)."""

    item_ids: list[str]
    weights: np.ndarray  # (n_items, n_items), row j = how history item j votes for every item
    lam: float
    fingerprint: str

    def __post_init__(self) -> None:
        self.index = {item_id: n for n, item_id in enumerate(self.item_ids)}

    @classmethod
    def train(
        cls,
        users: np.ndarray,
        items: np.ndarray,
        candidate_ids: list[str],
        lam: float,
        fingerprint: str,
        values: np.ndarray | None = None,
    ) -> EaseModel:
        """Fit on positive interactions: binary, or weighted by `values` (see interaction_matrix)."""
        present = set(items.tolist())
        item_ids = [i for i in candidate_ids if i in present]
        matrix, _ = interaction_matrix(users, items, {item: n for n, item in enumerate(item_ids)}, values)
        return cls(item_ids, fit_ease(matrix, lam), lam, fingerprint)

    def contributions(self, history: dict[str, float]) -> tuple[list[str], np.ndarray]:
        """(history item ids in the model, matrix rows × all model items of weighted contributions)."""
        known = [item for item in history if item in self.index]
        if not known:
            return [], np.zeros((0, len(self.item_ids)), dtype=np.float32)
        rows = np.asarray(self.weights[[self.index[i] for i in known]], dtype=np.float32)
        weights = np.array([history[i] for i in known], dtype=np.float32)[:, None]
        return known, rows * weights

    def save(self, folder: Path) -> None:
        """Write weights and metadata atomically (temp files, then rename)."""
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".npy", delete=False) as handle:
            np.save(handle, self.weights.astype(np.float16))
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, folder / WEIGHTS_FILE)
        meta = {"item_ids": self.item_ids, "lam": self.lam, "fingerprint": self.fingerprint, "saved": time.time()}
        tmp = folder / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, folder / META_FILE)

    @classmethod
    def load(cls, folder: Path) -> EaseModel:
        weights_path, meta_path = folder / WEIGHTS_FILE, folder / META_FILE
        if not weights_path.is_file() or not meta_path.is_file():
            raise ModelNotTrained(
                f"no recommender weights in {folder}: run `concierge build-demo` or `concierge train`"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        weights = np.load(weights_path, mmap_mode="r")
        return cls(list(meta["item_ids"]), weights, float(meta["lam"]), str(meta["fingerprint"]))

    @staticmethod
    def stored_fingerprint(folder: Path) -> str | None:
        try:
            return str(json.loads((folder / META_FILE).read_text(encoding="utf-8"))["fingerprint"])
        except (OSError, ValueError, KeyError):
            return None
