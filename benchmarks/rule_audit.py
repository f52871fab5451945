"""What each hand rule silences among answerable questions (issue 23, "every hand rule earns its place").

For every answerable question of each qa-train file (``briefing eval --qa``'s sample and index), the
abstention model is set aside (a cut below any answerability) and the rules that remain are run as
``answer()`` runs them: the unseen-name rule and each kind of the fact check
(:func:`briefing.answer.decide.abstention_reason`).  A rule that silences more than 1% of the
answerable questions of any domain is to be narrowed or removed.  ``right`` counts the silenced
questions whose first extract held the answer (a silence that cost a right quote).

    python benchmarks/rule_audit.py --cache /work/cache/qa ../shared/datasets/qa-train/*.jsonl.xz
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from briefing.answer import AnswerParams, gather
from briefing.answer.decide import abstention_reason, decide
from briefing.evaluation.qa import load_qa, prepare_qa_index, qa_hit
from briefing.index.embedder import Embedder

NO_MODEL = -0.5  # a cut no answerability falls below, that still runs the rules (-1 turns them off)


def audit(path: Path, cache: Path | None, embedder) -> dict:
    dataset = load_qa(path)
    index = prepare_qa_index(dataset, embedder=embedder, cache=cache, log=lambda _: None)
    params = AnswerParams(offtopic_factor=0.0)
    silenced, right = Counter(), Counter()
    answerable = [q for q in dataset.questions if q.answerable]
    for gold in answerable:
        evidence = gather(index, gold.question, params=params)
        reason = abstention_reason(evidence, threshold=NO_MODEL)
        if reason is None:
            continue
        silenced[reason] += 1
        unchecked = decide(evidence, threshold=-1.0, params=params)  # what it would have quoted
        first = unchecked.extracts[0] if unchecked.extracts else None
        if first is not None and qa_hit(gold.spans, first.doc_id, first.char_start, first.char_end):
            right[reason] += 1
    index.close()
    n = max(len(answerable), 1)
    return {
        "domain": dataset.name,
        "answerable": len(answerable),
        "silenced": {k: round(v / n, 3) for k, v in sorted(silenced.items())},
        "right_silenced": {k: round(v / n, 3) for k, v in sorted(right.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--cache", type=Path, help="where the qa indexes live (briefing eval --qa's --cache)")
    args = parser.parse_args(argv)
    embedder = Embedder()
    for path in args.files:
        print(json.dumps(audit(path, args.cache, embedder)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
