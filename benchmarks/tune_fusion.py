"""Choose the hybrid fusion weight on SciFact *train*, then report dense, lexical and hybrid on *test*.

    python benchmarks/tune_fusion.py [--beir ../shared/datasets/scifact] [--cache DIR]

Dense and lexical candidate lists are computed once per query; every weight is
then scored on the same lists, so the sweep costs one retrieval per query.
Documents are scored by their best passage (as in ``briefing eval --beir``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from briefing.answer.retrieve import fuse  # noqa: E402  (the fusion `briefing ask` uses, not a copy)
from briefing.evaluation.beir import load_beir, prepare_index, score_runs  # noqa: E402

DEPTH = 300
WEIGHTS = [round(0.05 * i, 2) for i in range(0, 21)]


def candidate_lists(index, queries: dict[str, str]) -> dict[str, tuple[dict[int, float], dict[int, float]]]:
    """qid -> (dense scores, lexical scores) over the union of both top-DEPTH lists."""
    import numpy as np

    out = {}
    for qid, text in queries.items():
        vector = index.encode_query(text)
        dense = dict(index.dense_search(vector, DEPTH))
        lexical = dict(index.lexical_search(text, DEPTH))  # the lexical query `retrieve()` makes
        missing = [pid for pid in lexical if pid not in dense]
        if missing:
            matrix = np.vstack([index.vectors.reconstruct(int(pid)) for pid in missing])
            dense.update({pid: float(s) for pid, s in zip(missing, matrix @ vector)})
        out[qid] = (dense, lexical)
    return out


def doc_run(fused: dict[int, float], doc_of: dict[int, str]) -> list[str]:
    ranked, seen = [], set()
    for pid, _ in sorted(fused.items(), key=lambda item: -item[1]):
        doc = doc_of[pid]
        if doc not in seen:
            seen.add(doc)
            ranked.append(doc)
    return ranked


def runs_for(lists, doc_of, weight: float | None, mode: str) -> dict[str, list[str]]:
    runs = {}
    for qid, (dense, lexical) in lists.items():
        if mode == "dense":
            scores = {pid: s for pid, s in sorted(dense.items(), key=lambda i: -i[1])[:DEPTH]}
        elif mode == "lexical":
            scores = lexical
        else:
            scores = fuse(dense, lexical, weight)
        runs[qid] = doc_run(scores, doc_of)
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beir", type=Path, default=REPO.parent / "shared" / "datasets" / "scifact")
    parser.add_argument("--cache", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    index = prepare_index(args.beir, cache=args.cache, log=lambda m: print(m, file=sys.stderr))
    train, test = load_beir(args.beir, "train"), load_beir(args.beir, "test")
    rows = [(pid, doc_id) for pid, doc_id, _ in index.store.passage_texts()]
    doc_of = {pid: doc.split("#", 1)[1] for pid, doc in rows}
    train_lists = candidate_lists(index, train.queries)
    sweep = []
    for weight in WEIGHTS:
        metrics = score_runs(runs_for(train_lists, doc_of, weight, "hybrid"), train.qrels)
        sweep.append((weight, round(metrics["ndcg@10"].mean, 4)))
    best_weight = max(sweep, key=lambda row: row[1])[0]
    test_lists = candidate_lists(index, test.queries)
    report = {"train_sweep_ndcg@10": sweep, "chosen_dense_weight": best_weight, "test": {}}
    for mode, weight in (("dense", None), ("lexical", None), ("hybrid", best_weight), ("hybrid-0.5", 0.5)):
        metrics = score_runs(runs_for(test_lists, doc_of, weight, mode.split("-")[0]), test.qrels)
        report["test"][mode] = {name: round(result.mean, 4) for name, result in metrics.items()}
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
