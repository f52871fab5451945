"""Renders the issue-11 speed measurements (the JSON the speed benchmarks print) as docs/speed.md.

Usage::

    python benchmarks/speed_report.py DIR > docs/speed.md

``DIR`` holds what the scripts wrote: ``sv.json`` (sentence_vectors.py), ``lex.log``
(lexical.py, one JSON object a line), ``cold.json`` (cold_start.py), ``warm-*.json``
(warm_answer.py), ``vec.log`` (vectors_scale.py, one JSON object a line).  Missing files
leave their section out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _lines(path: Path) -> list[dict]:
    out = []
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("{") and line.endswith("}"):
                out.append(json.loads(line))
    return out


def _table(header, rows) -> str:
    return "\n".join(
        ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    )


def render(folder: Path) -> str:
    out = [
        "# Speed measurements (issue 11)",
        "",
        "Written by `benchmarks/speed_report.py` from the JSON the speed benchmarks print; do not edit by hand.",
        "The machine: 2 shared cores (AVX-512), other engineers' jobs running; every row names the load",
        "average (1/5/15 min) it was measured under. Ratios come from runs made side by side.",
        "",
    ]
    sv = folder / "sv.json"
    if sv.exists():
        data = json.loads(sv.read_text())
        out += ["## Sentence vectors at index time: late chunking against each sentence alone", ""]
        out += ["`python benchmarks/sentence_vectors.py` (one process, the same passages).", ""]
        rows = []
        for corpus in ("demo+seed corpus", "squad slice"):
            d = data[corpus]
            rows.append(
                [
                    corpus,
                    d["passages"],
                    d["sentences"],
                    " / ".join(str(x) for x in d["encode_passages_only_seconds"]),
                    d["late_chunking_seconds"],
                    d["separate_seconds"],
                    d["late_over_plain"],
                    d["separate_over_plain"],
                    d["load_before"],
                ]
            )
        out += [
            _table(
                [
                    "corpus",
                    "passages",
                    "sentences",
                    "passages alone s (twice)",
                    "late chunking s",
                    "each sentence alone s",
                    "late / alone-passages",
                    "separate / alone-passages",
                    "load",
                ],
                rows,
            ),
            "",
            "The separate pass here used batches of 32; with batches of 128 (what the build now uses) the",
            "sentences cost about 1.4x the passages (959 sentences of 150 passages: 39-44 s vs 27-30 s).",
            "",
        ]
        rows = []
        for corpus in ("demo+seed corpus", "squad slice"):
            for key, quality in data[corpus].items():
                if key.startswith("quality "):
                    for kind in ("separate", "late"):
                        rows.append(
                            [key[8:], quality["questions"], kind, quality[kind]["hit@1"], quality[kind]["hit@3"]]
                        )
        out += [
            _table(["gold set", "questions", "sentence vectors", "extract hit@1", "extract hit@3"], rows),
            "",
            "Extract hit@k: among every sentence of the 20 best passages ranked by 0.6 x sentence cosine + 0.4 x",
            "passage cosine (float16 round trip included), one of the first k overlaps a gold quote (holds the",
            "answer, SQuAD). Chosen: each sentence alone (the vectors the answers used before, now stored).",
            "",
        ]
    lex = _lines(folder / "lex.log")
    if lex:
        out += [
            "## Lexical query (FTS5 BM25)",
            "",
            "`python benchmarks/lexical.py` (FTS5-only stores, no vectors).",
            "",
        ]
        scifact = next((row for row in lex if "full" in row and "ndcg@10" in row["full"]), None)
        if scifact:
            rows = [[name, m["ndcg@10"], m["recall@100"], m["mrr@10"]] for name, m in scifact.items()]
            out += [
                "SciFact test, lexical retrieval alone, by the share above which a word is dropped:",
                "",
                _table(["query", "nDCG@10", "recall@100", "MRR@10"], rows),
                "",
            ]
        rows = []
        for row in lex:
            if "passages" not in row:
                continue
            for name in (
                "full",
                "filtered_full_terms",
                "pruned_0.05",
                "pruned_0.1",
                "pruned_0.2",
                "pruned_0.3",
                "filtered_0.2",
            ):
                if f"{name}_p50_ms" in row:
                    share = name.rsplit("_", 1)[-1] if name.startswith("pruned") else ""
                    overlap = row["top10_overlap_with_full"].get(share, "") if share else ""
                    rows.append(
                        [
                            row["passages"],
                            name,
                            row[f"{name}_p50_ms"],
                            row[f"{name}_p95_ms"],
                            overlap,
                            row["load_after"],
                        ]
                    )
            rows.append(
                [
                    row["passages"],
                    "filtered, old plan (rowid IN), mean of 5",
                    row["filtered_old_plan_mean_ms_first_questions"],
                    "",
                    "",
                    row["load_after"],
                ]
            )
        out += [
            _table(["passages", "query", "p50 ms", "p95 ms", "top-10 overlap with full", "load after"], rows),
            "",
            "216 questions: the State Dept gold questions, then 'What did the State Department say about <title>?'.",
            "`filtered` = the 2021 date filter inside the query. Default now: words in at most 20 % of passages, from",
            "10,000 passages up (`index/load.py`).",
            "",
        ]
    vec = _lines(folder / "vec.log")
    if vec:
        out += [
            "## FAISS at 100k and 1M vectors",
            "",
            "`python benchmarks/vectors_scale.py` (synthetic vectors mixed from"
            " 5,482 real all-MiniLM-L6-v2 vectors; one thread, k=100).",
            "",
        ]
        rows = [
            [
                r["vectors"],
                r["kind"],
                r["nprobe"],
                r["exact_file_mb"],
                r["ivf_file_mb"],
                r["rss_added_by_load_mb"],
                r["ivf_build_and_save_seconds"],
                f"{r['ivf_sq8_rescored_p50_ms']} / {r['ivf_sq8_rescored_p95_ms']}",
                f"{r['exact_p50_ms']} / {r['exact_p95_ms']}",
                r["recall_at_10"],
                r["load_after"],
            ]
            for r in vec
        ]
        out += [
            _table(
                [
                    "vectors",
                    "IVF",
                    "nprobe",
                    "exact MB",
                    "IVF MB",
                    "RSS added by load MB",
                    "IVF train+add s",
                    "IVF-SQ8 + exact re-scoring p50/p95 ms",
                    "exact scan p50/p95 ms",
                    "recall@10 vs exact",
                    "load",
                ],
                rows,
            ),
            "",
            "Recall on mixtures of real vectors is an upper bound for real text (1.0 here); on the real 100k copies",
            "of the State Dept collection the float32 IVF measured 0.986 at the same nprobe (`docs/benchmarks.md`).",
            "",
        ]
    warm = sorted(folder.glob("warm-*.json"))
    if warm:
        out += [
            "## Warm answer() against one question encoding",
            "",
            "`python benchmarks/warm_answer.py` (one thread; `before` = the checkout before issue 11, run with",
            "`PYTHONPATH=<worktree>/src` right after, its per-question sentence cache emptied before each question).",
            "",
        ]
        rows = []
        for path in warm:
            d = json.loads(path.read_text())
            parts = ", ".join(f"{k} {v}" for k, v in d["parts_p50_ms"].items())
            rows.append(
                [
                    path.stem[5:],
                    d["passages"],
                    d["questions"],
                    f"{d['answer_p50_ms']} / {d['answer_p95_ms']}",
                    d["question_encode_p50_ms"],
                    d["ratio_answer_over_encode_p50"],
                    parts,
                    d.get("peak_rss_mb", "—"),
                    d["load_before"],
                ]
            )
        out += [
            _table(
                [
                    "run",
                    "passages",
                    "answers",
                    "answer() p50/p95 ms",
                    "one question encoding p50 ms",
                    "ratio",
                    "parts p50 ms",
                    "peak RSS MB",
                    "load",
                ],
                rows,
            ),
            "",
        ]
    indexes = sorted(folder.glob("index-*.json"), key=lambda path: json.loads(path.read_text())["passages"])
    if indexes:
        rows = []
        for path in indexes:
            d = json.loads(path.read_text())
            files = d["files_mb"]
            rows.append(
                [
                    d["passages"],
                    d["documents"],
                    d["build_seconds_without_embedding"],
                    files["passages.sqlite"],
                    files["vectors.faiss"],
                    files.get("vectors.ivf.faiss", "—"),
                    d["total_mb"],
                ]
            )
        out += [
            "## Copied indexes (`benchmarks/copies_index.py`)",
            "",
            "The demo collection (774 passages) copied under distinct ids, built by `build_index` with every vector",
            "from a cache keyed by text (`benchmarks/caching.py`): chunking, SQLite, FTS5, sentence vectors and",
            "FAISS are real; embedding is not (at ~2.4 passage passes per passage it would add about 10 hours",
            "per million passages on 2 idle cores).",
            "",
            _table(
                [
                    "passages",
                    "documents",
                    "build s (no embedding)",
                    "passages.sqlite MB",
                    "vectors.faiss MB",
                    "vectors.ivf.faiss MB",
                    "on disk MB",
                ],
                rows,
            ),
            "",
        ]
    recalls = sorted(folder.glob("recall-*.json"), key=lambda path: json.loads(path.read_text())["passages"])
    if recalls:
        rows = [
            [
                d["passages"],
                d["faiss"],
                d["questions"],
                d["recall_at_10"],
                d["ivf_ms_per_query"],
                d["exact_ms_per_query"],
                d["load"],
            ]
            for d in (json.loads(path.read_text()) for path in recalls)
        ]
        out += [
            "Recall@10 of dense search against exact search on these indexes (`benchmarks/recall_index.py`, the",
            "demo and seed gold questions; ties by score count, since copies hold identical vectors):",
            "",
            _table(["passages", "FAISS", "questions", "recall@10", "IVF ms/query", "exact ms/query", "load"], rows),
            "",
        ]
    adds = sorted(folder.glob("add-*.json"))
    if adds:
        rows = [
            [d["passages"], d["add_seconds"], d["embedded"], d.get("sqlite_mb", ""), d["load"]]
            for d in (json.loads(path.read_text()) for path in adds)
        ]
        out += [
            "## Adding one document",
            "",
            "A one-record `.jsonl` dropped into the copied corpus, then `build_index`"
            " with the model loaded (the copy of the SQLite file grows with the index).",
            "",
            _table(["passages", "add s", "passages embedded", "SQLite MB", "load"], rows),
            "",
        ]
    cold = folder / "cold.json"
    if cold.exists():
        d = json.loads(cold.read_text())
        rows = [[name, ", ".join(str(t) for t in times), d["median"][name]] for name, times in d["times"].items()]
        out += [
            "## Cold start",
            "",
            "`python benchmarks/cold_start.py` (rounds alternate the four commands).",
            "",
            _table(["command", "wall s per round", "median s"], rows),
            "",
            f"Ratio ask / bare model load: {d['ratio_ask_over_bare']} (before issue 11: "
            f"{d.get('ratio_ask_before_over_bare', '—')}). Modules `ask` imported that it should not: "
            f"{d['ask_imported_unwanted']}; stderr lines of a plain `ask`: {d['ask_stderr_lines']}. "
            f"Load {d['load_before']} before, {d['load_after']} after.",
            "",
        ]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(Path(sys.argv[1])))
