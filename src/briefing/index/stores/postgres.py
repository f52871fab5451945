"""The PostgreSQL store: the index in a database that several processes and machines share.

``--index postgresql://user@host/db`` (or ``$BRIEFING_INDEX``) names it; the ``postgres`` extra
installs the client, psycopg 3.  Everything lives in the schema ``briefing``:

- ``documents`` (text and metadata, ``date_start``/``date_end`` as in the embedded store);
- ``passages``: offsets, sentences (JSON), the passage vector in a pgvector ``vector`` column
  with an HNSW index (``vector_ip_ops``: inner product of L2-normalised vectors, the cosine),
  the sentence vectors (float16 bytes, ``n_sentences x dimension``, as in the embedded store),
  the document's period and source copied beside them so both searches filter with a plain
  ``WHERE``, and ``length``, the passage's token count for BM25;
- ``postings`` (term, passage, term frequency, passage length) and ``terms`` (term, document
  frequency): BM25 computed in SQL from stored term statistics, with FTS5's formula and
  constants and the same tokens (``lexical_tokens``: folded, lower-cased, Porter-stemmed as FTS5's
  ``porter unicode61`` tokenizer does).  So the lexical side scores as the embedded one does and
  the fusion weight tuned on it holds; Postgres's own ``ts_rank`` has no IDF and no length
  normalisation of this kind (docs/postgres.md has the measurement);
- ``meta``: schema version, model name and path, chunking, files, counters.

A build is one transaction (:func:`build_index`): readers keep answering from the committed
rows until it commits, a killed build is rolled back by the server, and an incremental update
changes only the rows of changed documents, with no copy of the index.  A transaction-level
advisory lock keeps two builds apart.

Errors name the server (``host:port/database``), never the password, and say what to do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..._version import package_version
from ...errors import (
    BriefingError,
    CorpusEmptyError,
    DatabaseError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
)
from ...faults import checkpoint
from ...records import Document, IndexManifest, Passage
from ...textfold import fold_for_lexical
from .. import periods
from ..load import IndexQueries
from ..store import (
    DOCUMENT_COLUMNS,
    PASSAGE_COLUMNS,
    DocumentSummary,
    document_from_row,
    filter_bounds,
    passage_from_row,
)
from . import redact

try:  # the ``postgres`` extra
    import psycopg
    from psycopg.conninfo import conninfo_to_dict
except ImportError:  # pragma: no cover - depends on the environment
    psycopg = None

SCHEMA_VERSION = 1
EXTENSION = "vector"
BUILD_LOCK = 0x62726965  # advisory lock key ("brie") held by the build's transaction
# HNSW candidates per query (pgvector's default is 40): answering asks for 100 per retriever, and
# an iterative scan (pgvector 0.8) goes on past it under a filter, in exact distance order.
EF_SEARCH = 200
MANIFEST_REFRESH_S = 2.0  # how stale a reader's counters may be before it reads them again
# BM25 as FTS5 computes it (fts5_aux.c): k1 1.2, b 0.75, idf = ln((N - n + 0.5) / (n + 0.5)),
# at least 1e-6.
BM25_K1 = 1.2
BM25_B = 0.75

# float8 throughout: a bare 0.75 is numeric in Postgres, and numeric arithmetic tripled the query's time.
_BM25_TERM = (
    f"q.idf * o.tf * {BM25_K1 + 1}::float8 / "
    f"(o.tf + {BM25_K1}::float8 * ({1 - BM25_B}::float8 + {BM25_B}::float8 * o.length / q.avgdl))"
)
_IDF = "greatest(ln((s.n - coalesce(t.df, 0) + 0.5::float8) / (coalesce(t.df, 0) + 0.5::float8)), 1e-6::float8)"
_TOKEN = re.compile(r"[a-z0-9]+")


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("porter")


_STEM = _stemmer()
_STEM_LOCK = threading.Lock()


def stem(token: str) -> str:
    """One lower-case token as FTS5's porter tokenizer keeps it: tokens under 3 or over 64
    characters pass through unchanged, others are Porter-stemmed."""
    if len(token) < 3 or len(token) > 64:
        return token
    with _STEM_LOCK:  # PyStemmer's stemmer object is not thread-safe
        return _STEM.stemWord(token)


def lexical_tokens(text: str) -> list[str]:
    """The tokens the lexical index holds for ``text`` (folded as for FTS5, every token kept)."""
    return [stem(token) for token in _TOKEN.findall(fold_for_lexical(text).lower())]


# --- connection -----------------------------------------------------------------------------------


def _clean(message: str, secret: str | None) -> str:
    """A psycopg message on one line, without the password."""
    text = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    if secret:
        text = text.replace(secret, "***")
    return text


class Database:
    """One connection to the server, opened on first use and again after the server went away.

    Reads are retried once on a fresh connection (the server restarted since the last
    question); a second failure is a :class:`DatabaseError` naming the server."""

    def __init__(self, url: str):
        if psycopg is None:
            raise DatabaseError(
                "the PostgreSQL store needs psycopg 3: pip install -e '.[postgres]' (or pip install 'psycopg[binary]')"
            )
        self.url = url
        try:
            info = conninfo_to_dict(url)
        except psycopg.ProgrammingError as error:
            raise DatabaseError(f"--index {redact(url)} is not a PostgreSQL URL ({_clean(error, None)})") from None
        self._password = info.get("password") or None
        self.user = info.get("user") or os.environ.get("PGUSER") or ""
        self.dbname = info.get("dbname") or self.user
        host = info.get("host") or os.environ.get("PGHOST") or "localhost"
        port = info.get("port") or os.environ.get("PGPORT") or "5432"
        self.where = f"{host}:{port}/{self.dbname}"
        self.display = redact(url)
        self._connection = None
        self._lock = threading.RLock()

    def error(self, error: Exception, doing: str) -> DatabaseError:
        """The one-line error for a psycopg ``error`` raised while ``doing`` something."""
        reason = _clean(error, self._password)
        lower = reason.lower()
        if (
            "password authentication failed" in lower
            or "no password supplied" in lower
            or "role" in lower
            and ("does not exist" in lower)
        ):
            return DatabaseError(
                f"PostgreSQL at {self.where} refused user {self.user!r} ({reason}); "
                "check the user and password in the --index URL (or PGPASSWORD, ~/.pgpass)"
            )
        if "database" in lower and "does not exist" in lower:
            return DatabaseError(
                f"PostgreSQL at {self.where} has no database {self.dbname!r}; create it "
                f"(createdb {self.dbname}) or fix the --index URL"
            )
        return DatabaseError(
            f"cannot reach PostgreSQL at {self.where} while {doing} ({reason}); "
            "check that the server runs and the --index URL's host and port"
        )

    def connection(self):
        with self._lock:
            if self._connection is None or self._connection.closed or self._connection.broken:
                try:
                    self._connection = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
                except psycopg.Error as error:
                    self._connection = None
                    raise self.error(error, "connecting") from None
                with self._connection.cursor() as cursor:
                    cursor.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
                    cursor.execute("SET hnsw.iterative_scan = strict_order")
            return self._connection

    def rows(self, sql: str, params: Iterable | dict = ()) -> list[tuple]:
        """Run one read; a connection lost since the last one is opened again, once."""
        params = params if isinstance(params, dict) else tuple(params)
        with self._lock:
            for attempt in (1, 2):
                connection = self.connection()
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(sql, params)
                        return cursor.fetchall() if cursor.description else []
                except psycopg.OperationalError as error:
                    self.close()
                    if attempt == 2:
                        raise self.error(error, "answering") from None
                except psycopg.errors.UndefinedTable:
                    raise IndexMissingError(
                        f"no index in {self.display}; build one with `briefing index --index {self.display}`"
                    ) from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                try:
                    self._connection.close()
                except psycopg.Error:
                    pass
                self._connection = None


# --- schema -----------------------------------------------------------------------------------------

S = "briefing"


def _schema_sql(dimension: int) -> list[str]:
    return [
        f"CREATE SCHEMA IF NOT EXISTS {S}",
        f"CREATE TABLE IF NOT EXISTS {S}.meta (key text PRIMARY KEY, value text NOT NULL)",
        f"""CREATE TABLE IF NOT EXISTS {S}.documents (
            doc_id text PRIMARY KEY, path text NOT NULL, title text, date text, source text, url text,
            date_start text, date_end text, sha256 text NOT NULL, pages text NOT NULL, text text NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS documents_path ON {S}.documents (path)",
        f"""CREATE TABLE IF NOT EXISTS {S}.passages (
            passage_id bigint PRIMARY KEY, doc_id text NOT NULL REFERENCES {S}.documents (doc_id),
            ordinal int NOT NULL, char_start int NOT NULL, char_end int NOT NULL, text text NOT NULL,
            sentences text NOT NULL, date_start text, date_end text, source text, length int NOT NULL,
            embedding vector({int(dimension)}) NOT NULL, sentence_vectors bytea NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS passages_doc ON {S}.passages (doc_id, ordinal)",
        f"""CREATE TABLE IF NOT EXISTS {S}.postings (
            term text COLLATE "C" NOT NULL, passage_id bigint NOT NULL, tf int NOT NULL, length int NOT NULL,
            PRIMARY KEY (term, passage_id) INCLUDE (tf, length))""",
        f"CREATE INDEX IF NOT EXISTS postings_passage ON {S}.postings (passage_id)",
        f'CREATE TABLE IF NOT EXISTS {S}.terms (term text COLLATE "C" PRIMARY KEY, df int NOT NULL)',
    ]


HNSW_SQL = f"CREATE INDEX IF NOT EXISTS passages_embedding ON {S}.passages USING hnsw (embedding vector_ip_ops)"
# pgvector builds the HNSW graph in memory while it fits ``maintenance_work_mem`` (default 64 MB,
# ~40k vectors of 384 dimensions) and far more slowly on disk past it; a build raises it for its
# own transaction only (~1.7 kB a passage: 100k passages take ~170 MB).
HNSW_MEMORY = "1GB"


def _vector_index(cursor) -> None:
    """Create the HNSW index on ``passages.embedding`` if missing (a first or full build dropped it)."""
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{HNSW_MEMORY}'")
    cursor.execute(HNSW_SQL)


TABLES = ("terms", "postings", "passages", "documents", "meta")


def read_meta(database: Database) -> dict[str, str] | None:
    """The ``meta`` table, or None when the database holds no index."""
    exists = database.rows("SELECT to_regclass(%s)", (f"{S}.meta",))
    if not exists or exists[0][0] is None:
        return None
    return dict(database.rows(f"SELECT key, value FROM {S}.meta"))


def manifest_from(meta: dict[str, str]) -> IndexManifest:
    return IndexManifest(
        schema_version=int(meta.get("schema_version", 0)),
        package_version=meta.get("package_version", ""),
        model_name=meta.get("model_name", ""),
        model_path=meta.get("model_path", ""),
        dimension=int(meta.get("dimension", 0)),
        chunking=json.loads(meta.get("chunking", "{}")),
        files=json.loads(meta.get("files", "{}")),
        generation=meta.get("generation", ""),
        built_at=meta.get("built_at", ""),
        documents=int(meta.get("documents", 0)),
        passages=int(meta.get("passages", 0)),
        faiss_type="pgvector-hnsw",
    )


def read_manifest(database: Database) -> IndexManifest | None:
    """The index's manifest from ``meta``; None when there is none, IndexMismatchError for
    another schema version (the embedded store's message)."""
    meta = read_meta(database)
    if not meta or "generation" not in meta:
        return None
    if meta.get("schema_version") != str(SCHEMA_VERSION):
        raise IndexMismatchError(
            f"the index in {database.display} has schema version {meta.get('schema_version')}, this briefing "
            f"reads version {SCHEMA_VERSION}; rebuild it with `briefing index --full --index {database.display}`"
        )
    return manifest_from(meta)


# --- reading --------------------------------------------------------------------------------------


def _where(since: str | None, until: str | None, source: str | None, alias: str = "p") -> tuple[str, list]:
    """The filter as a WHERE clause over ``passages`` (the embedded store's ``_filter_sql``)."""
    clauses, params = [], []
    low, high = filter_bounds(since, until)
    if low is not None:
        clauses.append(f"{alias}.date_end IS NOT NULL AND {alias}.date_end >= %s")
        params.append(low)
    if high is not None:
        clauses.append(f"{alias}.date_start IS NOT NULL AND {alias}.date_start <= %s")
        params.append(high)
    if source:
        clauses.append(f"lower({alias}.source) LIKE %s")
        params.append(f"%{source.lower()}%")
    return " AND ".join(f"({c})" for c in clauses) or "TRUE", params


def _vector_text(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32).tolist()) + "]"


def _binary_vector(blob: bytes) -> np.ndarray:
    """A vector from pgvector's binary form (``vector_send``: int16 dimension, int16 unused, then
    big-endian float4s): the same floats as the text form, read ten times faster (100 vectors:
    3 ms against 37 ms parsing ``embedding::text``)."""
    return np.frombuffer(blob, dtype=">f4", offset=4).astype(np.float32)


class PostgresStore:
    """The read side of the store (:class:`~briefing.index.protocol.PassageStore`)."""

    def __init__(self, database: Database):
        self.db = database

    def close(self) -> None:
        self.db.close()

    def document_hashes(self) -> dict[str, tuple[str, str]]:
        return {row[0]: (row[1], row[2]) for row in self.db.rows(f"SELECT doc_id, path, sha256 FROM {S}.documents")}

    def document(self, doc_id: str) -> Document | None:
        rows = self.db.rows(f"SELECT {DOCUMENT_COLUMNS} FROM {S}.documents WHERE doc_id = %s", (doc_id,))
        return document_from_row(rows[0]) if rows else None

    def passages(self, passage_ids: Iterable[int]) -> dict[int, Passage]:
        ids = list(dict.fromkeys(int(i) for i in passage_ids))
        if not ids:
            return {}
        rows = self.db.rows(f"SELECT {PASSAGE_COLUMNS} FROM {S}.passages WHERE passage_id = ANY(%s)", (ids,))
        return {int(row[0]): passage_from_row(row) for row in rows}

    def sentence_vectors(self, passage_ids: Iterable[int], dimension: int) -> dict[int, np.ndarray]:
        ids = list(dict.fromkeys(int(i) for i in passage_ids))
        if not ids:
            return {}
        rows = self.db.rows(f"SELECT passage_id, sentence_vectors FROM {S}.passages WHERE passage_id = ANY(%s)", (ids,))
        return {int(pid): np.frombuffer(bytes(blob), dtype=np.float16).reshape(-1, dimension) for pid, blob in rows}

    def embeddings(self, passage_ids: Iterable[int]) -> dict[int, np.ndarray]:
        ids = list(dict.fromkeys(int(i) for i in passage_ids))
        if not ids:
            return {}
        rows = self.db.rows(
            f"SELECT passage_id, vector_send(embedding) FROM {S}.passages WHERE passage_id = ANY(%s)", (ids,)
        )
        return {int(pid): _binary_vector(blob) for pid, blob in rows}

    def passage_spans(self, doc_id: str) -> list[tuple[int, int, int]]:
        return [
            (int(a), int(b), int(c))
            for a, b, c in self.db.rows(
                f"SELECT passage_id, char_start, char_end FROM {S}.passages WHERE doc_id = %s ORDER BY ordinal",
                (doc_id,),
            )
        ]

    def passage_neighbours(self, doc_id: str, ordinal: int) -> list[Passage]:
        rows = self.db.rows(
            f"SELECT passage_id FROM {S}.passages WHERE doc_id = %s AND ordinal BETWEEN %s AND %s ORDER BY ordinal",
            (doc_id, ordinal - 1, ordinal + 1),
        )
        found = self.passages(row[0] for row in rows)
        return [found[row[0]] for row in rows if row[0] in found]

    def passage_ids_where(
        self, *, since: str | None = None, until: str | None = None, source: str | None = None
    ) -> list[int]:
        where, params = _where(since, until, source)
        return [int(r[0]) for r in self.db.rows(f"SELECT p.passage_id FROM {S}.passages p WHERE {where}", params)]

    def passage_periods(self) -> list[tuple[int, str | None, str | None, str | None]]:
        """(passage_id, date_start, date_end, source) of every passage (``periods.table_of``)."""
        return [
            (int(pid), start, end, source)
            for pid, start, end, source in self.db.rows(
                f"SELECT passage_id, date_start, date_end, source FROM {S}.passages"
            )
        ]

    def sources_like(self, source: str) -> list[str]:
        """The distinct sources a source filter matches (the filter's own SQL test)."""
        where, params = _where(None, None, source, alias="d")
        return [row[0] for row in self.db.rows(f"SELECT DISTINCT d.source FROM {S}.documents d WHERE {where}", params)]

    def term_frequency(self, term: str) -> int:
        rows = self.db.rows(f"SELECT df FROM {S}.terms WHERE term = %s", (stem(term),))
        return int(rows[0][0]) if rows else 0

    def terms_beginning(self, letter: str, shortest: int, longest: int) -> list[str]:
        return [
            row[0]
            for row in self.db.rows(
                f"SELECT term FROM {S}.terms WHERE term >= %s AND term < %s AND length(term) BETWEEN %s AND %s",
                (letter, chr(ord(letter) + 1), shortest, longest),
            )
        ]

    def passages_holding(self, term: str, passage_ids: Iterable[int] | None) -> set[int]:
        ids = [int(i) for i in passage_ids or ()]
        if not ids:
            return set()
        rows = self.db.rows(
            f"SELECT passage_id FROM {S}.postings WHERE term = %s AND passage_id = ANY(%s)", (stem(term), ids)
        )
        return {int(row[0]) for row in rows}

    def counts(self) -> tuple[int, int]:
        rows = self.db.rows(f"SELECT (SELECT count(*) FROM {S}.documents), (SELECT count(*) FROM {S}.passages)")
        return int(rows[0][0]), int(rows[0][1])

    def has_dated_documents(self) -> bool:
        return bool(self.db.rows(f"SELECT 1 FROM {S}.documents WHERE date_start IS NOT NULL LIMIT 1"))

    def sources(self) -> list[str]:
        return [
            row[0]
            for row in self.db.rows(
                f'SELECT DISTINCT source COLLATE "C" FROM {S}.documents WHERE source IS NOT NULL ORDER BY 1'
            )
        ]

    def document_list(self) -> list[DocumentSummary]:
        rows = self.db.rows(
            f"SELECT d.doc_id, d.path, d.title, d.date, d.source, d.url, count(p.passage_id) "
            f"FROM {S}.documents d LEFT JOIN {S}.passages p ON p.doc_id = d.doc_id GROUP BY d.doc_id "
            'ORDER BY d.date IS NULL, d.date COLLATE "C" NULLS FIRST, d.title COLLATE "C" NULLS FIRST, '
            'd.doc_id COLLATE "C"'
        )
        return [DocumentSummary(*row[:6], int(row[6])) for row in rows]

    def passage_ids(self) -> list[int]:
        return [int(r[0]) for r in self.db.rows(f"SELECT passage_id FROM {S}.passages ORDER BY passage_id")]

    def passage_texts(self) -> list[tuple[int, str, str]]:
        return [
            (int(a), b, c)
            for a, b, c in self.db.rows(f"SELECT passage_id, doc_id, text FROM {S}.passages ORDER BY passage_id")
        ]

    def lexical_search(
        self,
        terms: list[str],
        limit: int,
        *,
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
    ) -> list[tuple[int, float]]:
        """(passage_id, BM25 score) of the ``limit`` best passages holding any of the folded words
        ``terms``, among those the filter allows; FTS5's BM25 over the stored term statistics."""
        stems = [stem(term) for term in terms]
        if not stems or limit <= 0:
            return []
        join, where, params = "", "", []
        if since or until or source:
            clause, params = _where(since, until, source)
            join, where = f" JOIN {S}.passages p ON p.passage_id = o.passage_id", f" WHERE {clause}"
        sql = f"""
            WITH stats AS (
                SELECT (SELECT value::float8 FROM {S}.meta WHERE key = 'passages') AS n,
                       (SELECT value::float8 FROM {S}.meta WHERE key = 'tokens') AS tokens),
            q AS (
                SELECT u.term, {_IDF} AS idf, s.tokens / greatest(s.n, 1) AS avgdl
                FROM unnest(%s::text[]) AS u(term) CROSS JOIN stats s LEFT JOIN {S}.terms t ON t.term = u.term)
            SELECT o.passage_id, sum({_BM25_TERM}) AS score
            FROM q JOIN {S}.postings o ON o.term = q.term{join}{where}
            GROUP BY o.passage_id ORDER BY score DESC, o.passage_id LIMIT %s"""
        rows = self.db.rows(sql, [stems, *params, limit])
        return [(int(pid), float(score)) for pid, score in rows]

    def dense_search(
        self, query_vector: np.ndarray, k: int, *, filters: dict | None = None, ids: list[int] | None = None
    ) -> list[tuple[int, float]]:
        """(passage_id, cosine) of the ``k`` nearest passages through the HNSW index, under a filter
        (a WHERE clause) or among ``ids``."""
        if k <= 0:
            return []
        vector = _vector_text(query_vector)
        where, params = "TRUE", []
        if filters:
            where, params = _where(filters.get("since"), filters.get("until"), filters.get("source"))
        elif ids is not None:
            where, params = "p.passage_id = ANY(%s)", [list(ids)]
        rows = self.db.rows(
            f"SELECT p.passage_id, -(p.embedding <#> %s::vector) FROM {S}.passages p WHERE {where} "
            "ORDER BY p.embedding <#> %s::vector LIMIT %s",
            [vector, *params, vector, k],
        )
        return [(int(pid), float(score)) for pid, score in rows]


class PostgresVectors:
    """The passage vectors as answering reads them back (``reconstruct``), from the ``embedding`` column."""

    def __init__(self, store: PostgresStore, dimension: int):
        self.store = store
        self._d = dimension
        self._recent: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def d(self) -> int:
        return self._d

    @property
    def ntotal(self) -> int:
        return self.store.counts()[1]

    def prefetch(self, passage_ids: Iterable[int]) -> None:
        """Read the vectors of ``passage_ids`` in one query (the lexical hits ``reconstruct`` will ask for)."""
        found = self.store.embeddings(passage_ids)
        with self._lock:
            if len(self._recent) > 5_000:
                self._recent.clear()
            self._recent.update(found)

    def reconstruct(self, vector_id: int) -> np.ndarray:
        with self._lock:
            vector = self._recent.get(int(vector_id))
        if vector is None:
            vector = self.store.embeddings([vector_id]).get(int(vector_id))
            if vector is None:
                raise RuntimeError(f"no vector for passage {vector_id}")
        return vector


class AllowedPassages(np.ndarray):
    """Ids a filter allows, carrying the filter so the dense search applies it as a WHERE clause."""

    filters: dict | None = None


def _cache_folder(url: str) -> Path:
    """A local folder for what answering caches beside an index (calibration levels)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "briefing" / "postgres" / hashlib.sha256(redact(url).encode()).hexdigest()[:16]


class PostgresIndex(IndexQueries):
    """A loaded PostgreSQL index and the model that queries it (:class:`~briefing.index.protocol.SearchIndex`).

    Unlike an embedded generation it follows the database: a build committed by another process
    or machine is what the next search reads, and the counters follow within
    ``MANIFEST_REFRESH_S``."""

    def __init__(self, database: Database, manifest: IndexManifest, embedder):
        super().__init__()
        self.db = database
        self.store = PostgresStore(database)
        self.vectors = PostgresVectors(self.store, manifest.dimension)
        self.embedder = embedder
        self._manifest = manifest
        self._read_at = time.monotonic()
        self.dir = _cache_folder(database.url)
        try:
            (self.dir / manifest.generation).mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # calibration then stays in memory

    @property
    def manifest(self) -> IndexManifest:
        if time.monotonic() - self._read_at > MANIFEST_REFRESH_S:
            self._read_at = time.monotonic()
            try:
                latest = read_manifest(self.db)
            except BriefingError:
                latest = None
            if latest is not None and latest.model_name == self._manifest.model_name:
                if latest.generation != self._manifest.generation:
                    self._frequencies.clear()
                    self._dated = None
                    try:
                        (self.dir / latest.generation).mkdir(parents=True, exist_ok=True)
                    except OSError:
                        pass
                self._manifest = latest
        return self._manifest

    def _read_passage_table(self) -> periods.PassageTable:
        # Read once a generation (100k passages: ~0.2 s), then a filter is numpy comparisons, not a
        # scan of ``passages`` per question (~0.2 s each at 100k, twice for a timeline question).
        return periods.table_of(self.store.passage_periods())

    def allowed_passages(
        self, *, since: str | None = None, until: str | None = None, source: str | None = None
    ) -> np.ndarray:
        """The allowed ids, carrying the filter for the dense search's WHERE clause."""
        ids = super().allowed_passages(since=since, until=until, source=source)
        allowed = ids.view(AllowedPassages)
        allowed.filters = {"since": since, "until": until, "source": source}
        return allowed

    def _lexical_hits(self, terms: list[str], limit: int, filters: dict | None = None) -> list[tuple[int, float]]:
        """BM25 in SQL, the filter a WHERE clause."""
        return self.store.lexical_search(terms, limit, **(filters or {}))

    def _lexical_found(self, hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
        if hits:  # their vectors in one query: fusion reconstructs them
            self.vectors.prefetch(pid for pid, _ in hits)
        return hits

    def dense_search(self, query_vector: np.ndarray, k: int, allowed: np.ndarray | None = None):
        if allowed is None:
            return self.store.dense_search(query_vector, k)
        filters = getattr(allowed, "filters", None)
        if filters:
            return self.store.dense_search(query_vector, k, filters=filters)
        return self.store.dense_search(query_vector, k, ids=[int(i) for i in allowed])

    def close(self) -> None:
        self.db.close()


def load_postgres(url: str, load_model: Callable[[IndexManifest], object]) -> PostgresIndex:
    """Open the index at ``url``; ``load_model(manifest)`` gives the checked model (``load.load_index``)."""
    database = Database(url)
    manifest = read_manifest(database)
    if manifest is None:
        database.close()
        raise IndexMissingError(
            f"no index in {database.display}; build one with `briefing index --index {database.display}`"
        )
    return PostgresIndex(database, manifest, load_model(manifest))


# --- building -------------------------------------------------------------------------------------


class _Writer:
    """The build's side of the store, inside one transaction: what ``build.apply_plan`` calls on
    the SQLite store (documents, passages, sentence vectors, counters) and on the FAISS index
    (``add_with_ids``, ``remove_ids``).  Vectors wait in memory until their passages are written."""

    def __init__(self, cursor, dimension: int, *, staged: bool = False):
        self.cursor = cursor
        self.dimension = dimension
        self._vectors: dict[int, np.ndarray] = {}
        self._sentences: dict[int, np.ndarray] = {}
        self.touched_terms: set[str] = set()
        # A worker writes into the staging tables, its passages numbered from the shared sequence
        # (``_Embedding`` numbers them from 0; ``_ids`` maps its numbers to the sequence's).
        self.prefix = "staged_" if staged else ""
        self._ids: dict[int, int] | None = {} if staged else None

    def _global(self, pid: int) -> int:
        return pid if self._ids is None else self._ids[pid]

    # the vector index's side
    def add_with_ids(self, matrix: np.ndarray, ids: np.ndarray) -> None:
        if self._ids is not None:
            self.cursor.execute(f"SELECT nextval('{S}.passage_ids') FROM generate_series(1, %s)", (len(ids),))
            self._ids.update(zip((int(i) for i in ids.tolist()), (int(r[0]) for r in self.cursor.fetchall())))
        for pid, row in zip(ids.tolist(), matrix):
            self._vectors[int(pid)] = row

    def remove_ids(self, ids: np.ndarray) -> int:
        return len(ids)  # the rows went with their passages (delete_document)

    # the store's side
    def next_passage_id(self) -> int:
        if self._ids is not None:
            return 0
        self.cursor.execute(f"SELECT value FROM {S}.meta WHERE key = 'next_passage_id'")
        row = self.cursor.fetchone()
        return int(row[0]) if row else 0

    def set_next_passage_id(self, value: int) -> None:
        if self._ids is None:
            _set_meta(self.cursor, {"next_passage_id": str(value)})

    def document_hashes(self) -> dict[str, tuple[str, str]]:
        self.cursor.execute(f"SELECT doc_id, path, sha256 FROM {S}.documents")
        return {row[0]: (row[1], row[2]) for row in self.cursor.fetchall()}

    def add_sentence_vectors(self, vectors: dict[int, np.ndarray]) -> None:
        self._sentences.update({int(pid): matrix for pid, matrix in vectors.items()})

    def add_document(self, document: Document, passages: list[Passage]) -> None:
        from ..store import _period

        start, end = _period(document.date)
        self.cursor.execute(
            f"INSERT INTO {S}.{self.prefix}documents (doc_id, path, title, date, date_start, date_end, source, url, "
            "sha256, "
            "pages, text) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                document.doc_id,
                document.path,
                document.title,
                document.date,
                start,
                end,
                document.source,
                document.url,
                document.sha256,
                json.dumps(list(document.pages)),
                document.text.replace("\x00", ""),
            ),
        )
        postings = []
        with self.cursor.copy(
            f"COPY {S}.{self.prefix}passages (passage_id, doc_id, ordinal, char_start, char_end, text, sentences, "
            "date_start, "
            "date_end, source, length, embedding, sentence_vectors) FROM STDIN"
        ) as copy:
            for p in passages:
                tokens = lexical_tokens(f"{document.title or ''}\n{p.text}")
                counts = Counter(tokens)
                pid = self._global(p.passage_id)
                postings.extend((term, pid, tf, len(tokens)) for term, tf in counts.items())
                self.touched_terms.update(counts)
                sentences = json.dumps([[s.char_start, s.char_end, s.speaker] for s in p.sentences])
                copy.write_row(
                    (
                        pid,
                        p.doc_id,
                        p.ordinal,
                        p.char_start,
                        p.char_end,
                        p.text.replace("\x00", ""),
                        sentences,
                        start,
                        end,
                        document.source,
                        len(tokens),
                        _vector_text(self._vectors.pop(p.passage_id)),
                        np.ascontiguousarray(self._sentences.pop(p.passage_id), dtype=np.float16).tobytes(),
                    )
                )
        with self.cursor.copy(f"COPY {S}.{self.prefix}postings (term, passage_id, tf, length) FROM STDIN") as copy:
            for row in postings:
                copy.write_row(row)

    def delete_document(self, doc_id: str) -> list[int]:
        self.cursor.execute(f"SELECT passage_id FROM {S}.passages WHERE doc_id = %s", (doc_id,))
        ids = [int(row[0]) for row in self.cursor.fetchall()]
        if ids:
            self.cursor.execute(f"DELETE FROM {S}.postings WHERE passage_id = ANY(%s) RETURNING term", (ids,))
            self.touched_terms.update(row[0] for row in self.cursor.fetchall())
            self.cursor.execute(f"DELETE FROM {S}.passages WHERE passage_id = ANY(%s)", (ids,))
        self.cursor.execute(f"DELETE FROM {S}.documents WHERE doc_id = %s", (doc_id,))
        return ids

    def counts(self) -> tuple[int, int]:
        self.cursor.execute(f"SELECT (SELECT count(*) FROM {S}.documents), (SELECT count(*) FROM {S}.passages)")
        documents, passages = self.cursor.fetchone()
        return int(documents), int(passages)

    def update_terms(self) -> None:
        """Bring ``terms`` (document frequencies) and the collection's counters up to date."""
        terms = sorted(self.touched_terms)
        if terms:
            self.cursor.execute(f"DELETE FROM {S}.terms WHERE term = ANY(%s)", (terms,))
            self.cursor.execute(
                f"INSERT INTO {S}.terms (term, df) SELECT term, count(*) FROM {S}.postings "
                "WHERE term = ANY(%s) GROUP BY term",
                (terms,),
            )
        self.cursor.execute(f"SELECT count(*), coalesce(sum(length), 0) FROM {S}.passages")
        passages, tokens = self.cursor.fetchone()
        _set_meta(self.cursor, {"passages": str(int(passages)), "tokens": str(int(tokens))})
        self.touched_terms.clear()


def _set_meta(cursor, values: dict[str, str]) -> None:
    for key, value in values.items():
        cursor.execute(
            f"INSERT INTO {S}.meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def _build_meta(embedder, params, plan, report) -> dict[str, str]:
    """What ``meta`` records of a finished build (the embedded store's manifest)."""
    return {
        "schema_version": str(SCHEMA_VERSION),
        "package_version": package_version(),
        "model_name": embedder.identity,
        "model_path": str(embedder.path),
        "dimension": str(embedder.dimension),
        "chunking": json.dumps(params.to_dict(), sort_keys=True),
        "files": json.dumps(dict(sorted(plan.files.items()))),
        "generation": "pg-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ"),
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "documents": str(report.documents),
    }


def _create_schema(cursor, database: Database, dimension: int) -> None:
    try:
        cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}")
    except psycopg.Error as error:
        raise DatabaseError(
            f"PostgreSQL at {database.where} cannot give the pgvector extension ({_clean(error, None)}); "
            "install pgvector on the server (https://github.com/pgvector/pgvector) or have its "
            f"administrator run `CREATE EXTENSION {EXTENSION}` in database {database.dbname!r}"
        ) from None
    for statement in _schema_sql(dimension):
        cursor.execute(statement)


