"""Passage retrieval: dense (FAISS), lexical (SQLite FTS5 BM25) and their fusion.

Hybrid fusion is a min-max normalised weighted sum over the union of both
candidate lists; every candidate gets its exact dense cosine (vectors are
reconstructed by id), so the fusion never guesses a missing score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..index.load import Index
from ..records import Hit
from .params import DEFAULT_PARAMS

# Weight of the dense score in the hybrid sum; chosen on SciFact train (see README).
DEFAULT_DENSE_WEIGHT = DEFAULT_PARAMS.dense_weight
CANDIDATES = DEFAULT_PARAMS.candidates


@dataclass(frozen=True)
class Filters:
    """Date range (inclusive, ``YYYY-MM-DD``) and source substring."""

    since: str | None = None
    until: str | None = None
    source: str | None = None

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.source)

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("since", self.since), ("until", self.until), ("source", self.source)) if v}


@dataclass(frozen=True)
class ScoredHit(Hit):
    """A hit with both component scores: ``dense`` is the cosine, ``lexical`` the raw BM25."""

    dense: float = 0.0
    lexical: float = 0.0


def minmax(values: dict[int, float]) -> dict[int, float]:
    """Scores rescaled to [0, 1] (all 1.0 when they are equal); {} for no scores."""
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    if high - low < 1e-12:
        return {key: 1.0 for key in values}
    return {key: (value - low) / (high - low) for key, value in values.items()}


def fuse(dense: dict, lexical: dict, dense_weight: float = DEFAULT_DENSE_WEIGHT) -> dict:
    """Hybrid score of every id in ``dense`` or ``lexical``: min-max normalised weighted sum.

    ``dense`` should hold a score for every id of the union (missing ids count as
    the lowest); an id missing from ``lexical`` gets 0 for its lexical part.
    """
    union = set(dense) | set(lexical)
    dense_norm = minmax({key: dense[key] for key in union if key in dense})
    lexical_norm = minmax(lexical)
    return {
        key: dense_weight * dense_norm.get(key, 0.0) + (1 - dense_weight) * lexical_norm.get(key, 0.0) for key in union
    }


def retrieve(
    index: Index,
    question: str,
    *,
    k: int = 20,
    filters: Filters | None = None,
    mode: str = "hybrid",
    dense_weight: float = DEFAULT_DENSE_WEIGHT,
    candidates: int = CANDIDATES,
    query_vector: np.ndarray | None = None,
) -> list[ScoredHit]:
    """The ``k`` best passages for ``question``; ``mode`` is ``dense``, ``lexical`` or ``hybrid``."""
    if mode not in {"dense", "lexical", "hybrid"}:
        raise UsageError("mode must be 'dense', 'lexical' or 'hybrid'.")
    allowed = index.allowed_passages(**filters.to_dict()) if filters else None
    if allowed is not None and len(allowed) == 0:
        return []
    if query_vector is None:
        query_vector = index.encode_query(question)
    pool = max(k, candidates)
    dense = dict(index.dense_search(query_vector, pool, allowed)) if mode != "lexical" else {}
    lexical: dict[int, float] = {}
    if mode != "dense":
        lexical = dict(index.lexical_search(question, pool, **(filters.to_dict() if filters else {})))
    union = set(dense) | set(lexical)
    missing = [pid for pid in union if pid not in dense]
    if missing:
        reconstructed = np.vstack([index.vectors.reconstruct(int(pid)) for pid in missing])
        for pid, score in zip(missing, reconstructed @ query_vector):
            dense[pid] = float(score)
    if mode == "dense":
        fused = dict(dense)
    elif mode == "lexical":
        fused = dict(lexical)
    else:
        fused = fuse(dense, lexical, dense_weight)
    ranked = sorted(fused.items(), key=lambda item: -item[1])[:k]
    passages = index.store.passages(pid for pid, _ in ranked)
    return [
        ScoredHit(
            passage_id=pid,
            doc_id=passages[pid].doc_id,
            score=score,
            rank=rank,
            dense=dense.get(pid, 0.0),
            lexical=lexical.get(pid, 0.0),
        )
        for rank, (pid, score) in enumerate(ranked, start=1)
        if pid in passages
    ]
