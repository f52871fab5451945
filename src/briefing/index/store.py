"""Passage text and metadata in one SQLite file, beside the FAISS vectors.

Tables: ``documents`` (text and metadata; ``date_start``/``date_end`` hold the
period of the document's date, see :mod:`briefing.dates`), ``passages`` (offsets, sentences and
speakers as JSON), ``passages_fts`` (an FTS5 table of folded passage text for
lexical retrieval), ``sentence_vectors`` (per passage, one float16 row per
sentence, ``n_sentences x dimension`` in ``passages.sentences`` order, as one
BLOB) and ``meta`` (counters).  Passage ids are the FAISS ids.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..dates import period_bounds
from ..records import Document, Passage, Sentence
from ..textfold import fold_for_lexical

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    title TEXT, date TEXT, source TEXT, url TEXT,
    date_start TEXT, date_end TEXT,
    sha256 TEXT NOT NULL,
    pages TEXT NOT NULL DEFAULT '[]',
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_path ON documents(path);
CREATE INDEX IF NOT EXISTS documents_dates ON documents(date_start, date_end);
CREATE TABLE IF NOT EXISTS passages (
    passage_id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    ordinal INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    text TEXT NOT NULL,
    sentences TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    folded, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS sentence_vectors (
    passage_id INTEGER PRIMARY KEY,
    vectors BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class DocumentSummary:
    """One row of :meth:`Store.document_list`: an indexed document's metadata and passage count."""

    doc_id: str
    path: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    passages: int


# The columns both stores read a document and a passage from, in the order the decoders take them.
DOCUMENT_COLUMNS = "doc_id, path, text, title, date, source, url, sha256, pages"
PASSAGE_COLUMNS = "passage_id, doc_id, ordinal, char_start, char_end, text, sentences"


def document_from_row(row) -> Document:
    """A :class:`Document` from a row of ``DOCUMENT_COLUMNS`` (pages stored as JSON)."""
    return Document(*row[:8], pages=tuple(json.loads(row[8])))


def passage_from_row(row) -> Passage:
    """A :class:`Passage` from a row of ``PASSAGE_COLUMNS`` (sentences stored as JSON triples)."""
    sentences = tuple(Sentence(start, end, speaker) for start, end, speaker in json.loads(row[6]))
    return Passage(int(row[0]), *row[1:6], sentences=sentences)


