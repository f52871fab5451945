"""FAISS at 100k and 1M vectors: the 8-bit IVF with exact re-scoring against exact search.

Usage (repository root, project venv)::

    python benchmarks/vectors_scale.py --index DIR [--sizes 100000 1000000] [--work DIR]

No real corpus of a million passages exists here, so the vectors are synthetic but made
from real ones: every passage and sentence vector of the index in ``--index`` (all-MiniLM-L6-v2
vectors of real text), and each synthetic vector a normalised random mix of two of them plus
a little noise, so the collection keeps their clusters without exact duplicates.  Queries:
300 real sentence vectors, perturbed the same way.  Per size: build (train + add) seconds,
file sizes, resident memory added by loading them, search p50/p95 ms (k=100, one thread,
the search ``retrieve()`` makes) for the IVF path (with its exact re-scoring) and for the
exact flat scan, and recall@10 of the IVF path against exact search.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from briefing.index import vectors  # noqa: E402


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))]


def real_vectors(index_dir: Path) -> np.ndarray:
    import sqlite3

    manifest = json.loads((index_dir / "manifest.json").read_text())
    folder = index_dir / manifest["generation"]
    exact = faiss.read_index(str(folder / "vectors.faiss"))
    base = [exact.index.reconstruct_n(0, exact.ntotal)]
    with sqlite3.connect(f"file:{folder / 'passages.sqlite'}?mode=ro", uri=True) as connection:
        for (blob,) in connection.execute("SELECT vectors FROM sentence_vectors"):
            base.append(np.frombuffer(blob, dtype=np.float16).reshape(-1, manifest["dimension"]).astype(np.float32))
    matrix = np.vstack(base)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def mixtures(base: np.ndarray, count: int, rng: np.random.Generator, noise: float = 0.05) -> np.ndarray:
    out = np.empty((count, base.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):
        n = min(100_000, count - start)
        a, b = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
        weight = rng.uniform(0.6, 1.0, (n, 1)).astype(np.float32)
        block = (
            weight * base[a]
            + (1 - weight) * base[b]
            + noise * rng.standard_normal((n, base.shape[1])).astype(np.float32) / np.sqrt(base.shape[1])
        )
        out[start : start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-vectors-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    base = real_vectors(args.index)
    queries = mixtures(base[rng.integers(0, len(base), args.queries)], args.queries, rng, noise=0.1)
    results = {"base_vectors": len(base), "load_start": load_average(), "sizes": {}}
    for size in args.sizes:
        row: dict = {"vectors": size}
        matrix = mixtures(base, size, rng)
        index = vectors.new_index(base.shape[1])
        started = time.perf_counter()
        vectors.add(index, list(range(size)), matrix)
        row["add_exact_seconds"] = round(time.perf_counter() - started, 1)
        del matrix
        gc.collect()
        started = time.perf_counter()
        vectors.save(index, work / f"v{size}.faiss")  # trains and fills the IVF (sq8)
        row["ivf_build_and_save_seconds"] = round(time.perf_counter() - started, 1)
        row["kind"] = index.kind
        del index
        gc.collect()
        row["exact_file_mb"] = round((work / f"v{size}.faiss").stat().st_size / 2**20, 1)
        row["ivf_file_mb"] = round(vectors.approximate_path(work / f"v{size}.faiss").stat().st_size / 2**20, 1)
        before = rss_mb()
        loaded = vectors.load(work / f"v{size}.faiss")
        row["rss_added_by_load_mb"] = round(rss_mb() - before, 1)
        approx_ms, exact_ms, recall = [], [], []
        for query in queries:
            started = time.perf_counter()
            found = vectors.search(loaded, query, 100)
            approx_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            truth = vectors.search(loaded, query, 100, exact=True)
            exact_ms.append((time.perf_counter() - started) * 1000)
            tenth = truth[9][1]
            recall.append(sum(1 for _, score in found[:10] if score >= tenth - 1e-6) / 10)
        row.update(
            {
                "ivf_sq8_rescored_p50_ms": round(percentile(approx_ms, 0.5), 2),
                "ivf_sq8_rescored_p95_ms": round(percentile(approx_ms, 0.95), 2),
                "exact_p50_ms": round(percentile(exact_ms, 0.5), 2),
                "exact_p95_ms": round(percentile(exact_ms, 0.95), 2),
                "recall_at_10": round(float(np.mean(recall)), 4),
                "nprobe": faiss.extract_index_ivf(loaded.approximate).nprobe,
                "load_after": load_average(),
            }
        )
        del loaded
        gc.collect()
        for path in (work / f"v{size}.faiss", vectors.approximate_path(work / f"v{size}.faiss")):
            path.unlink()
        results["sizes"][str(size)] = row
        print(json.dumps(row), flush=True)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
