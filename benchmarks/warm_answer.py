"""Warm `answer()` against one question encoding, with the cost of each part; one process.

Usage (repository root, project venv)::

    python benchmarks/warm_answer.py --index DIR --questions eval/gold/demo.jsonl [--repeat 2]

The index and the model load once; 5 warm-up questions; then every question of the
gold set (``--repeat`` times), one thread (torch and FAISS).  Measured per question:

* ``answer()`` end to end;
* its parts, by timing the functions it calls (wrapped in place, same process):
  ``encode`` (the question's vector), ``dense`` (FAISS search), ``lexical`` (FTS5),
  ``sentence vectors`` (reading them from SQLite), ``sentences`` (candidate spans,
  features and scores, sentence vectors included), ``coverage`` (key-term coverage),
  ``decide`` (abstention, selection, rendering); ``other`` is the rest;
* the floor: ``Embedder.encode`` of the question alone (the same model, warm).

With ``PYTHONPATH=<older checkout>/src`` it measures that checkout the same way (parts it
lacks are left out; its per-question sentence-vector cache is emptied before each question).

Prints one JSON object: p50/p95 of each, the ratio of the p50s of ``answer()`` and one
question encoding, and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

from briefing.index.stores import index_location

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=index_location, required=True, help="a folder or a postgresql:// URL")
    parser.add_argument("--questions", type=Path, nargs="+", required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: elapsed time; cpu: this process's CPU time (time.process_time), steadier on a shared machine",
    )
    args = parser.parse_args()
    import faiss
    import torch

    clock = time.perf_counter if args.clock == "wall" else time.process_time

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    import importlib

    # by module name: the package attribute ``briefing.answer`` is the facade's function
    answering = importlib.import_module("briefing.answer")
    evidence = importlib.import_module("briefing.answer.evidence")
    from briefing.index.load import Index, load_index

    spent: dict[str, float] = defaultdict(float)

    def wrap(owner, name, label):
        original = getattr(owner, name, None)
        if original is None:  # an older checkout (``PYTHONPATH=/tmp/before/src``) without this part
            return

        def timed(*a, **k):
            started = clock()
            try:
                return original(*a, **k)
            finally:
                spent[label] += clock() - started

        setattr(owner, name, timed)

    indexes = [Index]
    if not isinstance(args.index, Path):  # the PostgreSQL store's index
        from briefing.index.stores.postgres import PostgresIndex

        indexes.append(PostgresIndex)
    for kind in indexes:
        wrap(kind, "encode_query", "encode")
        wrap(kind, "dense_search", "dense")
        wrap(kind, "lexical_search", "lexical")
        wrap(kind, "sentence_vectors", "sentence vectors")
    wrap(evidence, "candidates", "sentences")
    wrap(evidence, "coverage", "coverage")
    wrap(answering, "decide", "decide")

    index = load_index(args.index)
    questions = [
        json.loads(line)["question"]
        for path in args.questions
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    for question in questions[:5]:
        answering.answer(index, question)
    floor = []
    for question in questions:
        started = clock()
        index.embedder.encode([question])
        floor.append((clock() - started) * 1000)
    load_before = load_average()
    totals, parts = [], defaultdict(list)
    # An older checkout kept an LRU cache of sentence vectors filled per question: emptied before
    # each question, as on a large corpus where a question's candidate sentences are mostly new.
    old_cache = getattr(importlib.import_module("briefing.answer.sentences"), "SENTENCE_VECTORS", None)
    for _ in range(args.repeat):
        for question in questions:
            if old_cache is not None:
                old_cache._cache.clear()
            spent.clear()
            started = clock()
            answering.answer(index, question)
            total = clock() - started
            totals.append(total * 1000)
            for label, seconds in spent.items():
                parts[label].append(seconds * 1000)
            parts["other"].append((total - sum(v for k, v in spent.items() if k != "sentence vectors")) * 1000)
    floor_after = []
    for question in questions:
        started = clock()
        index.embedder.encode([question])
        floor_after.append((clock() - started) * 1000)
    floor += floor_after
    out = {
        "index": str(args.index) if isinstance(args.index, Path) else index.db.display,
        "passages": index.manifest.passages,
        "faiss": index.manifest.faiss_type,
        "questions": len(totals),
        "clock": args.clock,
        "answer_p50_ms": round(percentile(totals, 0.5), 2),
        "answer_p95_ms": round(percentile(totals, 0.95), 2),
        "question_encode_p50_ms": round(percentile(floor, 0.5), 2),
        "question_encode_p95_ms": round(percentile(floor, 0.95), 2),
        "ratio_answer_over_encode_p50": round(percentile(totals, 0.5) / percentile(floor, 0.5), 2),
        "parts_p50_ms": {k: round(percentile(v, 0.5), 2) for k, v in parts.items()},
        "parts_p95_ms": {k: round(percentile(v, 0.95), 2) for k, v in parts.items()},
        "parts_mean_ms": {k: round(sum(v) / len(v), 2) for k, v in parts.items()},
        "load_before": load_before,
        "load_after": load_average(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(out, indent=1))
    index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
