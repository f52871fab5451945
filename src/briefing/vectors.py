"""The FAISS vector index: explicit int64 ids, inner product on normalised vectors.

Below ``EXACT_LIMIT`` vectors the index is exact (``IndexIDMap2`` over
``IndexFlatIP``).  Above it, searches go through an IVF index built from the
exact one (see :func:`approximate_from`), kept beside it in the generation.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


def new_index(dimension: int) -> faiss.Index:
    """An empty exact index that takes explicit ids and supports removal."""
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def add(index: faiss.Index, ids: list[int], vectors: np.ndarray) -> None:
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))


def remove(index: faiss.Index, ids: list[int]) -> int:
    if not ids:
        return 0
    return int(index.remove_ids(np.asarray(ids, dtype=np.int64)))


def save(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))


def search(
    index: faiss.Index, query: np.ndarray, k: int, allowed: list[int] | None = None
) -> list[tuple[int, float]]:
    """(id, score) of the ``k`` nearest vectors, optionally only among ``allowed`` ids."""
    if index.ntotal == 0 or k <= 0:
        return []
    query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    params = None
    if allowed is not None:
        if not allowed:
            return []
        selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
        params = faiss.SearchParameters(sel=selector)
    scores, ids = index.search(query, min(k, index.ntotal), params=params)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
