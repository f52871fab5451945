"""The FAISS vectors: explicit int64 ids, inner product on L2-normalised vectors.

The exact index (``IndexIDMap2`` over ``IndexFlatIP``) is the source of truth:
every vector lives there, ``reconstruct`` reads from it and filtered searches
scan it.  From ``EXACT_LIMIT`` vectors up, :func:`save` also keeps an
approximate index beside it (an IVF with 8-bit scalar-quantised vectors,
``IndexIVFScalarQuantizer``: inner product, spherical k-means, ``sqrt(n)`` lists,
a sixth of them probed) and unfiltered searches go through that one: at 100k
passages a flat scan reads 150 MB per query (9 ms on one thread), the IVF about a
sixth of it at a quarter of the bytes.  Its candidates are re-scored exactly from
the exact index, so every score returned is the true cosine; the quantisation only
decides which candidates are looked at.  At 1M passages the IVF holds 384 MB where
an ``IndexIVFFlat`` copy would hold 1.5 GB.

The IVF takes the same explicit ids, so an incremental build applies the same
``remove_ids`` / ``add_with_ids`` to both; it is retrained only when the
collection has grown or shrunk about fourfold since its lists were trained.
Its file is ``<name>.ivf.faiss`` next to the exact one, in the same generation
folder, so the manifest-last rule covers both.

Example::

    index = new_index(384)
    add(index, [7, 8], matrix)          # float32, shape (2, 384)
    save(index, folder / "vectors.faiss")
    search(load(folder / "vectors.faiss"), query, k=10)   # [(id, cosine), ...]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

# Below this many vectors a flat scan is fast enough (about 1-1.5 ms at 20k,
# one thread, k=100) and exact; from here on the IVF is built and searched.  See
# docs/benchmarks.md for the measurements behind it.
EXACT_LIMIT = 50_000
# Lists probed per query, as a share of the lists (with a floor).  Measured on
# the State Dept collection copied to 100k passages (IVF316): nprobe 20 gave
# recall@10 0.972, 48 gave 0.984, 64 gave 0.990 (docs/benchmarks.md); 1/6 of
# the lists (53 at 100k) costs under 1 ms a query.
NPROBE_SHARE = 1 / 6
MIN_NPROBE = 32
# k-means samples at most this many training points per list (faiss default 256).
TRAIN_POINTS_PER_LIST = 64
APPROXIMATE_SUFFIX = ".ivf.faiss"
# The IVF is asked for this many times the candidates wanted (at least RESCORE_MIN), which
# are then re-scored exactly: the 8-bit codes may swap near neighbours, the exact scores do not.
RESCORE_FACTOR = 2
RESCORE_MIN = 50


def lists_for(count: int) -> int:
    """Number of IVF lists for ``count`` vectors: about sqrt(count), at least 64."""
    return max(64, int(round(math.sqrt(max(count, 1)))))


def nprobe_for(nlist: int) -> int:
    """Lists probed per query for an IVF of ``nlist`` lists."""
    return min(nlist, max(MIN_NPROBE, int(math.ceil(nlist * NPROBE_SHARE))))


class VectorIndex:
    """The exact vectors plus, above ``EXACT_LIMIT``, an IVF over the same ids.

    Quacks like the faiss index it wraps for what callers use: ``ntotal``,
    ``d``, ``reconstruct(id)`` (raises RuntimeError for an unknown id),
    ``add_with_ids`` and ``remove_ids``.
    """

    def __init__(self, exact: faiss.Index, approximate: faiss.Index | None = None):
        self.exact = exact
        self.approximate = approximate

    @property
    def ntotal(self) -> int:
        return int(self.exact.ntotal)

    @property
    def d(self) -> int:
        return int(self.exact.d)

    @property
    def kind(self) -> str:
        """``flat``, ``ivf<lists>-sq8`` (or ``ivf<lists>-flat``): what the manifest records as ``faiss_type``."""
        if self.approximate is None:
            return "flat"
        ivf = faiss.extract_index_ivf(self.approximate)
        coding = "flat" if ivf.code_size == 4 * ivf.d else "sq8"
        return f"ivf{ivf.nlist}-{coding}"

    def reconstruct(self, vector_id: int) -> np.ndarray:
        return self.exact.reconstruct(int(vector_id))

    def add_with_ids(self, matrix: np.ndarray, ids: np.ndarray) -> None:
        self.exact.add_with_ids(matrix, ids)
        if self.approximate is not None:
            self.approximate.add_with_ids(matrix, ids)

    def remove_ids(self, ids: np.ndarray) -> int:
        removed = int(self.exact.remove_ids(ids))
        if self.approximate is not None:
            self.approximate.remove_ids(ids)
        return removed

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, matrix) of every stored vector, as views on the exact index where possible."""
        flat = faiss.downcast_index(self.exact.index)
        count = self.ntotal
        matrix = faiss.rev_swig_ptr(flat.get_xb(), count * self.d).reshape(count, self.d)
        ids = faiss.vector_to_array(self.exact.id_map)
        return ids, matrix

    def refresh_approximate(self) -> None:
        """Build, keep or drop the IVF so it matches the collection's size."""
        count = self.ntotal
        if count < EXACT_LIMIT:
            self.approximate = None
            return
        wanted = lists_for(count)
        if self.approximate is not None:
            current = faiss.extract_index_ivf(self.approximate).nlist
            if current / 2 <= wanted <= current * 2 and self.approximate.ntotal == count:
                return
        self.approximate = build_approximate(self)


