"""Loading a built index for querying: manifest check, SQLite store, FAISS vectors, model."""

from __future__ import annotations

import difflib
import math
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import IndexMismatchError, IndexMissingError
from ..records import IndexManifest, Passage
from ..textfold import lexical_terms
from . import periods, vectors
from .embedder import Embedder, backend_of, model_fingerprint
from .manifest import FAISS_NAME, SQLITE_NAME, read_manifest
from .store import Store
from .stores import is_database

# A question word held by more than this share of the passages is left out of the lexical
# query: FTS5 computes bm25() for every passage holding any query word, so a common word
# ("state", "department") costs a long posting list for little weight.  Chosen by
# benchmarks/lexical.py (docs/speed.md): on SciFact, lexical nDCG@10 0.6895 with every word,
# 0.6849 at 0.2 (0.6544 at 0.05, 0.6768 at 0.1); at 13k State Dept passages the query's p50
# falls from 95 to 30 ms (2.3 ms at 0.05), its top 10 keeping 92 % of the full query's.
LEXICAL_MAX_DF_SHARE = 0.2
# ... and never a word held by more than this many passages, so a query's work stays bounded as the
# index grows (the same cut as the share up to 100,000 passages).  At 1M passages (copies of the
# collection) the query's p50 falls from 356 to 37 ms (p95 597 -> 77 ms; docs/benchmarks.md).
LEXICAL_MAX_DF_PASSAGES = 20_000
# Below this many passages every word is kept: the full query is cheap there, and shares of a
# handful of passages say nothing about how common a word is (in a 3-passage index every word
# is in a third of it).
LEXICAL_PRUNE_FROM = 10_000
# ... but when no word is rarer than that, the rarest one is kept, so a question of common
# words still gets a lexical list.
LEXICAL_MIN_TERMS = 1
# Under a filter that allows at least this share of the passages, the lexical query runs unfiltered
# for enough rows (twice the expected need, at most LEXICAL_POSTFILTER_ROWS) and the filter drops
# rows afterwards: bm25() scores do not depend on the filter, so when enough allowed rows remain
# the result is the filtered query's, without FTS5 checking the allowed ids against every match
# (1M passages, a month's filter: 95-210 ms -> 25-60 ms).  Narrower filters, or too few rows left,
# go to SQLite's filtered query.
LEXICAL_POSTFILTER_SHARE = 0.02
LEXICAL_POSTFILTER_ROWS = 5_000
# A name the index does not hold, spelt this close to a word it does, is taken for a typo of it
# (difflib's ratio: "hatmanis" against the stem "hartmani" is 0.875).
CLOSE_WORD_RATIO = 0.85