class Store:
    """One generation's SQLite database; thread-safe for the reads the server does."""

    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = path
        if read_only:
            uri = f"file:{path}?mode=ro"
            self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self._connection = sqlite3.connect(str(path), check_same_thread=False)
            self._connection.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._connection.close()

    def commit(self) -> None:
        self._connection.commit()

    def _rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self._lock:
            return self._connection.execute(sql, tuple(params)).fetchall()

    # --- counters -------------------------------------------------------
    def next_passage_id(self) -> int:
        rows = self._rows("SELECT value FROM meta WHERE key = 'next_passage_id'")
        return int(rows[0][0]) if rows else 0

    def set_next_passage_id(self, value: int) -> None:
        self._connection.execute(
            "INSERT INTO meta(key, value) VALUES ('next_passage_id', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(value),),
        )

    # --- writes ---------------------------------------------------------
    def add_document(self, document: Document, passages: list[Passage]) -> None:
        """Insert a document and its passages (ids already assigned)."""
        self._connection.execute(
            "INSERT INTO documents(doc_id, path, title, date, date_start, date_end, source, url, sha256, pages, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                document.doc_id,
                document.path,
                document.title,
                document.date,
                *_period(document.date),
                document.source,
                document.url,
                document.sha256,
                json.dumps(list(document.pages)),
                document.text,
            ),
        )
        self._connection.executemany(
            "INSERT INTO passages(passage_id, doc_id, ordinal, char_start, char_end, text, sentences) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    p.passage_id,
                    p.doc_id,
                    p.ordinal,
                    p.char_start,
                    p.char_end,
                    p.text,
                    json.dumps([[s.char_start, s.char_end, s.speaker] for s in p.sentences]),
                )
                for p in passages
            ],
        )
        self._connection.executemany(
            "INSERT INTO passages_fts(rowid, folded) VALUES (?, ?)",
            [(p.passage_id, fold_for_lexical(_lexical_text(document, p))) for p in passages],
        )

    def add_sentence_vectors(self, vectors: dict[int, np.ndarray]) -> None:
        """Store each passage's sentence vectors (n_sentences x dimension), as float16."""
        self._connection.executemany(
            "INSERT OR REPLACE INTO sentence_vectors(passage_id, vectors) VALUES (?, ?)",
            [(int(pid), np.ascontiguousarray(matrix, dtype=np.float16).tobytes()) for pid, matrix in vectors.items()],
        )

    def delete_document(self, doc_id: str) -> list[int]:
        """Remove a document and its passages; returns the removed passage ids."""
        ids = [row[0] for row in self._rows("SELECT passage_id FROM passages WHERE doc_id = ?", (doc_id,))]
        self._connection.executemany("DELETE FROM passages_fts WHERE rowid = ?", [(i,) for i in ids])
        self._connection.executemany("DELETE FROM sentence_vectors WHERE passage_id = ?", [(i,) for i in ids])
        self._connection.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
        self._connection.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return ids

    # --- reads ----------------------------------------------------------
    def document_hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (path, sha256) for every stored document."""
        return {row[0]: (row[1], row[2]) for row in self._rows("SELECT doc_id, path, sha256 FROM documents")}

    def document(self, doc_id: str) -> Document | None:
        rows = self._rows(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE doc_id = ?", (doc_id,))
        return document_from_row(rows[0]) if rows else None

    def passages(self, passage_ids: Iterable[int]) -> dict[int, Passage]:
        """Passages by id (missing ids are left out)."""
        ids = list(dict.fromkeys(int(i) for i in passage_ids))
        out: dict[int, Passage] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self._rows(
                f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE passage_id IN ({','.join('?' * len(chunk))})", chunk
            )
            out.update((int(row[0]), passage_from_row(row)) for row in rows)
        return out

    def sentence_vectors(self, passage_ids: Iterable[int], dimension: int) -> dict[int, np.ndarray]:
        """Stored sentence vectors by passage id, as float16 arrays (n_sentences x dimension); missing ids left out."""
        ids = list(dict.fromkeys(int(i) for i in passage_ids))
        out: dict[int, np.ndarray] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self._rows(
                f"SELECT passage_id, vectors FROM sentence_vectors WHERE passage_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for passage_id, blob in rows:
                out[passage_id] = np.frombuffer(blob, dtype=np.float16).reshape(-1, dimension)
        return out

    def passage_spans(self, doc_id: str) -> list[tuple[int, int, int]]:
        """(passage_id, char_start, char_end) of every passage of a document, in order."""
        return [
            tuple(row)
            for row in self._rows(
                "SELECT passage_id, char_start, char_end FROM passages WHERE doc_id = ? ORDER BY ordinal", (doc_id,)
            )
        ]

    def passage_neighbours(self, doc_id: str, ordinal: int) -> list[Passage]:
        """The passages just before and after one passage of a document."""
        rows = self._rows(
            "SELECT passage_id FROM passages WHERE doc_id = ? AND ordinal BETWEEN ? AND ? ORDER BY ordinal",
            (doc_id, ordinal - 1, ordinal + 1),
        )
        found = self.passages(row[0] for row in rows)
        return [found[row[0]] for row in rows if row[0] in found]

    def passage_ids_where(
        self, *, since: str | None = None, until: str | None = None, source: str | None = None
    ) -> list[int]:
        """Ids of passages whose document matches the date range and source filter.

        A document with a partial date (``2021-05``) matches when its period
        overlaps the range; a document without a date never matches a date filter.
        """
        where, params = _filter_sql(since, until, source)
        rows = self._rows(
            f"SELECT p.passage_id FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE {where}", params
        )
        return [row[0] for row in rows]

    def passage_periods(self) -> list[tuple[int, str | None, str | None, str | None]]:
        """(passage_id, date_start, date_end, source) of every passage: what ``periods.write`` stores."""
        return self._rows(
            "SELECT p.passage_id, d.date_start, d.date_end, d.source "
            "FROM passages p JOIN documents d ON d.doc_id = p.doc_id"
        )

    def sources_like(self, source: str) -> list[str]:
        """The distinct sources a source filter matches (the filter's own SQL test)."""
        where, params = _filter_sql(None, None, source)
        return [row[0] for row in self._rows(f"SELECT DISTINCT d.source FROM documents d WHERE {where}", params)]

    def lexical_search(
        self,
        match_query: str,
        limit: int,
        *,
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
    ) -> list[tuple[int, float]]:
        """(passage_id, bm25 score, higher is better) from the FTS5 table, best first.

        The filters (as in :meth:`passage_ids_where`) are part of the query, so the
        ``limit`` best matches are the best matches among the allowed documents.
        """
        if not match_query:
            return []
        sql = "SELECT rowid, -bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ?"
        params: list = [match_query]
        if since or until or source:
            where, filter_params = _filter_sql(since, until, source)
            # "+rowid": without the unary plus SQLite hands the IN list to FTS5 as rowid lookups and
            # FTS5 evaluates the MATCH once per allowed passage (0.7 s at 13k passages, growing with
            # the filter's width); with it, the MATCH runs once and the list only filters its rows.
            sql += (
                " AND +rowid IN (SELECT p.passage_id FROM passages p JOIN documents d ON d.doc_id = p.doc_id "
                f"WHERE {where})"
            )
            params.extend(filter_params)
        rows = self._rows(sql + " ORDER BY bm25(passages_fts) LIMIT ?", [*params, limit])
        return [(int(r[0]), float(r[1])) for r in rows]

    def term_frequency(self, term: str) -> int:
        """How many passages hold the folded word ``term``, via FTS5 (stemmed like the index,
        so "sanctioned" counts "sanctions")."""
        return int(
            self._rows("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?", (_term_expression(term),))[0][0]
        )

    def terms_beginning(self, letter: str, shortest: int, longest: int) -> list[str]:
        """The lexical index's words (stemmed, folded) that begin with ``letter`` and have
        ``shortest`` to ``longest`` letters (FTS5's vocabulary, read through a temporary table)."""
        with self._lock:
            self._connection.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocabulary USING fts5vocab(main, passages_fts, 'row')"
            )
            rows = self._connection.execute(
                "SELECT term FROM temp.vocabulary WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
                (letter, chr(ord(letter) + 1), shortest, longest),
            ).fetchall()
        return [row[0] for row in rows]

    def passages_holding(self, term: str, passage_ids: Iterable[int] | None) -> set[int]:
        """Which of ``passage_ids`` hold the folded word ``term`` (stemmed like the index)."""
        ids = list(passage_ids or ())
        if not ids:
            return set()
        rows = self._rows(
            f"SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? AND rowid IN ({','.join('?' * len(ids))})",
            [_term_expression(term), *ids],
        )
        return {row[0] for row in rows}

    def counts(self) -> tuple[int, int]:
        """(documents, passages)."""
        documents = self._rows("SELECT count(*) FROM documents")[0][0]
        passages = self._rows("SELECT count(*) FROM passages")[0][0]
        return int(documents), int(passages)

    def has_dated_documents(self) -> bool:
        """Does any document carry a date?"""
        return bool(self._rows("SELECT 1 FROM documents WHERE date_start IS NOT NULL LIMIT 1"))

    def sources(self) -> list[str]:
        return [
            row[0] for row in self._rows("SELECT DISTINCT source FROM documents WHERE source IS NOT NULL ORDER BY 1")
        ]

    def document_list(self) -> list[DocumentSummary]:
        """Every indexed document with its passage count, ordered by date (undated last), then title."""
        rows = self._rows(
            "SELECT d.doc_id, d.path, d.title, d.date, d.source, d.url, count(p.passage_id) "
            "FROM documents d LEFT JOIN passages p ON p.doc_id = d.doc_id GROUP BY d.doc_id "
            "ORDER BY d.date IS NULL, d.date, d.title, d.doc_id"
        )
        return [DocumentSummary(*row) for row in rows]

    def passage_ids(self) -> list[int]:
        """Every passage id, in increasing order."""
        return [row[0] for row in self._rows("SELECT passage_id FROM passages ORDER BY passage_id")]

    def passage_texts(self) -> list[tuple[int, str, str]]:
        """(passage_id, doc_id, text) of every passage, in increasing id order."""
        return [tuple(row) for row in self._rows("SELECT passage_id, doc_id, text FROM passages ORDER BY passage_id")]


