"""Before and after for "did it change?" answers: two versions of the code, one index, one gold set.

    PYTHONPATH=src python benchmarks/timeline_compare.py --index DIR --questions eval/gold/changes.jsonl \
        --before /path/to/older/src [--follow-ups]

Each version answers every question of the gold set in a process of its own (``--before`` is the
``src`` folder of the older checkout; the after side is this checkout's ``src``), with the bot's own
calibrated threshold, exactly as ``briefing ask`` does.  Both are scored here with the same
functions ``briefing eval`` uses (:func:`briefing.evaluation.metrics.change_metrics` and the gold
subject rule :func:`briefing.evaluation.gold.on_gold_subject`).  ``--follow-ups`` also asks "Did it
change?" after each question, as the chat does (the question as context), and counts how often it
is answered when the question was.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"

DUMP = r"""
import json, sys
from briefing.answer import answer
from briefing.index import load_index
from briefing.evaluation.gold import load_gold

index = load_index(sys.argv[1])
out = {}
for gold in load_gold(sys.argv[2]):
    reply = answer(index, gold.question, top=8)
    texts = [index.store.document(e.doc_id).text[e.char_start:e.char_end] for e in reply.extracts]
    row = {"texts": [e.text for e in reply.extracts], "dates": [e.date for e in reply.extracts],
           "strength": reply.strength, "verbatim": [t == e.text for t, e in zip(texts, reply.extracts)]}
    if sys.argv[3] == "1":
        again = answer(index, "Did it change?", top=8, context=gold.question)
        row["follow_up"] = not again.abstained
    out[gold.id] = row
print(json.dumps(out))
"""


def run(src: Path, index: Path, questions: Path, follow_ups: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    done = subprocess.run(
        [sys.executable, "-c", DUMP, str(index), str(questions), "1" if follow_ups else "0"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fmt(value, counted: bool) -> str:
    return f"{value:g}" if counted else f"{value:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", required=True, type=Path)
    parser.add_argument("--questions", required=True, type=Path)
    parser.add_argument("--before", required=True, type=Path, help="the older checkout's src folder")
    parser.add_argument("--follow-ups", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from briefing.evaluation.gold import load_gold, on_gold_subject
    from briefing.evaluation.metrics import Timeline, change_metrics

    gold = {q.id: q for q in load_gold(args.questions)}
    sides = {
        name: run(src, args.index, args.questions, args.follow_ups)
        for name, src in (("before", args.before), ("after", HERE))
    }
    rows = {}
    for name, answers in sides.items():
        timelines = {}
        for qid, row in answers.items():
            question = gold[qid]
            dates = sorted({e.date for e in question.evidence if e.date})
            timelines[qid] = Timeline(row["texts"], row["dates"], row["strength"], question.subject_terms, dates)
        metrics = change_metrics(timelines, on_gold_subject)
        summary = {n: m.mean for n, m in metrics.items()}
        summary["strong_off_subject"] = sum(metrics["strong_off_subject"].per_query.values())
        summary["answered"] = sum(bool(r["texts"]) for r in answers.values())
        verbatim = [v for r in answers.values() for v in r["verbatim"]]
        summary["verbatim"] = sum(verbatim) / len(verbatim) if verbatim else 1.0
        if args.follow_ups:
            summary["follow_up_answered"] = sum(r["follow_up"] for r in answers.values() if r["texts"])
        rows[name] = summary
    names = list(rows["after"])
    print(f"| metric | before | after |  ({len(gold)} questions of {args.questions.name})")
    print("|---|---|---|")
    for name in names:
        before, after = rows["before"].get(name, 0), rows["after"][name]
        counted = not isinstance(after, float) or name == "strong_off_subject"
        print(f"| {name} | {_fmt(before, counted)} | {_fmt(after, counted)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
