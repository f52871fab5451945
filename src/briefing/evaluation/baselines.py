"""Plain sentence-retrieval baselines, answered over the same index as the system.

* ``dense-sentence``: every sentence of the index embedded on its own; the top
  sentences by cosine to the question.  No threshold: it never abstains.
* ``hybrid-sentence``: the min-max normalised weighted sum (``dense_weight``, 0.5 by
  default) of that cosine and a sentence-level BM25 (``bm25s``, English stop words,
  PyStemmer English stemming), both normalised over every sentence of the index;
  the top sentences.  Never abstains.

A sentence is a stored sentence span of a passage (the same spans the system
quotes from; a sentence shared by two overlapping passages counts once), so a
baseline extract is a verbatim ``(doc_id, char_start, char_end)`` span scored by
the same metrics as the system.  Filters are not applied: the baselines always
search the whole index.

Sentence vectors: every sentence is encoded on its own, once, and cached on disk
(``~/.cache/briefing/sentence-vectors/<key>.npy``, keyed by the index folder, its
generation, the model identity and the sentence texts).  The vectors an index
stores (``Index.sentence_vectors(passages)``) are "late chunking" vectors, pooled
from the passage's token embeddings, so they carry the passage's context: a
different baseline from "each sentence embedded alone".  ``SentenceBank(stored=True)``
uses them instead (the report names which vectors a baseline used).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .cache import cache_root

BASELINES = ("dense-sentence", "hybrid-sentence")
BASELINE_DENSE_WEIGHT = 0.5
TOP = 5  # extracts per question, as many as ``answer()`` shows at most


def _stored_vectors(index, passages: list, spans: list[tuple[str, int, int]], log) -> np.ndarray | None:
    """Vectors from the index's stored sentence vectors, or None when it has none (or they do not fit)."""
    method = getattr(index, "sentence_vectors", None)
    if method is None:
        log("the index stores no sentence vectors; encoding sentences")
        return None
    try:
        stored = method(passages)  # passage_id -> (sentences x dimension), rows in passage.sentences order
    except Exception as error:  # noqa: BLE001 - a missing store falls back to encoding
        log(f"stored sentence vectors unavailable ({type(error).__name__}: {error}); encoding sentences")
        return None
    rows: dict[tuple[str, int, int], np.ndarray] = {}
    for passage in passages:
        matrix = stored.get(passage.passage_id)
        if matrix is None or len(matrix) != len(passage.sentences):
            log(f"no stored sentence vectors for passage {passage.passage_id}; encoding sentences")
            return None
        for sentence, vector in zip(passage.sentences, matrix):
            rows.setdefault((passage.doc_id, sentence.char_start, sentence.char_end), vector)
    return np.vstack([rows[key] for key in spans]).astype(np.float32) if spans else None


