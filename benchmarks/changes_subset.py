"""A corpus and gold set small enough to index on a busy two-core machine: the documents that
``eval/gold/changes.jsonl`` cites of at most ``--max-words`` words (the press statements and
readouts; the long briefing transcripts are left out), and the gold set with its evidence limited
to those documents (a question left without evidence is dropped).

    python benchmarks/changes_subset.py --max-words 2000 --out DIR
    briefing index --corpus DIR/corpus --index DIR/index
    briefing eval --questions DIR/changes_subset.jsonl --index DIR/index --baseline all

The subject metrics do not depend on the subset; date recall is then the share of the gold dates
whose documents are in the index.  Numbers on it are not the full collection's (fewer documents
compete, and half of the gold dates are in the transcripts left out).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in REPO.parents if (p / "shared" / "datasets").is_dir()), REPO.parent / "shared")
COLLECTION = SHARED / "datasets" / "state-dept-press-releases" / "press_releases.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=REPO / "eval" / "gold" / "changes.jsonl")
    parser.add_argument("--collection", type=Path, default=COLLECTION)
    parser.add_argument("--max-words", type=int, default=2000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    questions = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    cited = {e["doc_id"].split("#", 1)[1] for q in questions for e in q["evidence"]}
    kept = set()
    (args.out / "corpus").mkdir(parents=True, exist_ok=True)
    with (
        open(args.collection, encoding="utf-8") as source,
        open(args.out / "corpus" / args.collection.name, "w", encoding="utf-8") as out,
    ):
        for line in source:
            record = json.loads(line)
            if record["_id"] in cited and len(record["text"].split()) <= args.max_words:
                out.write(line)
                kept.add(f"{args.collection.name}#{record['_id']}")
    subset = []
    for question in questions:
        evidence = [e for e in question["evidence"] if e["doc_id"] in kept]
        if evidence:
            subset.append({**question, "evidence": evidence})
    with open(args.out / "changes_subset.jsonl", "w", encoding="utf-8") as out:
        out.writelines(json.dumps(q, ensure_ascii=False) + "\n" for q in subset)
    dates = sum(len({e["date"] for e in q["evidence"]}) for q in subset)
    print(
        f"{len(kept)} of {len(cited)} cited documents; {len(subset)} of {len(questions)} questions, {dates} gold dates"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
