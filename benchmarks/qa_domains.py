"""The per-domain table of issue 23: every qa-train domain answered by models fitted without it.

For each domain, ``briefing eval --qa FILE --near-miss --baseline dense-sentence --json`` runs in its
own process with ``BRIEFING_ANSWER_MODELS`` pointing at that domain's leave-one-domain-out models
(``scripts/train_answer_models.py --qa ... --lodo-out DIR`` writes ``DIR/<domain>/``), so the
figures are for a domain none of the answer models saw: the whole answering pipeline, the rules
included.  ``--models before=DIR`` (repeatable) adds a row per domain for another set of models
used as they are (the models shipped before, say).  Writes a markdown table (``--out``) and prints it.

    python benchmarks/qa_domains.py --lodo /work/cache/lodo --models before=/work/cache/models_before \\
        --cache /work/cache/qa --out docs/eval/domains.md ../shared/datasets/qa-train/*.jsonl.xz
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

COLUMNS = (
    "hit@1",
    "hit@3",
    "dense-sentence_hit@1",
    "abstention",
    "false_abstention",
    "hit@1_answered",
    "strong_share",
    "strong_precision",
)


def run_domain(path: Path, models: Path | None, cache: Path | None, extra: list[str]) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    if models is not None:
        env["BRIEFING_ANSWER_MODELS"] = str(models)
    command = [sys.executable, "-m", "briefing.cli", "eval", "--qa", str(path), "--near-miss", "--json"]
    command += ["--baseline", "dense-sentence"] + (["--cache", str(cache)] if cache else []) + extra
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    data = json.loads(done.stdout)
    (row,) = data["domains"]
    seconds = sum(r["seconds"] for r in data["gold_sets"])
    questions = sum(len(r["per_question"]) for r in data["gold_sets"])
    row["ms_per_question"] = 1000 * seconds / max(questions, 1)
    row["wall_s"] = time.perf_counter() - started
    return row


def table(rows: list[dict]) -> str:
    header = ["domain", "models", "answerable", "unanswerable", *COLUMNS, "silenced by (answerable)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row["domain"], row["models"], str(row["answerable"]), str(row["unanswerable"])]
        cells += ["—" if row.get(c) is None else f"{row[c]:.3f}" for c in COLUMNS]
        cells.append(", ".join(f"{k} {v:.3f}" for k, v in row["silenced_by"].items()) or "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+", help="qa-train files, one domain each")
    parser.add_argument("--lodo", type=Path, help="the folder of leave-one-domain-out models (DIR/<domain>/)")
    parser.add_argument("--models", action="append", default=[], help="NAME=DIR: other models, used as they are")
    parser.add_argument("--shipped", action="store_true", help="also the shipped models (in-sample on every domain)")
    parser.add_argument("--cache", type=Path, help="where the qa indexes live (briefing eval --cache)")
    parser.add_argument("--out", type=Path, help="write the markdown table here")
    args = parser.parse_args(argv)
    rows = []
    for path in args.files:
        domain = path.name.split(".")[0]
        runs: list[tuple[str, Path | None]] = [
            (name, Path(folder)) for name, _, folder in (m.partition("=") for m in args.models)
        ]
        if args.lodo is not None:
            runs.append(("left out", args.lodo / domain))
        if args.shipped:
            runs.append(("shipped", None))
        for name, folder in runs:
            row = run_domain(path, folder, args.cache, [])
            row["models"] = name
            rows.append(row)
            shown = {k: "—" if row[k] is None else f"{row[k]:.3f}" for k in ("hit@1", "false_abstention", "abstention")}
            print(
                f"{domain} ({name}): hit@1 {shown['hit@1']}, false abstention {shown['false_abstention']}, "
                f"abstention {shown['abstention']}, {row['ms_per_question']:.0f} ms a question",
                file=sys.stderr,
            )
    text = table(rows)
    command = "python benchmarks/qa_domains.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(f"<!-- {command} -->\n\n{text}\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
