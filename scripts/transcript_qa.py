"""Write the State Department transcripts' reporter question -> official answer turns as a qa-train file.

Each ``QUESTION:`` turn answered by an official becomes one qa-train row (the format of
``../shared/datasets/qa-train/README.md``): its question sentences are the ``question``; the
``context`` is the transcript around it, verbatim (two turns before the question, the question, the
reply and three turns after), so the question itself, the reporter's preamble and other officials'
replies are all there to be quoted instead; the ``answer_sentences`` are the reply's opening
sentences.  Windows of one transcript never overlap.  Every transcript that a gold set cites
(``eval/gold/*.jsonl``) or that the demo corpus holds is left out, as in ``train_reranker.py``, so no
statement the evaluation scores is trained on.

The file is one more domain for ``train_answer_models.py --qa`` and ``briefing eval --qa``:

    python scripts/transcript_qa.py --out ~/.cache/briefing/sd-transcripts.jsonl.xz
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
from pathlib import Path

from briefing.corpus.speakers import is_question_label
from briefing.corpus.transcript import turns as transcript_turns
from briefing.evaluation.gold import scored_documents

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets" / "state-dept-press-releases" / "press_releases.jsonl"
NOT_ANSWERS = {"OPERATOR", "MODERATOR"}
BEFORE, AFTER = 2, 3  # turns of context before the question and after the reply
ANSWER_SENTENCES = 3  # the reply's opening sentences (of 30 characters or more) that answer


def rows_of(document: dict) -> list[dict]:
    """The qa-train rows of one transcript (none when it has no answered question)."""
    text = document["text"]
    turns = transcript_turns(text)
    rows, taken_until = [], 0
    for i, (turn, reply) in enumerate(zip(turns, turns[1:])):
        if not is_question_label(turn.label) or is_question_label(reply.label) or reply.label in NOT_ANSWERS:
            continue
        question = " ".join([s for s in turn.sentences if "?" in s][-2:])
        answers = [s for s in reply.sentences if len(s) >= 30][:ANSWER_SENTENCES]
        if len(question) < 30 or not answers:
            continue
        first, last = turns[max(i - BEFORE, 0)], turns[min(i + 1 + AFTER, len(turns) - 1)]
        if first.start < taken_until:
            continue  # windows of one transcript never overlap
        taken_until = last.end
        rows.append(
            {
                "id": f"{document['_id']}-t{i:03d}",
                "question": question,
                "context": text[first.start : last.end].strip(),
                "answers": [],
                "answer_sentences": answers,
                "title": document.get("title"),
                "source": f"state-dept-press-releases:{document['_id']}",
                "license": "public domain (US government work)",
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the State Department press_releases.jsonl")
    parser.add_argument("--out", type=Path, required=True, help="the qa-train file to write (.jsonl.xz)")
    args = parser.parse_args(argv)
    skip = scored_documents(ROOT)
    rows, transcripts = [], 0
    for line in args.data.read_text(encoding="utf-8").splitlines():
        document = json.loads(line)
        if document["_id"] in skip:
            continue
        found = rows_of(document)
        transcripts += bool(found)
        rows += found
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with lzma.open(args.out, "wt", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
    print(f"{len(rows)} questions from {transcripts} transcripts ({len(skip)} documents left out) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
