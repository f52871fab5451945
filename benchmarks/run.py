"""Benchmarks: indexing throughput, incremental add, query latency, memory, cold start, ONNX int8.

Usage (from the repository root, in the project's venv)::

    python benchmarks/run.py                       # State Dept collection, ~20k and ~100k passages
    python benchmarks/run.py --quick               # 300 documents, a few minutes, a smoke test
    python benchmarks/run.py --sizes 20000 100000 --onnx-python /tmp/onnxvenv/bin/python

Writes ``docs/benchmarks.md`` (``--out`` to change) and the raw numbers as
``results.json`` in the work folder.  Every measurement that needs a clean
memory figure runs in its own subprocess (``--stage``) and reports its own
``ru_maxrss``.  Corpus copies and indexes go to a temporary folder (``--work``),
never into the repository.

The larger corpora are the collection indexed several times under distinct
document ids (one ``.jsonl`` file per copy, the last copy partial to hit the
target size).  Their passages' vectors come from a cache keyed by passage text
(``benchmarks/caching.py``) filled from the real 1x build, so latency, memory
and recall at 100k are real while their build time is extrapolated from the
measured embedding throughput.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
DATASETS = REPO.parent / "shared" / "datasets"
STATE_DEPT = DATASETS / "state-dept-press-releases" / "press_releases.jsonl"
SCIFACT = DATASETS / "scifact"
GOLD = REPO / "eval" / "gold" / "state_dept.jsonl"
COLLECTION = "press_releases.jsonl"
RESULT_PREFIX = "RESULT "

# ---------------------------------------------------------------------------
# helpers


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def rss_peak_mb() -> float:
    """Peak resident memory of this process (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_now_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))
    return ordered[position]


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20


def emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_stage(stage: str, config: dict, python: str = sys.executable, log=print) -> dict:
    """Run one stage in a fresh interpreter; returns the JSON it reports."""
    log(f"[{time.strftime('%H:%M:%S')}] stage {stage} (load {load_average()}) ...")
    started = time.time()
    config = dict(config, parent_started=started)
    process = subprocess.run(
        [python, str(Path(__file__).resolve()), "--stage", stage, "--config", json.dumps(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    elapsed = time.time() - started
    results = [line[len(RESULT_PREFIX) :] for line in process.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if process.returncode != 0 or not results:
        sys.stderr.write(process.stdout[-4000:] + process.stderr[-8000:])
        raise SystemExit(f"stage {stage} failed (exit {process.returncode})")
    result = json.loads(results[-1])
    result["stage_wall_seconds"] = round(elapsed, 1)
    result["load_after"] = load_average()
    log(f"[{time.strftime('%H:%M:%S')}] stage {stage} done in {elapsed:.0f} s (load {load_average()})")
    return result


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        flags = "avx512_vnni" in Path("/proc/cpuinfo").read_text()
    except OSError:
        flags = False
    memory = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = int(line.split()[1]) / 2**20
    except OSError:
        pass
    versions = {}
    for module in ("torch", "sentence_transformers", "transformers", "faiss", "numpy"):
        try:
            versions[module] = __import__(module).__version__
        except Exception:  # noqa: BLE001
            versions[module] = "?"
    return {
        "cpu": cpu,
        "avx512_vnni": flags,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **versions,
    }


def questions(count: int, seed: int = 7) -> list[str]:
    """The gold questions about the collection, then questions made from document titles."""
    out = []
    if GOLD.exists():
        for line in GOLD.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    titles = []
    with open(STATE_DEPT, encoding="utf-8") as handle:
        for line in handle:
            title = (json.loads(line).get("title") or "").strip()
            if title:
                titles.append(title)
    random.Random(seed).shuffle(titles)
    out.extend(f"What did the State Department say about {title}?" for title in titles)
    return out[:count]


# ---------------------------------------------------------------------------
# corpora


def write_corpus(target: Path, documents: int | None, copies: float) -> Path:
    """``copies`` copies of the collection (first ``documents`` records) as separate .jsonl files.

    Copy k > 0 is ``press_releases.c<k>.jsonl``, so its document ids
    (``<file>#<_id>``) are distinct; a fractional last copy takes the first records.
    """
    target.mkdir(parents=True, exist_ok=True)
    with open(STATE_DEPT, encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    if documents:
        lines = lines[:documents]
    whole, fraction = int(copies), copies - int(copies)
    for k in range(whole + (1 if fraction > 0.01 else 0)):
        name = COLLECTION if k == 0 else f"press_releases.c{k}.jsonl"
        part = lines if k < whole else lines[: int(round(len(lines) * fraction))]
        (target / name).write_text("".join(part), encoding="utf-8")
    return target


def added_document(documents: int | None) -> dict:
    """A new record for the add-one test: the median-length document of the collection, new id."""
    with open(STATE_DEPT, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    if documents:
        records = records[:documents]
    records.sort(key=lambda r: len(r.get("text") or ""))
    record = dict(records[len(records) // 2])
    record["_id"] = "benchmark-added-1"
    record["title"] = "Benchmark addition: " + (record.get("title") or "")
    return record


# ---------------------------------------------------------------------------
# stages (each runs in its own process)


def stage_build(config: dict) -> dict:
    """Full build (timed, model warm), raw encode of the same passages, then add one document."""
    import torch

    from briefing.index import build_index, load_index
    from briefing.index.embedder import Embedder
    from briefing.index.manifest import read_manifest

    result: dict = {"torch_threads": torch.get_num_threads()}
    started = time.perf_counter()
    embedder = Embedder()
    embedder.encode(["warm up"])
    result["model_load_seconds"] = round(time.perf_counter() - started, 2)
    corpus, index_dir = Path(config["corpus"]), Path(config["index"])
    used = embedder
    if config.get("cache_from"):
        from caching import CachingEmbedder

        used = CachingEmbedder.from_index(embedder, Path(config["cache_from"]))
        result["cache_entries"] = len(used.cache)
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    report = build_index(corpus, index_dir, embedder=used, show_bar=False, log=lambda _: None)
    build_seconds = time.perf_counter() - started
    manifest = read_manifest(index_dir)
    result.update(
        documents=report.documents,
        passages=report.passages,
        build_seconds=round(build_seconds, 2),
        passages_per_second=round(report.passages / build_seconds, 2),
        faiss_type=manifest.faiss_type,
        build_peak_rss_mb=round(rss_peak_mb(), 1),
        index_mb=round(folder_mb(index_dir / manifest.generation), 1),
    )
    if config.get("cache_from"):
        result.update(cache_hits=used.hits, cache_misses=used.misses)

    if config.get("raw_encode"):
        index = load_index(index_dir, embedder=embedder)
        texts = [text for _, _, text in index.store.passage_texts()]
        index.close()
        started = time.perf_counter()
        embedder.model.encode(
            texts,
            batch_size=embedder.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        raw_seconds = time.perf_counter() - started
        result.update(
            raw_encode_seconds=round(raw_seconds, 2),
            raw_passages_per_second=round(len(texts) / raw_seconds, 2),
            pipeline_ratio=round((len(texts) / build_seconds) / (len(texts) / raw_seconds), 3),
        )
        if config.get("profile_chunking"):
            result["non_embedding_seconds"] = round(build_seconds - raw_seconds, 2)

    # Add one new document (a new file in the corpus folder), embedding it for real.
    if isinstance(used, object) and hasattr(used, "enabled"):
        used.enabled = False
    record = added_document(config.get("documents"))
    (corpus / "added.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    try:
        started = time.perf_counter()
        added = build_index(corpus, index_dir, embedder=used, show_bar=False, log=lambda _: None)
        add_seconds = time.perf_counter() - started
    finally:
        (corpus / "added.jsonl").unlink()
    index = load_index(index_dir, embedder=embedder)
    texts = [text for _, doc_id, text in index.store.passage_texts() if doc_id == "added.jsonl#benchmark-added-1"]
    index.close()
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        embedder.encode(texts)
        timings.append(time.perf_counter() - started)
    embed_seconds = min(timings)
    result.update(
        add_seconds=round(add_seconds, 3),
        add_passages=added.embedded_passages,
        add_embed_seconds=round(embed_seconds, 3),
        add_overhead_seconds=round(add_seconds - embed_seconds, 3),
        add_to_build_ratio=round(add_seconds / build_seconds, 5),
    )
    return result


def stage_serve(config: dict) -> dict:
    """Warm, single-thread latency of retrieve() and answer(); serving RSS; IVF recall."""
    import faiss
    import numpy as np
    import torch

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    from briefing.answer import answer
    from briefing.answer.retrieve import retrieve
    from briefing.index import load_index, vectors

    result: dict = {}
    started = time.perf_counter()
    index = load_index(Path(config["index"]))
    index.encode_query("warm up")
    result["load_seconds"] = round(time.perf_counter() - started, 2)
    result["rss_after_load_mb"] = round(rss_now_mb(), 1)
    result["faiss_type"] = vectors.kind(index.vectors)
    result["passages"] = index.vectors.ntotal
    asked = questions(config["questions"] + 5)
    warm, asked = asked[-5:], asked[:-5]
    for question in warm:
        answer(index, question)
    timings: dict[str, list[float]] = {
        "retrieve": [],
        "answer": [],
        "encode": [],
        "dense_search": [],
        "dense_exact": [],
    }
    for question in asked:
        started = time.perf_counter()
        vector = index.encode_query(question)
        timings["encode"].append(time.perf_counter() - started)
        started = time.perf_counter()
        vectors.search(index.vectors, vector, 100)
        timings["dense_search"].append(time.perf_counter() - started)
        started = time.perf_counter()
        vectors.search(index.vectors, vector, 100, exact=True)
        timings["dense_exact"].append(time.perf_counter() - started)
        started = time.perf_counter()
        retrieve(index, question, k=16)
        timings["retrieve"].append(time.perf_counter() - started)
    profiler = cProfile.Profile() if config.get("profile") else None
    abstained = 0
    for question in asked:
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        reply = answer(index, question)
        timings["answer"].append(time.perf_counter() - started)
        if profiler:
            profiler.disable()
        abstained += reply.abstained
    # The same questions again: every candidate sentence's vector is now in answering's cache, which is
    # what answer() would cost if sentence vectors were computed at index time instead of per question.
    timings["answer_cached_sentences"] = []
    for question in asked:
        started = time.perf_counter()
        answer(index, question)
        timings["answer_cached_sentences"].append(time.perf_counter() - started)
    result["questions"] = len(asked)
    result["abstained"] = abstained
    for name, values in timings.items():
        result[f"{name}_p50_ms"] = round(1000 * percentile(values, 0.5), 2)
        result[f"{name}_p95_ms"] = round(1000 * percentile(values, 0.95), 2)
    result["serve_peak_rss_mb"] = round(rss_peak_mb(), 1)
    if profiler:
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(25)
        result["answer_profile"] = stream.getvalue()[-6000:]
        total = stats.total_tt
        encode = sum(v[3] for k, v in stats.stats.items() if k[2] == "encode" and "embedder" in k[0])
        result["answer_share_in_embedder_encode"] = round(encode / total, 3) if total else None

    # Recall@10 of the IVF against exact search (ties counted by score), for several nprobe.
    query_texts = questions(config.get("recall_queries", 300), seed=11)
    matrix = index.embedder.encode(query_texts)
    ids, _ = index.vectors.all_vectors()
    approximate = index.vectors.approximate
    built_here = False
    if approximate is None:
        started = time.perf_counter()
        approximate = vectors.build_approximate(index.vectors)
        result["ivf_build_seconds_here"] = round(time.perf_counter() - started, 2)
        built_here = True
    ivf = faiss.extract_index_ivf(approximate)
    exact_scores, _ = index.vectors.exact.search(matrix, 10)
    default_nprobe = ivf.nprobe
    sweep = {}
    for nprobe in sorted({4, 8, 16, 24, 32, 48, 64, default_nprobe}):
        if nprobe > ivf.nlist:
            continue
        ivf.nprobe = nprobe
        # Through vectors.search when the IVF serves searches: its 8-bit codes give approximate
        # scores, which it re-scores exactly (what retrieve() gets); batched raw search otherwise.
        started = time.perf_counter()
        if approximate is index.vectors.approximate:
            scores = np.full((len(matrix), 10), -np.inf, dtype=np.float32)
            for row, query in enumerate(matrix):
                found_scores = [score for _, score in vectors.search(index.vectors, query, 10)]
                scores[row, : len(found_scores)] = found_scores
            found = np.zeros_like(scores, dtype=np.int64)
        else:
            scores, found = approximate.search(matrix, 10)
        per_query = (time.perf_counter() - started) / len(matrix)
        threshold = exact_scores[:, 9:10] - 1e-5
        recall = float(np.mean(np.sum((scores >= threshold) & (found >= 0), axis=1) / 10))
        sweep[str(nprobe)] = {"recall_at_10": round(recall, 4), "ms_per_query": round(1000 * per_query, 3)}
    ivf.nprobe = default_nprobe
    started = time.perf_counter()
    index.vectors.exact.search(matrix, 10)
    result["exact_ms_per_query"] = round(1000 * (time.perf_counter() - started) / len(matrix), 3)
    result.update(
        ivf_nlist=ivf.nlist,
        ivf_default_nprobe=default_nprobe,
        ivf_built_for_recall_only=built_here,
        recall_sweep=sweep,
        recall_queries=len(matrix),
    )
    index.close()
    return result


def stage_cold(config: dict) -> dict:
    """Process start -> imports -> load_index -> first answer()."""
    from briefing.answer import answer
    from briefing.index import load_index

    imported = time.time()
    index = load_index(Path(config["index"]))
    loaded = time.time()
    answer(index, questions(1)[0])
    done = time.time()
    start = config["parent_started"]
    return {
        "imports_seconds": round(imported - start, 2),
        "load_index_seconds": round(loaded - imported, 2),
        "first_answer_seconds": round(done - loaded, 2),
        "cold_start_seconds": round(done - start, 2),
        "peak_rss_mb": round(rss_peak_mb(), 1),
    }


def stage_onnx(config: dict) -> dict:
    """torch fp32 against onnx-int8: encode throughput on the same passages, cosine, SciFact nDCG@10."""
    import numpy as np
    import sentence_transformers
    import transformers

    from briefing.index import load_index
    from briefing.index.embedder import Embedder

    result: dict = {
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
    }
    fp32 = Embedder()
    int8 = Embedder(backend="onnx-int8")
    result["identities"] = [fp32.identity, int8.identity]
    source = load_index(Path(config["index"]), embedder=fp32)
    texts = [text for _, _, text in source.store.passage_texts()][: config.get("passages", 2000)]
    source.close()
    for name, embedder in (("torch", fp32), ("onnx_int8", int8)):
        started = time.perf_counter()
        embedder.encode(["warm up"])
        result[f"{name}_load_seconds"] = round(time.perf_counter() - started, 2)
    outputs = {}
    for _round in range(2):  # alternate, so load changes hit both alike
        for name, embedder in (("torch", fp32), ("onnx_int8", int8)):
            started = time.perf_counter()
            outputs[name] = embedder.encode(texts)
            rate = len(texts) / (time.perf_counter() - started)
            result[f"{name}_passages_per_second"] = max(result.get(f"{name}_passages_per_second", 0), round(rate, 2))
    result["speedup"] = round(result["onnx_int8_passages_per_second"] / result["torch_passages_per_second"], 3)
    cosines = np.sum(outputs["torch"] * outputs["onnx_int8"], axis=1)
    result.update(
        passages=len(texts), mean_cosine=round(float(cosines.mean()), 4), min_cosine=round(float(cosines.min()), 4)
    )
    if config.get("scifact"):
        from briefing.errors import IndexBusyError
        from briefing.evaluation.beir import evaluate_beir, load_beir, prepare_index

        dataset = load_beir(SCIFACT, "test")
        for name, embedder, cache in (
            ("torch", fp32, config.get("scifact_cache_torch")),
            ("onnx_int8", int8, config["scifact_cache"]),
        ):
            started = time.perf_counter()
            try:  # torch: reuse the evaluation's own cache (~/.cache/briefing/beir) when it holds SciFact
                index = prepare_index(
                    SCIFACT, cache=Path(cache) if cache else None, embedder=embedder, log=lambda _: None
                )
            except IndexBusyError:  # someone is building that cache right now: build our own
                index = prepare_index(
                    SCIFACT, cache=Path(config["scifact_cache"]) / name, embedder=embedder, log=lambda _: None
                )
            result[f"scifact_{name}_index_seconds"] = round(time.perf_counter() - started, 1)
            results, _ = evaluate_beir(index, dataset, ["dense"])
            result[f"scifact_{name}"] = results[0].means()
            index.close()
        result["ndcg_change"] = round(result["scifact_onnx_int8"]["ndcg@10"] - result["scifact_torch"]["ndcg@10"], 4)
    return result


STAGES = {"build": stage_build, "serve": stage_serve, "cold": stage_cold, "onnx": stage_onnx}


# ---------------------------------------------------------------------------
# the orchestrator


def app_ready_seconds(index_dir: Path, corpus_dir: Path, port: int = 7899, timeout: float = 180) -> float | None:
    """``python app.py`` until its HTTP port answers (None when app.py is missing or never answers)."""
    import urllib.request

    app = REPO / "app.py"
    if not app.exists():
        return None
    started = time.time()
    process = subprocess.Popen(
        [sys.executable, str(app), "--index", str(index_dir), "--corpus", str(corpus_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.time() - started < timeout:
            if process.poll() is not None:
                return None
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                return round(time.time() - started, 2)
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.25)
        return None
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=None,
        help="target passage counts of the larger corpora (default 20000 100000; --quick: 3x)",
    )
    parser.add_argument("--quick", action="store_true", help="300 documents, 20 questions, no SciFact")
    parser.add_argument("--documents", type=int, help="use only the first N documents of the collection")
    parser.add_argument("--questions", type=int, help="questions timed per size (default 100, --quick 20)")
    parser.add_argument(
        "--onnx-python", help="python of a venv with sentence-transformers[onnx] (runs the onnx-int8 comparison there)"
    )
    parser.add_argument("--no-scifact", action="store_true", help="skip the SciFact nDCG@10 comparison")
    parser.add_argument("--no-app", action="store_true", help="skip timing `python app.py`")
    parser.add_argument("--work", type=Path, help="work folder (default: a new temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="reuse the 1x index in --work if present")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:
        emit(STAGES[args.stage](json.loads(args.config)))
        return 0

    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    documents = args.documents or (300 if args.quick else None)
    question_count = args.questions or (20 if args.quick else 100)
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "command": command.strip(),
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_before": load_average(),
        "work": str(work),
        "sizes": [],
    }
    print(f"work folder: {work}")

    # 1x: the collection, embedded for real.
    base_corpus = write_corpus(work / "corpus-1x", documents, 1)
    base_index = work / "index-1x"
    if args.reuse and (base_index / "manifest.json").exists() and (work / "build-1x.json").exists():
        base = json.loads((work / "build-1x.json").read_text())
    else:
        base = run_stage(
            "build", {"corpus": str(base_corpus), "index": str(base_index), "raw_encode": True, "documents": documents}
        )
        (work / "build-1x.json").write_text(json.dumps(base))
    base_passages = base["passages"]
    sizes = args.sizes if args.sizes is not None else ([3 * base_passages] if args.quick else [20000, 100000])
    entries = [
        {
            "label": "State Dept (1x)",
            "copies": 1.0,
            "corpus": base_corpus,
            "index": base_index,
            "build": base,
            "cached": False,
        }
    ]
    for target in sizes:
        copies = round(target / base_passages, 2)
        if copies <= 1.0:
            continue
        corpus = write_corpus(work / f"corpus-{copies}x", documents, copies)
        index_dir = work / f"index-{copies}x"
        build = run_stage(
            "build",
            {"corpus": str(corpus), "index": str(index_dir), "cache_from": str(base_index), "documents": documents},
        )
        non_embedding = build["build_seconds"]
        build["extrapolated_build_seconds"] = round(
            non_embedding + build["passages"] / base["raw_passages_per_second"], 1
        )
        build["extrapolated_passages_per_second"] = round(build["passages"] / build["extrapolated_build_seconds"], 2)
        entries.append(
            {
                "label": f"{copies}x copies",
                "copies": copies,
                "corpus": corpus,
                "index": index_dir,
                "build": build,
                "cached": True,
            }
        )
        shutil.rmtree(corpus, ignore_errors=True)  # the index holds what the serve stage needs

    for entry in entries:
        entry["serve"] = run_stage(
            "serve", {"index": str(entry["index"]), "questions": question_count, "profile": entry is entries[-1]}
        )
    cold = run_stage("cold", {"index": str(base_index)})
    cold_large = run_stage("cold", {"index": str(entries[-1]["index"])}) if len(entries) > 1 else None
    app_seconds = None if args.no_app else app_ready_seconds(base_index, base_corpus)
    onnx = None
    if args.onnx_python:
        try:
            onnx = run_stage(
                "onnx",
                {
                    "index": str(base_index),
                    "passages": 500 if args.quick else 2000,
                    "scifact": not (args.quick or args.no_scifact),
                    "scifact_cache": str(work / "scifact"),
                    "scifact_cache_torch": None,
                },
                python=args.onnx_python,
            )
        except SystemExit as error:  # keep every other measurement
            print(f"the onnx comparison failed: {error}", file=sys.stderr)
    results.update(
        cold_start=cold,
        cold_start_large=cold_large,
        app_ready_seconds=app_seconds,
        onnx=onnx,
        load_after=load_average(),
        finished=dt.datetime.now().isoformat(timespec="seconds"),
    )
    for entry in entries:
        results["sizes"].append({k: (str(v) if isinstance(v, Path) else v) for k, v in entry.items()})
    (work / "results.json").write_text(json.dumps(results, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Sections other benchmarks write below KEPT_MARKER (the PostgreSQL store's) survive a re-run.
    previous = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    kept = previous[previous.index(KEPT_MARKER) :] if KEPT_MARKER in previous else ""
    args.out.write_text(render(results) + ("\n" + kept if kept else ""), encoding="utf-8")
    print(f"wrote {args.out} and {work / 'results.json'}")
    return 0


# ---------------------------------------------------------------------------
# the report


KEPT_MARKER = "<!-- sections below are written by other benchmarks; benchmarks/run.py keeps them -->"


def render(results: dict) -> str:
    from report import render_markdown

    return render_markdown(results)


if __name__ == "__main__":
    sys.exit(main())
