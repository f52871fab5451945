"""Turns the benchmark's results.json into docs/benchmarks.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Issue 11's goals (ratios within one run; absolute times on the machine of the run).
WARM_RATIO_GOAL = 5.0  # answer() p50 at the 1x collection / one question encoding p50
ANSWER_P95_GOALS_MS = {100_000: 100.0, 1_000_000: 250.0}  # answer() p95 at about this many passages
RECALL_GOAL = 0.95  # recall@10 of the approximate index against exact, at the default nprobe
SERVE_RSS_GOAL_MB = 4096.0  # serving peak RSS at 1M passages
INDEXING_BEFORE_PASSAGES_PER_SECOND = 39.6  # the "today" (before sentence vectors were stored)
INDEXING_GOAL_FACTOR = 1.5


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_markdown(results: dict) -> str:
    m = results["machine"]
    sizes = results["sizes"]
    out = [
        "# Benchmarks",
        "",
        "Written by `benchmarks/run.py`; do not edit by hand, re-run it. Numbers from one run on a shared "
        "machine: other jobs ran at the same time, so the load average is recorded with every stage.",
        "",
        f"- Command: `{results['command']}`",
        f"- Machine: {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB, AVX-512 VNNI: "
        f"{'yes' if m['avx512_vnni'] else 'no'}), {m['platform']}",
        f"- Software: Python {m['python']}, torch {m['torch']}, sentence-transformers {m['sentence_transformers']}, "
        f"transformers {m['transformers']}, faiss {m['faiss']}, numpy {m['numpy']}",
        f"- Run: {results['started']} to {results['finished']}; load average (1/5/15 min) before "
        f"{results['load_before']}, after {results['load_after']}",
        "",
        "## Summary",
        "",
    ]
    header = [
        "corpus",
        "docs",
        "passages",
        "FAISS",
        "index on disk MB",
        "build passages/s",
        "build peak RSS MB",
        "add 1 doc s (embed s)",
        "add / full build",
        "retrieve p50/p95 ms",
        "answer p50/p95 ms",
        "serve peak RSS MB",
        "load avg after serve",
    ]
    rows = []
    for size in sizes:
        b, s = size["build"], size["serve"]
        rate = (
            f"{_fmt(b['passages_per_second'])}"
            if not size["cached"]
            else f"{_fmt(b['extrapolated_passages_per_second'])}*"
        )
        full = b.get("extrapolated_build_seconds", b["build_seconds"])
        rows.append(
            [
                size["label"],
                _fmt(b["documents"]),
                _fmt(b["passages"]),
                b["faiss_type"],
                _fmt(b["index_mb"]),
                rate,
                _fmt(b["build_peak_rss_mb"], 0),
                f"{b['add_seconds']:.2f} ({b['add_embed_seconds']:.2f})",
                f"{b['add_seconds'] / full:.4f}",
                f"{s['retrieve_p50_ms']:.1f} / {s['retrieve_p95_ms']:.1f}",
                f"{s['answer_p50_ms']:.1f} / {s['answer_p95_ms']:.1f}",
                _fmt(s["serve_peak_rss_mb"], 0),
                s["load_after"],
            ]
        )
    out.append(_table(header, rows))
    out += [
        "",
        "\\* Larger corpora: the collection indexed several times under distinct ids (one `.jsonl` per copy, "
        "the last copy partial). Their passage vectors come from a cache keyed by passage text "
        "(`benchmarks/caching.py`), filled from the real 1x build, so latency, memory, recall and index size are "
        "real while the build rate is extrapolated: measured non-embedding build time plus passages / the "
        "measured raw `model.encode` rate. Timing questions: the gold questions of `eval/gold/state_dept.jsonl`, "
        'then "What did the State Department say about <title>?" for random document titles; 5 warm-up '
        "questions first; `torch.set_num_threads(1)` and `faiss.omp_set_num_threads(1)`.",
        "",
        "## Indexing throughput (State Dept, 1x, embedded for real)",
        "",
    ]
    b = sizes[0]["build"]
    out.append(
        _table(
            [
                "passages",
                "build s",
                "build passages/s",
                "raw model.encode s",
                "raw passages/s",
                "ratio (goal >= 0.9)",
                "model load s",
                "torch threads",
            ],
            [
                [
                    _fmt(b["passages"]),
                    _fmt(b["build_seconds"]),
                    _fmt(b["passages_per_second"]),
                    _fmt(b["raw_encode_seconds"]),
                    _fmt(b["raw_passages_per_second"]),
                    f"{b['pipeline_ratio']:.3f}",
                    _fmt(b["model_load_seconds"]),
                    b["torch_threads"],
                ]
            ],
        )
    )
    out += [
        "",
        "Raw encode: `model.encode` of the same passage texts, same batch size (32), in the same process "
        "right after the build, model already loaded (the build's figure excludes the model load too).",
        "",
    ]
    out += ["## Adding one document", ""]
    out.append(
        _table(
            [
                "corpus",
                "passages",
                "add s",
                "its passages",
                "its embedding s",
                "add minus embedding s (goal <= 2)",
                "full build s",
                "ratio",
            ],
            [
                [
                    size["label"],
                    _fmt(size["build"]["passages"]),
                    f"{size['build']['add_seconds']:.2f}",
                    size["build"]["add_passages"],
                    f"{size['build']['add_embed_seconds']:.2f}",
                    f"{size['build']['add_overhead_seconds']:.2f}",
                    _fmt(size["build"].get("extrapolated_build_seconds", size["build"]["build_seconds"]))
                    + ("*" if size["cached"] else ""),
                    f"{size['build']['add_seconds'] / _build_seconds(size['build']):.4f}",
                ]
                for size in sizes
            ],
        )
    )
    out += [
        "",
        "A new `.jsonl` file with one record (the median-length document, new id) dropped into the corpus "
        "folder, then `build_index` on the existing index with the model already loaded; the embedding time is "
        "that document's passages encoded alone (best of 3).",
        "",
    ]
    out += ["## Query latency (warm, one thread)", ""]
    out.append(
        _table(
            [
                "corpus",
                "FAISS",
                "questions",
                "query encode p50/p95",
                "dense search (k=100) p50/p95",
                "exact flat search p50/p95",
                "retrieve() p50/p95",
                "answer() p50/p95",
                "answer() asked again, p50/p95",
                "abstained",
            ],
            [
                [
                    size["label"],
                    size["serve"]["faiss_type"],
                    size["serve"]["questions"],
                    f"{size['serve']['encode_p50_ms']:.1f} / {size['serve']['encode_p95_ms']:.1f}",
                    f"{size['serve']['dense_search_p50_ms']:.2f} / {size['serve']['dense_search_p95_ms']:.2f}",
                    f"{size['serve']['dense_exact_p50_ms']:.2f} / {size['serve']['dense_exact_p95_ms']:.2f}",
                    f"{size['serve']['retrieve_p50_ms']:.1f} / {size['serve']['retrieve_p95_ms']:.1f}",
                    f"{size['serve']['answer_p50_ms']:.1f} / {size['serve']['answer_p95_ms']:.1f}",
                    f"{size['serve']['answer_cached_sentences_p50_ms']:.1f} / "
                    f"{size['serve']['answer_cached_sentences_p95_ms']:.1f}",
                    size["serve"]["abstained"],
                ]
                for size in sizes
            ],
        )
    )
    out += [
        "",
        "All in milliseconds. `retrieve()` is hybrid (dense + FTS5) and includes encoding the question; "
        '`answer()` is end to end (retrieval, sentence selection, the decision). The "asked again" '
        "column asks the same questions a second time (SQLite pages and the calibration already warm; sentence "
        "vectors are stored at index time either way).",
        "",
    ]
    last = sizes[-1]["serve"]
    if last.get("answer_share_in_embedder_encode") is not None:
        out += [
            f"Profile of `answer()` at {sizes[-1]['label']}: {100 * last['answer_share_in_embedder_encode']:.0f} % "
            "of its time is inside `Embedder.encode` (the question and the candidate sentences).",
            "",
        ]
    out += ["## Approximate search: recall@10 against exact search", ""]
    rows = []
    for size in sizes:
        s = size["serve"]
        for nprobe, cell in s["recall_sweep"].items():
            rows.append(
                [
                    size["label"],
                    _fmt(s["passages"]),
                    f"IVF{s['ivf_nlist']}",
                    nprobe + (" (default)" if int(nprobe) == s["ivf_default_nprobe"] else ""),
                    f"{cell['recall_at_10']:.4f}",
                    f"{cell['ms_per_query']:.3f}",
                    f"{s['exact_ms_per_query']:.3f}",
                ]
            )
    out.append(
        _table(
            ["corpus", "passages", "index", "nprobe", "recall@10", "ms/query (batched)", "exact ms/query (batched)"],
            rows,
        )
    )
    out += [
        "",
        f"{sizes[0]['serve']['recall_queries']} title questions. A returned id counts as a hit when its score "
        "reaches the exact 10th score (the copies make ties, so ids alone would under-count). Below "
        "`vectors.EXACT_LIMIT` the index stays flat; its IVF row was built only for this comparison.",
        "",
    ]
    out += ["## Memory and cold start", ""]
    cold, cold_large = results["cold_start"], results.get("cold_start_large")
    rows = [
        [
            "State Dept (1x)",
            cold["imports_seconds"],
            cold["load_index_seconds"],
            cold["first_answer_seconds"],
            cold["cold_start_seconds"],
            _fmt(cold["peak_rss_mb"], 0),
        ]
    ]
    if cold_large:
        rows.append(
            [
                sizes[-1]["label"],
                cold_large["imports_seconds"],
                cold_large["load_index_seconds"],
                cold_large["first_answer_seconds"],
                cold_large["cold_start_seconds"],
                _fmt(cold_large["peak_rss_mb"], 0),
            ]
        )
    out.append(
        _table(
            [
                "index",
                "process start + imports s",
                "load_index s",
                "first answer() s (model load)",
                "total s",
                "peak RSS MB",
            ],
            rows,
        )
    )
    if results.get("app_ready_seconds") is not None:
        out += [
            "",
            f"`python app.py` (index up to date) until its HTTP port answered: "
            f"{results['app_ready_seconds']:.1f} s (the model loads on the first question).",
        ]
    out += [
        "",
        "Peak RSS is each stage's own `ru_maxrss` (one subprocess per stage). Cold start: from the parent "
        "starting the subprocess to the first answer returned (the OS file cache is warm).",
        "",
    ]
    onnx = results.get("onnx")
    out += ["## ONNX int8 backend", ""]
    if onnx:
        out.append(
            _table(
                ["backend", "passages/s", "load s (first time: export)", "SciFact nDCG@10", "R@100", "MRR@10"],
                [
                    [
                        "torch fp32",
                        _fmt(onnx["torch_passages_per_second"]),
                        onnx["torch_load_seconds"],
                        onnx.get("scifact_torch", {}).get("ndcg@10", "—"),
                        onnx.get("scifact_torch", {}).get("recall@100", "—"),
                        onnx.get("scifact_torch", {}).get("mrr@10", "—"),
                    ],
                    [
                        "onnx int8 (avx512_vnni)",
                        _fmt(onnx["onnx_int8_passages_per_second"]),
                        onnx["onnx_int8_load_seconds"],
                        onnx.get("scifact_onnx_int8", {}).get("ndcg@10", "—"),
                        onnx.get("scifact_onnx_int8", {}).get("recall@100", "—"),
                        onnx.get("scifact_onnx_int8", {}).get("mrr@10", "—"),
                    ],
                ],
            )
        )
        out += [
            "",
            f"Speed-up {onnx['speedup']:.2f}x on {onnx['passages']:,} State Dept passages (batch 32, "
            f"both backends alternated twice, best kept); mean cosine to fp32 {onnx['mean_cosine']:.4f} "
            f"(min {onnx['min_cosine']:.4f}); nDCG@10 change {onnx.get('ndcg_change', '—')}. Run in a separate "
            f"venv with `sentence-transformers[onnx]`: sentence-transformers {onnx['sentence_transformers']}, "
            f"transformers {onnx['transformers']} (the main venv has "
            f"{m['sentence_transformers']} / {m['transformers']}).",
            "",
        ]
    else:
        out += [
            "Not measured in this run (pass `--onnx-python PATH` to a venv with `sentence-transformers[onnx]`).",
            "",
        ]
    out += [
        "## How to run",
        "",
        "```sh",
        ". .venv/bin/activate",
        "python benchmarks/run.py                 # State Dept 1x, ~20k and ~100k passages (30-45 min on 2 cores)",
        "python benchmarks/run.py --quick         # 300 documents, ~3 min, a smoke test",
        "# with the ONNX int8 comparison (a separate venv, because the ONNX extra downgrades transformers):",
        "python -m venv /tmp/onnxvenv && /tmp/onnxvenv/bin/pip install torch==2.13.0 -e . \\",
        '    "sentence-transformers[onnx]"',
        "python benchmarks/run.py --onnx-python /tmp/onnxvenv/bin/python",
        "```",
        "",
        "Options: `--sizes N ...` target passage counts of the copied corpora, `--questions N`, `--documents N`, "
        "`--no-scifact`, `--no-app`, `--work DIR` (default: a new temporary folder; corpora copies, indexes and "
        "`results.json` go there), `--reuse` (keep the 1x build found in `--work`), `--out FILE`. "
        "`python benchmarks/report.py DIR/results.json > docs/benchmarks.md` re-renders a run.",
        "",
    ]
    out += _goals(results)
    out += [
        "## Raw results",
        "",
        "<details><summary>results.json</summary>",
        "",
        "```json",
        json.dumps({k: v for k, v in results.items()}, indent=1, default=str)[:60000],
        "```",
        "",
        "</details>",
        "",
    ]
    return "\n".join(out)


def _build_seconds(build: dict) -> float:
    """The full build's seconds, extrapolated where the benchmark measured a sample only."""
    return build.get("extrapolated_build_seconds", build["build_seconds"])


