"""Loading a built index for querying: manifest check, SQLite store, FAISS vectors, model."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import IndexMismatchError, IndexMissingError
from ..records import IndexManifest, Passage
from . import vectors
from .embedder import Embedder, backend_of, model_fingerprint
from .manifest import FAISS_NAME, SQLITE_NAME, read_manifest
from .store import Store


class Index:
    """A loaded, read-only index generation and the model that queries it."""

    def __init__(self, index_dir: Path, manifest: IndexManifest, embedder: Embedder):
        self.dir = index_dir
        self.manifest = manifest
        self.embedder = embedder
        folder = index_dir / manifest.generation
        self.store = Store(folder / SQLITE_NAME, read_only=True)
        self.vectors = vectors.load(folder / FAISS_NAME)
        self._search_lock = threading.Lock()

    def encode_query(self, text: str) -> np.ndarray:
        return self.embedder.encode([text])[0]

    def sentence_vectors(self, passages: Iterable[Passage]) -> dict[int, np.ndarray]:
        """passage_id -> float32 array (n_sentences x dimension), rows in ``passage.sentences``
        order and L2-normalised: the vectors stored at index time (float16 on disk).

        A passage whose stored rows are missing or do not match its sentences is
        encoded here, one sentence at a time (a fallback; a schema-3 build stores all).
        """
        passages = list(passages)
        stored = self.store.sentence_vectors((p.passage_id for p in passages), self.vectors.d)
        out: dict[int, np.ndarray] = {}
        missing: list[Passage] = []
        for passage in passages:
            matrix = stored.get(passage.passage_id)
            if matrix is None or len(matrix) != len(passage.sentences):
                missing.append(passage)
                continue
            matrix = matrix.astype(np.float32)
            matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            out[passage.passage_id] = matrix
        if missing:
            texts = [
                p.text[s.char_start - p.char_start : s.char_end - p.char_start] for p in missing for s in p.sentences
            ]
            encoded = self.embedder.encode(texts)
            row = 0
            for passage in missing:
                out[passage.passage_id] = encoded[row : row + len(passage.sentences)]
                row += len(passage.sentences)
        return out

    def dense_search(self, query_vector: np.ndarray, k: int, allowed: list[int] | None = None):
        """(passage_id, cosine) pairs, best first."""
        return vectors.search(self.vectors, query_vector, k, allowed)

    def status(self) -> dict:
        """Documents, passages, model and last build, for the UI and ``briefing status``."""
        return {
            "documents": self.manifest.documents,
            "passages": self.manifest.passages,
            "model": self.manifest.model_name,
            "built_at": self.manifest.built_at,
            "generation": self.manifest.generation,
        }

    def close(self) -> None:
        self.store.close()


def load_index(
    index_dir: Path | str = "index", *, model_path: str | Path | None = None, embedder: Embedder | None = None
) -> Index:
    """Open the index in ``index_dir`` with the model it was built with.

    Raises IndexMissingError when there is no index yet and IndexMismatchError
    when it was built with another schema or model than ``model_path``.
    """
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexMissingError(f"no index in {index_dir}; build one with `briefing index --index {index_dir}`")
    if embedder is None:
        path = Path(model_path) if model_path else Path(manifest.model_path)
        if not path.exists():
            raise IndexMismatchError(
                f"the index was built with the model at {manifest.model_path}, which no longer exists; "
                f"pass --model PATH to that model or rebuild with `briefing index --full`"
            )
        if model_path and model_fingerprint(path) != manifest.model_name.rsplit("@", 1)[-1]:
            raise IndexMismatchError(
                f"the index was built with {manifest.model_name}, not the model at {path}; "
                f"rebuild it with `briefing index --full --model {path}` or drop --model"
            )
        embedder = Embedder(path, backend=backend_of(manifest.model_name))
    if embedder.identity != manifest.model_name:
        raise IndexMismatchError(
            f"the index was built with {manifest.model_name} but the model is {embedder.identity}; "
            f"rebuild with `briefing index --full` or use the same model"
        )
    if not (index_dir / manifest.generation).is_dir():
        # A build switched generations and removed this one since the manifest was read: read it again.
        latest = read_manifest(index_dir)
        if latest is not None and latest.model_name == manifest.model_name:
            manifest = latest
    return Index(index_dir, manifest, embedder)
