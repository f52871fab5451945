"""An embedder wrapper that serves vectors from a cache keyed by passage text.

Used only by the benchmark to build the ~100k-passage index honestly: the
State Department collection is indexed several times under distinct ids, and
the second and later copies of a passage reuse the vector the real model
computed for the first.  The identity is the wrapped model's, because the
vectors *are* that model's vectors.  Misses (and everything while ``enabled``
is False) go to the real model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class CachingEmbedder:
    def __init__(self, inner, cache: dict[str, np.ndarray] | None = None):
        self.inner = inner
        self.cache: dict[str, np.ndarray] = cache if cache is not None else {}
        self.enabled = True
        self.hits = 0
        self.misses = 0

    # what the indexer reads off an embedder
    name = property(lambda self: self.inner.name)
    fingerprint = property(lambda self: self.inner.fingerprint)
    identity = property(lambda self: self.inner.identity)
    path = property(lambda self: self.inner.path)
    dimension = property(lambda self: self.inner.dimension)
    max_seq_length = property(lambda self: self.inner.max_seq_length)
    batch_size = property(lambda self: self.inner.batch_size)
    model = property(lambda self: self.inner.model)

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    def encode(self, texts, *, show_progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if not self.enabled:
            return self.inner.encode(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        if missing:
            for text, vector in zip(missing, self.inner.encode(missing)):
                self.cache[text] = vector
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self.cache[t] for t in texts]).astype(np.float32, copy=False)

    def encode_with_sentences(self, texts, spans, **kwargs):
        """Passage vectors and each passage's sentence vectors, both from the cache (sentences keyed by
        their text, as the build encodes each sentence on its own); misses go to the real model."""
        texts = list(texts)
        passages = self.encode(texts)
        flat = [text[start:end] for text, pairs in zip(texts, spans) for start, end in pairs]
        matrix = self.encode(flat) if flat else np.zeros((0, self.dimension), dtype=np.float32)
        bounds = np.cumsum([0, *[len(pairs) for pairs in spans]])
        return passages, [matrix[bounds[i] : bounds[i + 1]] for i in range(len(texts))]

    @classmethod
    def from_index(cls, inner, index_dir: Path) -> CachingEmbedder:
        """A cache holding every passage and sentence vector of a built index (text -> vector)."""
        from briefing.index import load_index

        index = load_index(index_dir, embedder=inner)
        rows = [(pid, text) for pid, _, text in index.store.passage_texts()]
        ids, matrix = index.vectors.all_vectors()
        position = {int(i): n for n, i in enumerate(ids)}
        cache = {text: np.array(matrix[position[pid]]) for pid, text in rows}
        passages = index.store.passages(pid for pid, _ in rows)
        stored = index.sentence_vectors(passages.values())
        for passage in passages.values():
            for sentence, vector in zip(passage.sentences, stored[passage.passage_id]):
                text = passage.text[sentence.char_start - passage.char_start : sentence.char_end - passage.char_start]
                cache.setdefault(text, np.array(vector))
        index.close()
        return cls(inner, cache)