def _term_expression(term: str) -> str:
    """One folded word as an FTS5 phrase (quotes dropped from inside)."""
    return '"' + term.replace('"', "") + '"'


def _period(date: str | None) -> tuple[str | None, str | None]:
    return period_bounds(date) if date else (None, None)


def filter_bounds(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """The ISO days a date filter compares with: the first of ``since``'s period, the last of
    ``until``'s (either None when not given).

    >>> filter_bounds("2021-06", "2021")
    ('2021-06-01', '2021-12-31')
    """
    return (period_bounds(since)[0] if since else None, period_bounds(until)[1] if until else None)


def _filter_sql(since: str | None, until: str | None, source: str | None) -> tuple[str, list]:
    """A WHERE clause over ``documents d``: period overlap with [since, until], source substring.

    ``since`` and ``until`` may be partial dates: ``since`` counts from the start
    of its period, ``until`` to the end of its period.
    """
    clauses, params = [], []
    low, high = filter_bounds(since, until)
    if low is not None:
        clauses.append("d.date_end IS NOT NULL AND d.date_end >= ?")
        params.append(low)
    if high is not None:
        clauses.append("d.date_start IS NOT NULL AND d.date_start <= ?")
        params.append(high)
    if source:
        clauses.append("lower(d.source) LIKE ?")
        params.append(f"%{source.lower()}%")
    return " AND ".join(f"({c})" for c in clauses) or "1", params


def _lexical_text(document: Document, passage: Passage) -> str:
    """What the lexical index sees: the passage plus its document's title."""
    return f"{document.title or ''}\n{passage.text}"
