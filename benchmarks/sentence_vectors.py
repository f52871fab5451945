"""Stored sentence vectors: "late chunking" against each sentence encoded on its own, in one run.

Usage (repository root, project venv)::

    python benchmarks/sentence_vectors.py [--work DIR] [--out FILE.json]

For each corpus (the shipped ``corpus/`` with the demo and seed gold sets; the
SQuAD 2.0 slice with its answerable questions) it builds one index, then on the
same passages, one after the other in the same process:

* indexing cost: ``model.encode`` of the passages alone (what a build cost before
  sentence vectors), late chunking (one pass, sentence vectors pooled from the
  token embeddings) and separate encoding (passages, then every sentence alone);
* answer quality of each kind of sentence vector (float16 round trip included):
  the same hybrid retrieval, then every sentence of the 20 best passages ranked by
  0.6 x sentence cosine + 0.4 x passage cosine; hit@1 / hit@3 = one of the first
  1 / 3 sentences overlaps a gold quote (gold sets) or holds the answer (SQuAD).

Prints one JSON object and writes it to ``--out`` when given.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import numpy as np  # noqa: E402

from briefing.answer.retrieve import retrieve  # noqa: E402
from briefing.evaluation.gold import EvidenceLocator, load_gold, quotes_contained, quotes_overlapped  # noqa: E402
from briefing.evaluation.squad import load_squad, write_collection  # noqa: E402
from briefing.index import build_index, load_index  # noqa: E402
from briefing.index.embedder import Embedder  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SQUAD = REPO.parent / "shared" / "datasets" / "squad2-dev-slice" / "computational-complexity.json"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def spans_of(passage):
    return [(s.char_start - passage.char_start, s.char_end - passage.char_start) for s in passage.sentences]


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def quality(index, questions, vectors_by_kind: dict[str, dict[int, np.ndarray]], contain: bool) -> dict:
    locator = EvidenceLocator(index)
    out = {kind: {"hit@1": 0, "hit@3": 0} for kind in vectors_by_kind}
    counted = 0
    for question in questions:
        if not question.answerable:
            continue
        spans, _ = locator.locate(question)
        if not spans:
            continue
        counted += 1
        query = index.encode_query(question.question)
        hits = retrieve(index, question.question, k=20, query_vector=query)
        passages = index.store.passages(h.passage_id for h in hits)
        for kind, vectors in vectors_by_kind.items():
            scored = {}
            for hit in hits:
                passage = passages[hit.passage_id]
                cosines = vectors[hit.passage_id] @ query
                for sentence, cosine in zip(passage.sentences, cosines):
                    key = (passage.doc_id, sentence.char_start, sentence.char_end)
                    scored[key] = max(scored.get(key, -9.0), 0.6 * float(cosine) + 0.4 * hit.dense)
            ranked = sorted(scored, key=lambda key: -scored[key])
            match = quotes_contained if contain else quotes_overlapped
            found = [bool(match(spans, *key)) for key in ranked[:3]]
            out[kind]["hit@1"] += int(any(found[:1]))
            out[kind]["hit@3"] += int(any(found[:3]))
    for kind in out:
        out[kind] = {name: round(value / max(counted, 1), 4) for name, value in out[kind].items()}
    out["questions"] = counted
    return out


def run_corpus(name, corpus, gold_sets, contain, work: Path, embedder: Embedder) -> dict:
    index_dir = work / f"index-{name}"
    report, build_s = timed(build_index, corpus, index_dir, embedder=embedder, full=True, show_bar=False, log=print)
    index = load_index(index_dir, embedder=embedder)
    passages = list(index.store.passages(index.store.passage_ids()).values())
    texts = [p.text for p in passages]
    spans = [spans_of(p) for p in passages]
    sentences = sum(len(s) for s in spans)
    load_before = load_average()
    _, plain_s = timed(embedder.encode, texts)
    (_, late), late_s = timed(embedder.encode_with_sentences, texts, spans, late=True)
    (_, alone), alone_s = timed(embedder.encode_with_sentences, texts, spans, late=False)
    _, plain2_s = timed(embedder.encode, texts)  # again, to see how much the load moved
    stored = index.sentence_vectors(passages)

    def fp16(matrices):
        out = {}
        for passage, matrix in zip(passages, matrices):
            matrix = matrix.astype(np.float16).astype(np.float32)
            out[passage.passage_id] = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        return out

    kinds = {"late": fp16(late), "separate": fp16(alone), "stored(index)": stored}
    result = {
        "passages": len(passages),
        "sentences": sentences,
        "build_seconds": round(build_s, 2),
        "build_passages_per_second": round(len(passages) / build_s, 2),
        "encode_passages_only_seconds": [round(plain_s, 2), round(plain2_s, 2)],
        "late_chunking_seconds": round(late_s, 2),
        "separate_seconds": round(alone_s, 2),
        "late_over_plain": round(late_s / ((plain_s + plain2_s) / 2), 3),
        "separate_over_plain": round(alone_s / ((plain_s + plain2_s) / 2), 3),
        "load_before": load_before,
        "load_after": load_average(),
    }
    for gold_name, questions in gold_sets:
        result[f"quality {gold_name}"] = quality(index, questions, kinds, contain)
    index.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-sv-"))
    work.mkdir(parents=True, exist_ok=True)
    import torch

    torch.set_num_threads(2)
    embedder = Embedder()
    embedder.encode(["warm up"])
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "load_start": load_average()}
    gold = [(n, load_gold(REPO / "eval" / "gold" / f"{n}.jsonl")) for n in ("demo", "seed")]
    results["demo+seed corpus"] = run_corpus("demo", REPO / "corpus", gold, False, work, embedder)
    dataset = load_squad(SQUAD)
    squad_corpus = work / "squad-corpus"
    write_collection(dataset.records, squad_corpus / "squad.jsonl")
    results["squad slice"] = run_corpus("squad", squad_corpus, [("squad", dataset.questions)], True, work, embedder)
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    results["load_end"] = load_average()
    text = json.dumps(results, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
