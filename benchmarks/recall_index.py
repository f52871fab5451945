"""Recall@10 of a built index's dense search against exact search, with real questions.

Usage (repository root, project venv)::

    python benchmarks/recall_index.py --index DIR --questions eval/gold/demo.jsonl [...]

Each question's vector goes through ``vectors.search`` (the IVF with its exact re-scoring,
what ``retrieve()`` uses) and through an exact flat scan; a returned passage counts as a hit
when its score reaches the exact 10th score (copied corpora hold identical vectors, so ids
alone would under-count).  One thread.  Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, nargs="+", required=True)
    args = parser.parse_args()
    import faiss

    from briefing.index import vectors
    from briefing.index.load import load_index

    faiss.omp_set_num_threads(1)
    index = load_index(args.index)
    questions = [
        json.loads(line)["question"]
        for path in args.questions
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    matrix = index.embedder.encode(questions)
    hits, approx_s, exact_s = [], 0.0, 0.0
    for query in matrix:
        started = time.perf_counter()
        found = vectors.search(index.vectors, query, 10)
        approx_s += time.perf_counter() - started
        started = time.perf_counter()
        truth = vectors.search(index.vectors, query, 10, exact=True)
        exact_s += time.perf_counter() - started
        tenth = truth[-1][1] - 1e-5
        hits.append(sum(score >= tenth for _, score in found) / 10)
    print(
        json.dumps(
            {
                "index": str(args.index),
                "passages": index.manifest.passages,
                "faiss": index.manifest.faiss_type,
                "questions": len(questions),
                "recall_at_10": round(sum(hits) / len(hits), 4),
                "ivf_ms_per_query": round(1000 * approx_s / len(hits), 2),
                "exact_ms_per_query": round(1000 * exact_s / len(hits), 2),
                "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