class IndexQueries:
    """What both stores answer the same way, from their ``store``, ``vectors``, ``manifest`` and
    ``embedder``: typo lookups, document frequencies, the lexical query's words, query and
    sentence vectors, status.  ``Index`` (embedded) and ``PostgresIndex`` add the searches."""

    manifest: IndexManifest
    embedder: Embedder

    def __init__(self) -> None:
        self._frequencies: dict[str, int] = {}  # folded word -> passages holding it; bounded below
        self._dated: bool | None = None
        self._table: periods.PassageTable | None | bool = False  # False: not read yet
        self._masks: dict[tuple, np.ndarray] = {}  # filter -> allowed-passage mask, the last few
        self._table_generation: str | None = None

    def _read_passage_table(self) -> periods.PassageTable | None:
        """Each passage's period and source (:mod:`.periods`), or None when the store has none."""
        raise NotImplementedError

    def filter_mask(
        self, *, since: str | None = None, until: str | None = None, source: str | None = None
    ) -> np.ndarray | None:
        """Boolean mask over passage ids of the passages a filter allows (``periods.allowed``),
        or None when this index has no passage table (built before it existed)."""
        generation = self.manifest.generation  # an index that follows its database moves on to new ones
        if self._table is False or self._table_generation != generation:
            self._table, self._table_generation = self._read_passage_table(), generation
            self._masks.clear()
        if self._table is None:
            return None
        key = (since, until, source)
        mask = self._masks.get(key)
        if mask is None:
            mask = periods.allowed(self._table, self.store, since=since, until=until, source=source)
            if len(self._masks) >= 8:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def allowed_passages(
        self, *, since: str | None = None, until: str | None = None, source: str | None = None
    ) -> np.ndarray:
        """Ids of the passages whose document matches the date range and source filter."""
        mask = self.filter_mask(since=since, until=until, source=source)
        if mask is None:
            return np.asarray(self.store.passage_ids_where(since=since, until=until, source=source), dtype=np.int64)
        return np.flatnonzero(mask)

    @property
    def dated(self) -> bool:
        """Does any document of the index carry a date (read once)?"""
        if self._dated is None:
            self._dated = self.store.has_dated_documents()
        return self._dated

    def has_close_word(self, term: str) -> bool:
        """Does the index hold a word spelt almost like the folded word ``term`` (a typo of a name:
        "Hatmanis" for "Hartmanis")?  Words of the same first letter and about the same length,
        compared by ``difflib`` (ratio at least ``CLOSE_WORD_RATIO``); words under six letters never."""
        if len(term) < 6:
            return False
        candidates = self.store.terms_beginning(term[0], len(term) - 2, len(term) + 2)
        return bool(difflib.get_close_matches(term, candidates, n=1, cutoff=CLOSE_WORD_RATIO))

    def document_frequency(self, term: str) -> int:
        """How many passages hold the folded word ``term`` (stemmed like the FTS5 index), cached."""
        frequency = self._frequencies.get(term)
        if frequency is None:
            frequency = self.store.term_frequency(term)
            if len(self._frequencies) > 50_000:
                self._frequencies.clear()
            self._frequencies[term] = frequency
        return frequency

    def lexical_terms(self, question: str, *, max_df_share: float | None = LEXICAL_MAX_DF_SHARE) -> list[str]:
        """The question's content words that the lexical query uses, in question order: those
        held by at most ``max_df_share`` of the passages and at most ``LEXICAL_MAX_DF_PASSAGES``
        passages, or else the ``LEXICAL_MIN_TERMS`` rarest; words no passage holds are left out
        (they cannot match).  ``None``, or an index of fewer than ``LEXICAL_PRUNE_FROM`` passages,
        keeps every word."""
        terms = lexical_terms(question)
        total = max(self.manifest.passages, 1)
        if max_df_share is None or not terms or total < LEXICAL_PRUNE_FROM:
            return terms
        frequency = {term: self.document_frequency(term) for term in terms}
        present = [term for term in terms if frequency[term] > 0]
        limit = min(max_df_share * total, LEXICAL_MAX_DF_PASSAGES)
        kept = [term for term in present if frequency[term] <= limit]
        if len(kept) < LEXICAL_MIN_TERMS:
            rarest = set(sorted(present, key=lambda term: frequency[term])[:LEXICAL_MIN_TERMS])
            kept = [term for term in present if term in rarest]
        return kept

    def lexical_search(
        self,
        question: str,
        limit: int,
        *,
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
        max_df_share: float | None = LEXICAL_MAX_DF_SHARE,
    ) -> list[tuple[int, float]]:
        """(passage_id, BM25 score) of the ``limit`` best passages for the question's
        discriminative words (:meth:`lexical_terms`), among the passages the filters allow
        (``LEXICAL_POSTFILTER_SHARE``); each store's ``_lexical_hits`` runs the query."""
        terms = self.lexical_terms(question, max_df_share=max_df_share)
        mask = self.filter_mask(since=since, until=until, source=source) if since or until or source else None
        if terms and mask is not None and limit > 0:
            share = int(mask.sum()) / max(self.manifest.passages, 1)
            if share >= LEXICAL_POSTFILTER_SHARE:
                fetch = min(math.ceil(2 * limit / share), LEXICAL_POSTFILTER_ROWS)
                rows = self._lexical_hits(terms, fetch)
                kept = [(pid, score) for pid, score in rows if pid < len(mask) and mask[pid]]
                if len(kept) >= limit or len(rows) < fetch:
                    return self._lexical_found(kept[:limit])
        filters = {"since": since, "until": until, "source": source}
        return self._lexical_found(self._lexical_hits(terms, limit, filters))

    def _lexical_hits(self, terms: list[str], limit: int, filters: dict | None = None) -> list[tuple[int, float]]:
        """The store's BM25 query over ``terms``, under ``filters`` (``since``, ``until``, ``source``) if given."""
        raise NotImplementedError

    def _lexical_found(self, hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """What a store does with the lexical hits it returns (nothing, unless it overrides this)."""
        return hits

    def encode_query(self, text: str) -> np.ndarray:
        # The question side of the model (E5's ``query:``); embedders without one encode both sides alike.
        encode = getattr(self.embedder, "encode_query", None) or self.embedder.encode
        return encode([text])[0]

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

    def status(self) -> dict:
        """Documents, passages, model and last build, for the UI and ``briefing status``."""
        return {
            "documents": self.manifest.documents,
            "passages": self.manifest.passages,
            "model": self.manifest.model_name,
            "built_at": self.manifest.built_at,
            "generation": self.manifest.generation,
        }


class Index(IndexQueries):
    """A loaded, read-only generation of the embedded store (SQLite + FTS5, FAISS) and its model."""

    def __init__(self, index_dir: Path, manifest: IndexManifest, embedder: Embedder):
        super().__init__()
        self.dir = index_dir
        self.manifest = manifest
        self.embedder = embedder
        folder = index_dir / manifest.generation
        self.store = Store(folder / SQLITE_NAME, read_only=True)
        self.vectors = vectors.load(folder / FAISS_NAME)
        self._search_lock = threading.Lock()

    def _read_passage_table(self) -> periods.PassageTable | None:
        return periods.read(self.dir / self.manifest.generation / periods.FILTERS_NAME)

    def _lexical_hits(self, terms: list[str], limit: int, filters: dict | None = None) -> list[tuple[int, float]]:
        """FTS5 over ``terms`` (:meth:`Store.lexical_search`), filtered inside SQLite."""
        match = " OR ".join(f'"{term}"' for term in terms)
        return self.store.lexical_search(match, limit, **(filters or {}))

    def dense_search(self, query_vector: np.ndarray, k: int, allowed: np.ndarray | None = None):
        """(passage_id, cosine) pairs, best first."""
        return vectors.search(self.vectors, query_vector, k, allowed)

    def close(self) -> None:
        self.store.close()


def load_index(
    index_dir: Path | str = "index", *, model_path: str | Path | None = None, embedder: Embedder | None = None
):
    """Open the index in ``index_dir`` (a folder, or a ``postgresql://`` URL: see
    :mod:`briefing.index.stores`) with the model it was built with.

    Raises IndexMissingError when there is no index yet and IndexMismatchError
    when it was built with another schema or model than ``model_path``.
    """
    if is_database(index_dir):
        from .stores import postgres

        return postgres.load_postgres(index_dir, lambda manifest: _model_for(manifest, model_path, embedder))
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexMissingError(f"no index in {index_dir}; build one with `briefing index --index {index_dir}`")
    embedder = _model_for(manifest, model_path, embedder)
    if not (index_dir / manifest.generation).is_dir():
        # A build switched generations and removed this one since the manifest was read: read it again.
        latest = read_manifest(index_dir)
        if latest is not None and latest.model_name == manifest.model_name:
            manifest = latest
    return Index(index_dir, manifest, embedder)


def _model_for(manifest: IndexManifest, model_path: str | Path | None, embedder: Embedder | None) -> Embedder:
    """The model to query an index built as ``manifest`` says: ``embedder``, else the one at
    ``model_path``, else the build's; IndexMismatchError when it is not the build's model."""
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
    return embedder
