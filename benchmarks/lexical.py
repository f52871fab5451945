"""The lexical query with and without its common words, at 13k, 100k and 1M passages; SciFact quality.

Usage (repository root, project venv)::

    python benchmarks/lexical.py [--sizes 100000 1000000] [--work DIR] [--out FILE.json]

No embedding: the State Department collection is chunked once (the model's tokenizer
only) and written into FTS5-only stores, copied under distinct document ids up to each
size (documents, passages and the FTS5 table, as a build writes them; no vectors).
For each size, the same questions (the State Dept gold questions, then "What did the
State Department say about <title>?") run through

* ``full``: the FTS5 BM25 query OR-ing every content word (the query before issue 11);
* ``pruned``: :meth:`Index.lexical_search`, which leaves out the words held by more than
  a share of the passages (document frequencies cached per generation), at several shares;

p50/p95 ms each (one thread, warm: document frequencies cached by a first pass, whose
own cost is reported too) and the top-10 overlap with ``full``; then the date-filtered
query (2021) as :meth:`Store.lexical_search` writes it (``+rowid IN (...)``) and, on the
first few questions, as it was written before (``rowid IN (...)``, which FTS5 turns into
one MATCH per allowed passage).  Quality: SciFact test nDCG@10 / recall@100 of lexical
retrieval at each share, over a store of its 5,183 abstracts (one passage per abstract,
title included).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from briefing.corpus.collection import read_jsonl_records  # noqa: E402
from briefing.evaluation.beir import load_beir, score_runs  # noqa: E402
from briefing.index.load import LEXICAL_MAX_DF_SHARE, Index  # noqa: E402
from briefing.index.store import Store  # noqa: E402
from briefing.records import Document, Passage, Sentence  # noqa: E402
from briefing.textfold import fts_match_query  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
STATE_DEPT = DATASETS / "state-dept-press-releases" / "press_releases.jsonl"
SCIFACT = DATASETS / "scifact"
GOLD = [REPO / "eval" / "gold" / "state_dept.jsonl", REPO / "eval" / "gold" / "state_dept_heldout.jsonl"]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))]


def chunked_collection(work: Path) -> list[tuple[Document, list[tuple[int, int, list]]]]:
    """The collection's documents and their passages' (start, end, sentences), chunked once and cached."""
    cache = work / "chunks.json"
    documents = [d for d in read_jsonl_records(STATE_DEPT, STATE_DEPT.name) if isinstance(d, Document)]
    if cache.exists():
        spans = json.loads(cache.read_text())
    else:
        from briefing.corpus.chunking import ChunkingParams, chunk_document
        from briefing.index.embedder import Embedder

        embedder = Embedder()
        spans = {}
        for document in documents:
            chunks = chunk_document(document, embedder.count_tokens, ChunkingParams())
            spans[document.doc_id] = [
                [c.char_start, c.char_end, [[s.char_start, s.char_end, s.speaker] for s in c.sentences]] for c in chunks
            ]
        cache.write_text(json.dumps(spans))
    return [(d, spans[d.doc_id]) for d in documents]


def fts_store(path: Path, collection, target: int) -> tuple[Store, int, float]:
    """A store holding copies of the collection up to ``target`` passages (made once); (store, passages, s)."""
    started = time.perf_counter()
    if not path.exists():
        store = Store(path)
        store._connection.execute("PRAGMA journal_mode=OFF")
        store._connection.execute("PRAGMA synchronous=OFF")
        next_id, copy = 0, 0
        while next_id < target:
            for document, chunks in collection:
                if next_id >= target:
                    break
                doc = replace(document, doc_id=f"copy{copy}/{document.doc_id}")
                passages = []
                for ordinal, (start, end, sentences) in enumerate(chunks):
                    passages.append(
                        Passage(
                            next_id,
                            doc.doc_id,
                            ordinal,
                            start,
                            end,
                            doc.text[start:end],
                            tuple(Sentence(*s) for s in sentences),
                        )
                    )
                    next_id += 1
                store.add_document(doc, passages)
            copy += 1
            store.commit()
        store.set_next_passage_id(next_id)
        store.commit()
        store.close()
    store = Store(path, read_only=True)
    return store, store.counts()[1], time.perf_counter() - started


def shim(store: Store, passages: int) -> Index:
    """An :class:`Index` holding only the store (no vectors, no model): enough for lexical search."""
    index = Index.__new__(Index)
    index.store = store
    index.manifest = SimpleNamespace(passages=passages)
    index._frequencies = {}
    return index


def questions(collection, count: int) -> list[str]:
    gold = [json.loads(line)["question"] for path in GOLD for line in path.read_text().splitlines() if line.strip()]
    rng = random.Random(7)
    titles = [d.title for d, _ in collection if d.title]
    return gold + [f"What did the State Department say about {rng.choice(titles)}?" for _ in range(count)]


SHARES = (0.05, 0.1, 0.2, 0.3)
OLD_FILTER_QUESTIONS = 5


def _old_filtered(store: Store, match: str, limit: int) -> list:
    """The date-filtered query as written before issue 11 (``rowid IN``, no unary plus)."""
    sql = (
        "SELECT rowid, -bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ? AND rowid IN "
        "(SELECT p.passage_id FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE "
        "(d.date_end IS NOT NULL AND d.date_end >= ?) AND (d.date_start IS NOT NULL AND d.date_start <= ?)) "
        "ORDER BY bm25(passages_fts) LIMIT ?"
    )
    return store._rows(sql, [match, "2021-01-01", "2021-12-31", limit])


def _ms(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, (time.perf_counter() - started) * 1000


def timed_queries(index: Index, asked: list[str]) -> dict:
    cold = time.perf_counter()
    for question in asked:  # first pass: fills the document-frequency cache
        index.lexical_terms(question)
    cold_s = time.perf_counter() - cold
    times: dict[str, list[float]] = {"full": [], "filtered_full_terms": []}
    overlaps: dict[str, list[float]] = {}
    for share in SHARES:
        times[f"pruned_{share}"], times[f"filtered_{share}"], overlaps[str(share)] = [], [], []
    for question in asked:
        full, ms = _ms(index.store.lexical_search, fts_match_query(question), 100)
        times["full"].append(ms)
        _, ms = _ms(index.store.lexical_search, fts_match_query(question), 100, since="2021-01-01", until="2021-12-31")
        times["filtered_full_terms"].append(ms)
        top_full = {pid for pid, _ in full[:10]}
        for share in SHARES:
            pruned, ms = _ms(index.lexical_search, question, 100, max_df_share=share)
            times[f"pruned_{share}"].append(ms)
            _, ms = _ms(index.lexical_search, question, 100, since="2021-01-01", until="2021-12-31", max_df_share=share)
            times[f"filtered_{share}"].append(ms)
            overlaps[str(share)].append(len(top_full & {pid for pid, _ in pruned[:10]}) / max(len(top_full), 1))
    old = [_ms(_old_filtered, index.store, fts_match_query(q), 100)[1] for q in asked[:OLD_FILTER_QUESTIONS]]
    row = {"questions": len(asked), "df_first_pass_ms_per_question": round(cold_s * 1000 / len(asked), 2)}
    for name, values in times.items():
        row[f"{name}_p50_ms"] = round(percentile(values, 0.5), 2)
        row[f"{name}_p95_ms"] = round(percentile(values, 0.95), 2)
    row["filtered_old_plan_mean_ms_first_questions"] = round(sum(old) / len(old), 1)
    row["top10_overlap_with_full"] = {share: round(sum(v) / len(v), 4) for share, v in overlaps.items()}
    row["load_after"] = load_average()
    return row


def scifact(work: Path) -> dict:
    path = work / "scifact.sqlite"
    if not path.exists():
        store = Store(path)
        for number, line in enumerate((SCIFACT / "corpus.jsonl").read_text().splitlines()):
            record = json.loads(line)
            text = record.get("text") or ""
            doc = Document(f"corpus.jsonl#{record['_id']}", "corpus.jsonl", text, title=record.get("title"))
            store.add_document(doc, [Passage(number, doc.doc_id, 0, 0, len(text), text, ())])
        store.commit()
        store.close()
    store = Store(path, read_only=True)
    index = shim(store, store.counts()[1])
    dataset = load_beir(SCIFACT, "test")
    out = {}
    for name, share in (("full", None), *((f"pruned_{share}", share) for share in SHARES)):
        run = {}
        for qid, text in dataset.queries.items():
            hits = index.lexical_search(text, 100, max_df_share=share)
            run[qid] = [index_doc.split("#", 1)[1] for index_doc in _doc_ids(store, [pid for pid, _ in hits])]
        out[name] = {metric: round(result.mean, 4) for metric, result in score_runs(run, dataset.qrels).items()}
    store.close()
    return out


def _doc_ids(store: Store, passage_ids: list[int]) -> list[str]:
    found = store.passages(passage_ids)
    return [found[pid].doc_id for pid in passage_ids if pid in found]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--titles", type=int, default=100)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-lexical-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "load_start": load_average(),
        "max_df_share": LEXICAL_MAX_DF_SHARE,
        "sqlite": sqlite3.sqlite_version,
    }
    results["scifact"] = scifact(work)
    print(json.dumps(results["scifact"]), flush=True)
    collection = chunked_collection(work)
    asked = questions(collection, args.titles)
    base = sum(len(chunks) for _, chunks in collection)
    for size in [base, *args.sizes]:
        store, passages, build_s = fts_store(work / f"fts-{size}.sqlite", collection, size)
        row = {
            "passages": passages,
            "store_seconds": round(build_s, 1),
            "store_mb": round((work / f"fts-{size}.sqlite").stat().st_size / 2**20, 1),
        }
        row.update(timed_queries(shim(store, passages), asked))
        store.close()
        results[str(passages)] = row
        print(json.dumps(row), flush=True)
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    text = json.dumps(results, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