class SentenceBank:
    """Every sentence of an index, with its vector and a BM25 index over the sentences."""

    def __init__(self, index, *, cache: Path | None = None, stored: bool = False, log: Callable[[str], None] = print):
        started = time.perf_counter()
        self.index = index
        passages_by_id = index.store.passages(index.store.passage_ids())
        passages = [passages_by_id[pid] for pid in sorted(passages_by_id)]
        texts_of: dict[str, str] = {}
        self.spans: list[tuple[str, int, int]] = []
        self.texts: list[str] = []
        seen: set[tuple[str, int, int]] = set()
        for passage in passages:
            if passage.doc_id not in texts_of:
                document = index.store.document(passage.doc_id)
                texts_of[passage.doc_id] = document.text if document else ""
            for sentence in passage.sentences:
                key = (passage.doc_id, sentence.char_start, sentence.char_end)
                text = texts_of[passage.doc_id][sentence.char_start : sentence.char_end]
                if key in seen or not text.strip():
                    continue
                seen.add(key)
                self.spans.append(key)
                self.texts.append(text)
        self.source = "stored (late chunking)"
        vectors = _stored_vectors(index, passages, self.spans, log) if stored else None
        if vectors is None:
            vectors = self._cached_vectors(cache, log)
        self.vectors = vectors
        self._bm25, self._stemmer = self._lexical_index()
        self.seconds = time.perf_counter() - started

    def __len__(self) -> int:
        return len(self.spans)

    def cache_key(self) -> str:
        digest = hashlib.sha256()
        for part in (str(Path(self.index.dir).resolve()), self.index.manifest.generation, self.index.embedder.identity):
            digest.update(part.encode() + b"\0")
        for (doc_id, start, end), text in zip(self.spans, self.texts):
            digest.update(f"{doc_id}\0{start}\0{end}\0".encode() + text.encode() + b"\0")
        return digest.hexdigest()[:24]

    def _cached_vectors(self, cache: Path | None, log) -> np.ndarray:
        folder = Path(cache) if cache else cache_root("sentence-vectors")
        path = folder / f"{self.cache_key()}.npy"
        if path.exists():
            vectors = np.load(path)
            if vectors.shape[0] == len(self.spans):
                self.source = f"each sentence encoded alone (cache {path})"
                return vectors
        log(f"encoding {len(self.texts)} sentences for the baselines (once; cached in {path})")
        vectors = np.asarray(self.index.embedder.encode(self.texts), dtype=np.float32)
        folder.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.stem + ".tmp.npy")
        np.save(temporary, vectors)
        temporary.replace(path)
        self.source = f"each sentence encoded alone (cached in {path})"
        return vectors

    def _lexical_index(self):
        import bm25s
        import Stemmer

        stemmer = Stemmer.Stemmer("english")
        retriever = bm25s.BM25()
        tokens = bm25s.tokenize(self.texts, stopwords="en", stemmer=stemmer, show_progress=False)
        retriever.index(tokens, show_progress=False)
        return retriever, stemmer

    def cosines(self, question_vector: np.ndarray) -> np.ndarray:
        return self.vectors @ np.asarray(question_vector, dtype=np.float32)

    def bm25(self, question: str) -> np.ndarray:
        import bm25s

        tokens = bm25s.tokenize(
            [question], stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False
        )[0]
        if not tokens:
            return np.zeros(len(self.spans), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(list(tokens)), dtype=np.float32)


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.ones_like(values)
    return (values - low) / (high - low)


def baseline_scores(
    bank: SentenceBank,
    name: str,
    question: str,
    question_vector: np.ndarray,
    *,
    dense_weight: float = BASELINE_DENSE_WEIGHT,
) -> np.ndarray:
    """The score of every sentence of ``bank`` under baseline ``name``."""
    cosine = bank.cosines(question_vector)
    if name == "dense-sentence":
        return cosine
    if name == "hybrid-sentence":
        return dense_weight * _minmax(cosine) + (1 - dense_weight) * _minmax(bank.bm25(question))
    raise ValueError(f"unknown baseline {name!r}; expected one of {', '.join(BASELINES)}")


def baseline_extracts(
    bank: SentenceBank,
    name: str,
    question: str,
    question_vector: np.ndarray,
    *,
    top: int = TOP,
    dense_weight: float = BASELINE_DENSE_WEIGHT,
) -> list[dict]:
    """The ``top`` best sentences, best first: doc_id, char_start, char_end, score, text."""
    if not len(bank):
        return []
    scores = baseline_scores(bank, name, question, question_vector, dense_weight=dense_weight)
    count = min(top, len(scores))
    best = np.argpartition(-scores, count - 1)[:count]
    best = sorted(best, key=lambda i: (-float(scores[i]), i))
    return [
        {
            "doc_id": bank.spans[i][0],
            "char_start": bank.spans[i][1],
            "char_end": bank.spans[i][2],
            "score": round(float(scores[i]), 4),
            "text": bank.texts[i],
        }
        for i in best
    ]


def parse_baselines(values: list[str] | None) -> list[str]:
    """``--baseline`` values (repeatable, ``all``) as an ordered list of baseline names."""
    chosen: list[str] = []
    for value in values or []:
        for name in BASELINES if value == "all" else [value]:
            if name not in chosen:
                chosen.append(name)
    return chosen