def build_approximate(index: VectorIndex, nlist: int | None = None, *, coding: str = "sq8") -> faiss.Index:
    """A trained IVF holding all of ``index``'s vectors under the same ids: 8-bit scalar
    quantised (``coding="sq8"``, the default) or full float32 (``"flat"``)."""
    ids, matrix = index.all_vectors()
    nlist = nlist or lists_for(len(ids))
    quantizer = faiss.IndexFlatIP(index.d)
    if coding == "sq8":
        ivf = faiss.IndexIVFScalarQuantizer(
            quantizer, index.d, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
    else:
        ivf = faiss.IndexIVFFlat(quantizer, index.d, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.spherical = True
    ivf.cp.max_points_per_centroid = TRAIN_POINTS_PER_LIST
    ivf.cp.seed = 1234
    ivf.train(np.ascontiguousarray(matrix))
    ivf.add_with_ids(np.ascontiguousarray(matrix), ids)
    ivf.nprobe = nprobe_for(nlist)
    return ivf


def new_index(dimension: int) -> VectorIndex:
    """An empty exact index that takes explicit ids and supports removal."""
    return VectorIndex(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))


def add(index: VectorIndex, ids: list[int], vectors: np.ndarray) -> None:
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))


def remove(index: VectorIndex, ids: list[int]) -> int:
    """Remove vectors by id; returns how many the exact index held."""
    if not ids:
        return 0
    return index.remove_ids(np.asarray(ids, dtype=np.int64))


def approximate_path(path: Path) -> Path:
    """Where the IVF of the exact index at ``path`` is kept (``vectors.faiss`` -> ``vectors.ivf.faiss``)."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".faiss") + APPROXIMATE_SUFFIX)


def save(index: VectorIndex, path: Path) -> None:
    """Write the exact index to ``path`` and, above ``EXACT_LIMIT``, the IVF beside it.

    The IVF is trained here when missing or no longer the right size, so a build
    pays for training once, at the end.
    """
    index.refresh_approximate()
    faiss.write_index(index.exact, str(path))
    extra = approximate_path(path)
    if index.approximate is not None:
        faiss.write_index(index.approximate, str(extra))
    elif extra.exists():
        extra.unlink()


def load(path: Path) -> VectorIndex:
    """The index saved at ``path``, with its IVF when one was saved beside it."""
    exact = faiss.read_index(str(path))
    extra = approximate_path(path)
    approximate = faiss.read_index(str(extra)) if extra.exists() else None
    if approximate is not None and approximate.ntotal != exact.ntotal:
        approximate = None  # not from the same build: search exactly rather than miss vectors
    if approximate is not None:  # the current setting wins over the one saved with the file
        approximate.nprobe = nprobe_for(faiss.extract_index_ivf(approximate).nlist)
    return VectorIndex(exact, approximate)


def kind(index: VectorIndex) -> str:
    """``flat`` or ``ivf<lists>-flat`` (the manifest's ``faiss_type``)."""
    return index.kind if isinstance(index, VectorIndex) else "flat"


def search(
    index: VectorIndex | faiss.Index,
    query: np.ndarray,
    k: int,
    allowed: Sequence[int] | np.ndarray | None = None,
    *,
    exact: bool = False,
) -> list[tuple[int, float]]:
    """(id, score) of the ``k`` nearest vectors, optionally only among ``allowed`` ids.

    Unfiltered searches use the IVF when there is one; filtered searches (and
    ``exact=True``) scan the exact index, so a narrow filter never loses hits
    that sit in lists the IVF did not probe.
    """
    if index.ntotal == 0 or k <= 0:
        return []
    query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    k = min(k, index.ntotal)
    wrapped = index if isinstance(index, VectorIndex) else VectorIndex(index)
    if allowed is not None:
        if len(allowed) == 0:
            return []
        selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
        scores, ids = wrapped.exact.search(query, k, params=faiss.SearchParameters(sel=selector))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
    if wrapped.approximate is not None and not exact:
        fetch = min(index.ntotal, max(k * RESCORE_FACTOR, RESCORE_MIN))
        _, ids = wrapped.approximate.search(query, fetch)
        found = np.asarray([i for i in ids[0] if i >= 0], dtype=np.int64)
        if len(found) >= k:
            # Exact re-scoring: the true cosines of the candidates, from the exact index.
            scores = wrapped.exact.reconstruct_batch(found) @ query[0]
            order = np.argsort(-scores, kind="stable")[:k]
            return [(int(found[i]), float(scores[i])) for i in order]
    scores, ids = wrapped.exact.search(query, k)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