def build_index(
    corpus_dir: Path,
    url: str,
    *,
    embedder=None,
    model_path=None,
    backend=None,
    full: bool = False,
    params=None,
    max_document_mb: float | None = None,
    progress=None,
    show_bar: bool = True,
    log: Callable[[str], None] = print,
):
    """Bring the index at ``url`` up to date with ``corpus_dir`` in one transaction (see the module
    docstring); the same plan, chunking and embedding as the embedded store's ``build_index``."""
    from ...corpus import max_document_bytes
    from ...corpus.chunking import ChunkingParams
    from ..build import BuildReport, apply_plan, plan_build, starting_point

    started = time.perf_counter()
    max_bytes = max_document_bytes(max_document_mb)
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusEmptyError(f"corpus folder {corpus_dir} does not exist")
    params = params or ChunkingParams()
    database = Database(url)
    connection = database.connection()
    try:
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", (BUILD_LOCK,))
            if not cursor.fetchone()[0]:
                raise IndexBusyError(f"another `briefing index` is updating {database.display}; wait for it to finish")
            old, embedder, reason = starting_point(
                lambda: read_manifest(database), embedder, model_path, backend, params, full, log
            )
            checkpoint("start")
            if old is None or old.dimension != embedder.dimension:
                # A first build or a full one: the old tables go inside this transaction, so readers
                # keep the previous index until the commit (they wait for it when the tables change).
                for table in TABLES:
                    cursor.execute(f"DROP TABLE IF EXISTS {S}.{table} CASCADE")
            _create_schema(cursor, database, embedder.dimension)
            writer = _Writer(cursor, embedder.dimension)
            stored = writer.document_hashes()
            plan = plan_build(corpus_dir, old.files if old else {}, stored, max_bytes=max_bytes)
            report = BuildReport.of_plan(plan, reason)
            if old is None and not plan.files_read:
                raise CorpusEmptyError(f"no documents in {corpus_dir} (supported: .md .txt .html .htm .pdf .jsonl)")
            fresh = not stored
            if fresh:  # an empty table: the HNSW graph is built once, after the rows
                cursor.execute(f"DROP INDEX IF EXISTS {S}.passages_embedding")
            report.embedded_passages = apply_plan(
                plan, writer, writer, embedder, params, progress=progress, show_bar=show_bar
            )
            report.documents, report.passages = writer.counts()
            if report.documents == 0:
                raise CorpusEmptyError(
                    f"no usable documents in {corpus_dir}"
                    + (f" ({len(report.skipped)} skipped: {report.skipped[0]})" if report.skipped else "")
                )
            writer.update_terms()
            _vector_index(cursor)
            checkpoint("vectors")
            _set_meta(cursor, _build_meta(embedder, params, plan, report))
            checkpoint("commit")
        # After the commit, outside any transaction: fresh planner statistics, and a visibility map
        # so the postings are read from their index alone (PRIMARY KEY ... INCLUDE (tf, length)).
        connection.execute(f"VACUUM (ANALYZE) {S}.postings, {S}.terms, {S}.passages, {S}.documents")
    except psycopg.OperationalError as error:
        raise database.error(error, "building the index") from None
    finally:
        database.close()
    checkpoint("manifest")
    report.seconds = time.perf_counter() - started
    return report