def _nearest(sizes: list[dict], passages: int) -> dict | None:
    """The measured size within a factor 1.5 of ``passages``, if any."""
    close = [size for size in sizes if 1 / 1.5 <= size["serve"]["passages"] / passages <= 1.5]
    return min(close, key=lambda size: abs(size["serve"]["passages"] - passages)) if close else None


def _profile_seconds(profile: str, function: str) -> float | None:
    """Cumulative seconds of ``function`` (the ``(name)`` ending a pstats row) in a pstats listing."""
    for line in profile.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[-1].endswith(function):
            try:
                return float(fields[3])
            except ValueError:
                return None
    return None


def _goals(results: dict) -> list[str]:
    """Issue 11's goals against this run's numbers."""
    sizes = results["sizes"]
    base, largest = sizes[0], sizes[-1]
    serve = base["serve"]
    ratio = serve["answer_p50_ms"] / serve["encode_p50_ms"]
    rows = [
        [
            f"warm `answer()` ≤ {WARM_RATIO_GOAL:g}× one question encoding ({base['label']})",
            f"p50 {serve['answer_p50_ms']:.1f} ms against {serve['encode_p50_ms']:.1f} ms: {ratio:.2f}×",
            "yes" if ratio <= WARM_RATIO_GOAL else "**no**",
        ]
    ]
    for passages, goal in ANSWER_P95_GOALS_MS.items():
        size = _nearest(sizes, passages)
        if size is None:
            continue
        p95 = size["serve"]["answer_p95_ms"]
        rows.append(
            [
                f"`answer()` p95 ≤ {goal:g} ms at {passages:,} passages, one thread",
                f"{p95:.1f} ms at {size['serve']['passages']:,} passages (p50 {size['serve']['answer_p50_ms']:.1f})",
                "yes" if p95 <= goal else "**no**",
            ]
        )
    top = largest["serve"]
    recall = top["recall_sweep"].get(str(top["ivf_default_nprobe"]), {}).get("recall_at_10")
    if recall is not None and not top.get("ivf_built_for_recall_only"):
        rows.append(
            [
                f"recall@10 against exact ≥ {RECALL_GOAL:g} ({largest['label']}, default nprobe)",
                f"{recall:.4f} (nprobe {top['ivf_default_nprobe']} of {top['ivf_nlist']} lists)",
                "yes" if recall >= RECALL_GOAL else "**no**",
            ]
        )
    rows.append(
        [
            f"serving peak RSS ≤ {SERVE_RSS_GOAL_MB:,.0f} MB ({largest['label']})",
            f"{top['serve_peak_rss_mb']:,.0f} MB; index {largest['build']['index_mb']:,.0f} MB on disk; adding one "
            f"document {largest['build']['add_seconds']:.1f} s",
            "yes" if top["serve_peak_rss_mb"] <= SERVE_RSS_GOAL_MB else "**no**",
        ]
    )
    rate = base["build"]["passages_per_second"]
    rows.append(
        [
            f"indexing ≥ {INDEXING_GOAL_FACTOR:g}× the issue's {INDEXING_BEFORE_PASSAGES_PER_SECOND} passages/s",
            f"{rate:.1f} passages/s, every sentence encoded on its own besides its passage (raw `model.encode` "
            f"of the passages alone: {base['build']['raw_passages_per_second']:.1f})",
            "yes" if rate >= INDEXING_GOAL_FACTOR * INDEXING_BEFORE_PASSAGES_PER_SECOND else "**no**",
        ]
    )
    out = ["## Goals (issue 11), measured in this run", "", _table(["goal", "result", "met?"], rows), ""]
    profile = top.get("answer_profile") or ""
    total = _profile_seconds(profile, "(answer)")
    parts = {
        "the FTS5 lexical query": _profile_seconds(profile, "(lexical_search)"),
        "key-term coverage": _profile_seconds(profile, "(coverage)"),
        "sentence features": _profile_seconds(profile, "(feature_rows)"),
        "encoding the question": _profile_seconds(profile, "(encode_query)"),
    }
    found = [f"{name} {seconds / total:.0%}" for name, seconds in parts.items() if total and seconds]
    if found:
        out += [
            f"Where `answer()`'s time goes at {largest['label']} (cProfile over the {top['questions']} questions, "
            "cumulative time): " + ", ".join(found) + ".",
            "",
        ]
    return out


if __name__ == "__main__":  # re-render: python benchmarks/report.py results.json > docs/benchmarks.md
    print(render_markdown(json.loads(Path(sys.argv[1]).read_text())))
