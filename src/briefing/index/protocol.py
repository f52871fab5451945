"""What answering and evaluation call on an index, named once for both stores.

Two implementations stand behind these protocols, chosen in one place from the ``--index``
value (:func:`briefing.index.stores.is_database`):

- the embedded store, a folder: SQLite + FTS5 (``store.py``), FAISS (``vectors.py``),
  ``load.Index``;
- the PostgreSQL store, a ``postgresql://`` URL: tables, pgvector and BM25 from stored term
  statistics (``stores/postgres.py``, ``PostgresIndex``).

``answer/`` and ``evaluation/`` only use what is listed here, so they never learn which store
they talk to; ``tests/index/test_store_conformance.py`` runs the same assertions over both.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..records import Document, IndexManifest, Passage


@runtime_checkable
class PassageStore(Protocol):
    """The read side of a store: documents, passages and the lexical index's words."""

    def document(self, doc_id: str) -> Document | None: ...

    def document_hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (path, sha256) of every stored document."""
        ...

    def document_list(self) -> list:
        """Every document with its passage count (``store.DocumentSummary`` rows)."""
        ...

    def sources(self) -> list[str]: ...

    def passages(self, passage_ids: Iterable[int]) -> dict[int, Passage]:
        """Passages by id; missing ids are left out."""
        ...

    def passage_ids(self) -> list[int]: ...

    def passage_spans(self, doc_id: str) -> list[tuple[int, int, int]]: ...

    def passage_neighbours(self, doc_id: str, ordinal: int) -> list[Passage]: ...

    def passages_holding(self, term: str, passage_ids: Iterable[int] | None) -> set[int]:
        """Which of ``passage_ids`` hold the folded word ``term`` (stemmed like the lexical index)."""
        ...

    def term_frequency(self, term: str) -> int:
        """How many passages hold the folded word ``term``."""
        ...

    def terms_beginning(self, letter: str, shortest: int, longest: int) -> list[str]: ...

    def sentence_vectors(self, passage_ids: Iterable[int], dimension: int) -> dict[int, np.ndarray]: ...

    def has_dated_documents(self) -> bool: ...

    def counts(self) -> tuple[int, int]: ...

    def close(self) -> None: ...


@runtime_checkable
class PassageVectors(Protocol):
    """The passage vectors as answering reads them back (one passage's vector by id)."""

    @property
    def d(self) -> int: ...

    @property
    def ntotal(self) -> int: ...

    def reconstruct(self, vector_id: int) -> np.ndarray: ...


@runtime_checkable
class SearchIndex(Protocol):
    """A loaded index: what ``answer()``, ``briefing eval`` and the UI call."""

    dir: Path  # a local folder for caches kept beside the index (calibration levels)
    manifest: IndexManifest
    embedder: object
    store: PassageStore
    vectors: PassageVectors

    @property
    def dated(self) -> bool: ...

    def has_close_word(self, term: str) -> bool: ...

    def document_frequency(self, term: str) -> int: ...

    def lexical_terms(self, question: str, *, max_df_share: float | None = ...) -> list[str]: ...

    def allowed_passages(
        self, *, since: str | None = None, until: str | None = None, source: str | None = None
    ) -> np.ndarray: ...

    def lexical_search(
        self,
        question: str,
        limit: int,
        *,
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
        max_df_share: float | None = ...,
    ) -> list[tuple[int, float]]: ...

    def dense_search(
        self, query_vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...

    def encode_query(self, text: str) -> np.ndarray: ...

    def sentence_vectors(self, passages: Iterable[Passage]) -> dict[int, np.ndarray]: ...

    def status(self) -> dict: ...

    def close(self) -> None: ...