# --- indexing spread over workers ------------------------------------------------------------------
#
# ``briefing index --workers N``: the coordinator plans the build (what changed) and queues the
# documents to embed in ``queue``; N workers (the coordinator among them, or ``work`` on other
# machines that see the same corpus folder) claim a few at a time with ``FOR UPDATE SKIP LOCKED``,
# embed them and write their rows into the ``staged_*`` tables, and mark them done, all in one
# transaction per claim: a worker killed mid-claim loses nothing (its claim goes back to the queue
# with the rollback) and nothing is embedded twice (a claim is done exactly when its rows are
# written).  The coordinator then switches in one transaction, as a one-process build does.

CLAIM = 8  # documents per claim
CLAIM_POLL_SECONDS = 0.5  # how often the coordinator looks whether other machines' claims are done


def _staging_sql(dimension: int) -> list[str]:
    return [
        f"DROP TABLE IF EXISTS {S}.queue, {S}.staged_documents, {S}.staged_passages, {S}.staged_postings",
        f"CREATE TABLE {S}.queue (doc_id text PRIMARY KEY, path text NOT NULL, done boolean NOT NULL DEFAULT false)",
        f"""CREATE TABLE {S}.staged_documents (
            doc_id text PRIMARY KEY, path text NOT NULL, title text, date text, source text, url text,
            date_start text, date_end text, sha256 text NOT NULL, pages text NOT NULL, text text NOT NULL)""",
        f"""CREATE TABLE {S}.staged_passages (
            passage_id bigint PRIMARY KEY, doc_id text NOT NULL, ordinal int NOT NULL, char_start int NOT NULL,
            char_end int NOT NULL, text text NOT NULL, sentences text NOT NULL, date_start text, date_end text,
            source text, length int NOT NULL, embedding vector({int(dimension)}) NOT NULL,
            sentence_vectors bytea NOT NULL)""",
        f"""CREATE TABLE {S}.staged_postings (
            term text COLLATE "C" NOT NULL, passage_id bigint NOT NULL, tf int NOT NULL, length int NOT NULL)""",
        f"CREATE SEQUENCE IF NOT EXISTS {S}.passage_ids",
    ]


