"""An index of N copies of a corpus's .jsonl collection under distinct ids, vectors from a built index.

Usage (repository root, project venv)::

    python benchmarks/copies_index.py --source-index DIR --collection FILE.jsonl --passages 100000 --out DIR \
        [--index postgresql://...]

The copies' passage and sentence vectors come from ``--source-index`` (an index of the same
collection) through ``benchmarks/caching.py``: texts repeat, so nothing is embedded and the
vectors are the real model's.  Builds with ``build_index`` (chunking, SQLite, FTS5, sentence
vectors, FAISS with its IVF above 50k), so the result is a real index for latency, memory and
size.  Prints the build report and the build time.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from caching import CachingEmbedder  # noqa: E402

from briefing.index.build import build_index  # noqa: E402
from briefing.index.embedder import Embedder  # noqa: E402
from briefing.index.load import load_index  # noqa: E402
from briefing.index.stores import index_location  # noqa: E402


def write_copies(records: list[dict], copies: int, corpus: Path) -> None:
    """``copies`` copies of a collection's records, one ``.jsonl`` each, under distinct ids."""
    corpus.mkdir(parents=True, exist_ok=True)
    for copy in range(copies):
        with open(corpus / f"copy{copy:04d}.jsonl", "w", encoding="utf-8") as out:
            for record in records:
                record = dict(record)
                key = "_id" if "_id" in record else "id"
                record[key] = f"c{copy}-{record[key]}"
                out.write(json.dumps(record, ensure_ascii=False) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source-index", type=Path, required=True)
    parser.add_argument("--collection", type=Path, required=True)
    parser.add_argument("--passages", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="a folder: the copied corpus, and the index in it")
    parser.add_argument("--index", type=index_location, help="build into this index instead (a postgresql:// URL)")
    args = parser.parse_args()
    source = load_index(args.source_index)
    per_copy = source.manifest.passages
    source.close()
    copies = max(1, round(args.passages / per_copy))
    corpus = args.out / "corpus"
    records = [json.loads(line) for line in args.collection.read_text().splitlines() if line.strip()]
    write_copies(records, copies, corpus)
    embedder = CachingEmbedder.from_index(Embedder(), args.source_index)
    started = time.perf_counter()
    target = args.index or args.out / "index"
    report = build_index(corpus, target, embedder=embedder, full=True, show_bar=False, log=print)
    print(
        json.dumps(
            {
                "copies": copies,
                "build_seconds": round(time.perf_counter() - started, 1),
                "cache_hits": embedder.hits,
                "cache_misses": embedder.misses,
                **report.to_dict(),
            }
            | {"added": len(report.added)}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