def work(
    url: str,
    corpus_dir: Path,
    *,
    embedder=None,
    max_document_mb: float | None = None,
    log: Callable[[str], None] = print,
) -> int:
    """Claim, embed and stage queued documents until the queue has none left unclaimed; returns
    how many documents this worker staged.  The model and chunking are the running build's."""
    from ...corpus import max_document_bytes, read_file
    from ...corpus.chunking import ChunkingParams
    from ...errors import CorpusError
    from ..build import _Embedding
    from ..embedder import Embedder, backend_of

    database = Database(url)
    connection = database.connection()
    meta = read_meta(database) or {}
    if "build_model_name" not in meta:
        database.close()
        raise IndexMissingError(f"no build is waiting for workers in {database.display}")
    if embedder is None:
        embedder = Embedder(meta["build_model_path"], backend=backend_of(meta["build_model_name"]))
    if embedder.identity != meta["build_model_name"]:
        database.close()
        raise IndexMismatchError(
            f"the build in {database.display} embeds with {meta['build_model_name']}, not {embedder.identity}; "
            "start the worker with that model"
        )
    chunking = json.loads(meta["build_chunking"])
    params = ChunkingParams(**{key: chunking[key] for key in ("max_tokens", "overlap_sentences", "splitter")})
    if params.to_dict() != chunking:
        database.close()
        raise IndexMismatchError(
            f"the build in {database.display} chunks as {chunking}, this briefing as {params.to_dict()}; "
            "run the same briefing version on every worker"
        )
    corpus_dir, max_bytes = Path(corpus_dir), max_document_bytes(max_document_mb)
    files: dict[str, dict[str, Document]] = {}
    staged = 0
    try:
        while True:
            with connection.transaction(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT doc_id, path FROM {S}.queue WHERE NOT done ORDER BY path, doc_id "
                    "LIMIT %s FOR UPDATE SKIP LOCKED",
                    (CLAIM,),
                )
                claimed = cursor.fetchall()
                if not claimed:
                    break
                writer = _Writer(cursor, embedder.dimension, staged=True)
                embedding = _Embedding(writer, writer, embedder, params, len(claimed), None, False)
                for doc_id, path in claimed:
                    if path not in files:
                        files.clear()  # claims come in path order: one file's documents at a time
                        try:
                            documents, _ = read_file(corpus_dir, corpus_dir / path, max_bytes=max_bytes)
                        except CorpusError as error:
                            log(f"warning: {path}: {error}")
                            documents = []
                        files[path] = {document.doc_id: document for document in documents}
                    document = files[path].get(doc_id)
                    if document is not None:  # gone since the plan: nothing to stage
                        embedding.add(document)
                embedding.close()
                checkpoint("claim")
                cursor.execute(f"UPDATE {S}.queue SET done = true WHERE doc_id = ANY(%s)", ([r[0] for r in claimed],))
            staged += len(claimed)
    except psycopg.OperationalError as error:
        raise database.error(error, "embedding queued documents") from None
    finally:
        database.close()
    return staged


def _worker_process(url: str, corpus_dir: str, max_document_mb: float | None) -> None:
    """A worker process started by ``--workers`` (multiprocessing, spawned): its own model and connection."""
    work(url, Path(corpus_dir), max_document_mb=max_document_mb, log=lambda message: None)


def build_with_workers(
    corpus_dir: Path,
    url: str,
    *,
    workers: int,
    embedder=None,
    model_path=None,
    backend=None,
    full: bool = False,
    params=None,
    max_document_mb: float | None = None,
    log: Callable[[str], None] = print,
    start_workers: Callable[[int], list] | None = None,
):
    """``build_index`` with the embedding spread over ``workers`` processes through the queue
    table (this process is one of them); the switch is one transaction as in a one-process build.
    ``start_workers(n)`` starts the other workers and returns objects with ``join()`` (default:
    ``n`` spawned processes running :func:`work`)."""
    import multiprocessing

    from ...corpus import max_document_bytes
    from ...corpus.chunking import ChunkingParams
    from ..build import BuildReport, plan_build, starting_point

    started = time.perf_counter()
    max_bytes = max_document_bytes(max_document_mb)
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusEmptyError(f"corpus folder {corpus_dir} does not exist")
    params = params or ChunkingParams()
    database = Database(url)
    connection = database.connection()
    try:
        if not connection.execute("SELECT pg_try_advisory_lock(%s)", (BUILD_LOCK,)).fetchone()[0]:
            raise IndexBusyError(f"another `briefing index` is updating {database.display}; wait for it to finish")
        old, embedder, reason = starting_point(
            lambda: read_manifest(database), embedder, model_path, backend, params, full, log
        )
        with connection.transaction(), connection.cursor() as cursor:
            _create_schema(cursor, database, embedder.dimension)
            stored = _Writer(cursor, embedder.dimension).document_hashes() if old else {}
            plan = plan_build(corpus_dir, old.files if old else {}, stored, max_bytes=max_bytes)
            if old is None and not plan.files_read:
                raise CorpusEmptyError(f"no documents in {corpus_dir} (supported: .md .txt .html .htm .pdf .jsonl)")
            for statement in _staging_sql(embedder.dimension):
                cursor.execute(statement)
            with cursor.copy(f"COPY {S}.queue (doc_id, path) FROM STDIN") as copy:
                for document in plan.embed:
                    copy.write_row((document.doc_id, document.path))
            # New passages are numbered after every passage the index holds (or held: ids are not reused).
            next_id = _Writer(cursor, embedder.dimension).next_passage_id() if old else 0
            cursor.execute(f"SELECT setval('{S}.passage_ids', %s, false)", (max(next_id, 1),))
            _set_meta(
                cursor,
                {
                    "build_model_name": embedder.identity,
                    "build_model_path": str(embedder.path),
                    "build_chunking": json.dumps(params.to_dict(), sort_keys=True),
                },
            )
        checkpoint("start")
        if start_workers is None:

            def start_workers(count: int) -> list:
                context = multiprocessing.get_context("spawn")
                processes = [
                    context.Process(target=_worker_process, args=(url, str(corpus_dir), max_document_mb))
                    for _ in range(count)
                ]
                for process in processes:
                    process.start()
                return processes

        others = start_workers(max(workers - 1, 0)) if plan.embed else []
        work(url, corpus_dir, embedder=embedder, max_document_mb=max_document_mb, log=log)
        for other in others:
            other.join()
        # Until every queued document is staged: what a killed worker had claimed went back to the
        # queue (finish it here), and a worker on another machine (`briefing index --join`) may still
        # hold a claim (wait for it: switching now would leave its documents out).  The wait polls on
        # this connection; ``work`` (a connection of its own) runs only when a document is claimable.
        while True:
            with connection.transaction(), connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {S}.queue WHERE NOT done")
                if not cursor.fetchone()[0]:
                    break
                cursor.execute(f"SELECT 1 FROM {S}.queue WHERE NOT done LIMIT 1 FOR UPDATE SKIP LOCKED")
                claimable = cursor.fetchone() is not None
            if claimable:
                work(url, corpus_dir, embedder=embedder, max_document_mb=max_document_mb, log=log)
            else:
                time.sleep(CLAIM_POLL_SECONDS)
        report = BuildReport.of_plan(plan, reason)
        with connection.transaction(), connection.cursor() as cursor:  # the switch
            if old is None:
                for table in TABLES:
                    cursor.execute(f"DROP TABLE IF EXISTS {S}.{table} CASCADE")
                _create_schema(cursor, database, embedder.dimension)
            writer = _Writer(cursor, embedder.dimension)
            for doc_id in plan.delete:
                writer.delete_document(doc_id)
            cursor.execute(f"INSERT INTO {S}.documents SELECT * FROM {S}.staged_documents")
            cursor.execute(f"INSERT INTO {S}.passages SELECT * FROM {S}.staged_passages RETURNING passage_id")
            report.embedded_passages = len(cursor.fetchall())
            cursor.execute(f"INSERT INTO {S}.postings SELECT * FROM {S}.staged_postings")
            cursor.execute(f"SELECT DISTINCT term FROM {S}.staged_postings")
            writer.touched_terms.update(row[0] for row in cursor.fetchall())
            report.documents, report.passages = writer.counts()
            if report.documents == 0:
                raise CorpusEmptyError(f"no usable documents in {corpus_dir}")
            writer.update_terms()
            _vector_index(cursor)
            cursor.execute(f"SELECT nextval('{S}.passage_ids')")
            next_id = int(cursor.fetchone()[0])
            cursor.execute(f"DROP TABLE {S}.queue, {S}.staged_documents, {S}.staged_passages, {S}.staged_postings")
            cursor.execute(f"DELETE FROM {S}.meta WHERE key LIKE 'build_%%'")
            _set_meta(cursor, _build_meta(embedder, params, plan, report) | {"next_passage_id": str(next_id)})
            checkpoint("commit")
        connection.execute(f"VACUUM (ANALYZE) {S}.postings, {S}.terms, {S}.passages, {S}.documents")
    except psycopg.OperationalError as error:
        raise database.error(error, "building the index") from None
    finally:
        database.close()  # the session's advisory lock goes with it
    report.seconds = time.perf_counter() - started
    return report
