"""Can a cheaper number format make indexing faster at no quality loss?  fp32 against bf16 and
PyTorch's dynamic int8, on this CPU, in one process.

Usage (repository root, project venv)::

    python benchmarks/precision.py --index DIR [--passages 400] [--scifact ../shared/datasets/scifact]

For each variant of the shipped model (the same weights):

* ``fp32``: what the build uses;
* ``bf16``: the model cast to bfloat16 (this CPU has AVX-512 BF16 but no AMX);
* ``int8-dynamic``: ``torch.ao.quantization.quantize_dynamic`` over every ``nn.Linear``
  (int8 weights, activations quantised per batch; fbgemm's VNNI kernels);

it times ``model.encode`` of the first ``--passages`` passages of the index and of their sentences
(what a build encodes: passages, then every sentence alone, batches of 32 and 128), two alternating
rounds, the torch threads a build uses; the cosine of each vector to the fp32 one (min and mean);
and with ``--scifact`` the dense nDCG@10 of SciFact's test queries over its documents (title and
abstract, exact inner product), the issue's quality check (within 0.005 of fp32).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import numpy as np  # noqa: E402

from briefing.evaluation.beir import load_beir  # noqa: E402
from briefing.evaluation.metrics import ndcg_at_k  # noqa: E402
from briefing.index import load_index  # noqa: E402
from briefing.index.embedder import SENTENCE_BATCH  # noqa: E402


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def variants(path: str) -> dict:
    import torch
    from sentence_transformers import SentenceTransformer

    fp32 = SentenceTransformer(path, device="cpu")
    bf16 = SentenceTransformer(path, device="cpu").to(torch.bfloat16)
    int8 = torch.ao.quantization.quantize_dynamic(
        SentenceTransformer(path, device="cpu"), {torch.nn.Linear}, dtype=torch.qint8
    )
    return {"fp32": fp32, "bf16": bf16, "int8-dynamic": int8}


def encode(model, texts: list[str], batch: int) -> np.ndarray:
    vectors = model.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)


def scifact_ndcg(model, folder: Path) -> float:
    dataset = load_beir(folder, "test")
    ids, texts = [], []
    with open(folder / "corpus.jsonl", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                ids.append(str(record["_id"]))
                texts.append(f"{record.get('title') or ''}\n{record.get('text') or ''}".strip())
    documents = encode(model, texts, 32)
    names = list(dataset.queries)
    queries = encode(model, [dataset.queries[name] for name in names], 32)
    top = np.argsort(-(queries @ documents.T), axis=1)[:, :10]
    run = {name: [ids[i] for i in row] for name, row in zip(names, top)}
    return round(ndcg_at_k(run, dataset.qrels, 10).mean, 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="an index whose passages are encoded")
    parser.add_argument("--passages", type=int, default=400)
    parser.add_argument("--scifact", type=Path, help="a BEIR SciFact folder: dense nDCG@10 per variant")
    args = parser.parse_args()
    import torch

    index = load_index(args.index)
    passages = list(index.store.passages(index.store.passage_ids()[: args.passages]).values())
    texts = [passage.text for passage in passages]
    sentences = [
        passage.text[s.char_start - passage.char_start : s.char_end - passage.char_start]
        for passage in passages
        for s in passage.sentences
    ]
    models = variants(str(index.embedder.path))
    out: dict = {
        "index": str(args.index),
        "passages": len(texts),
        "sentences": len(sentences),
        "torch_threads": torch.get_num_threads(),
        "load_before": load_average(),
        "seconds": {name: [] for name in models},
    }
    reference = {}
    for _ in range(2):  # alternating rounds: a change of load hits every variant alike
        for name, model in models.items():
            started = time.perf_counter()
            vectors = encode(model, texts, 32)
            encode(model, sentences, SENTENCE_BATCH)
            out["seconds"][name].append(round(time.perf_counter() - started, 2))
            reference.setdefault(name, vectors)
    for name, vectors in reference.items():
        cosines = (vectors * reference["fp32"]).sum(axis=1)
        out.setdefault("cosine_to_fp32", {})[name] = {
            "min": round(float(cosines.min()), 4),
            "mean": round(float(cosines.mean()), 4),
        }
        fastest = min(out["seconds"][name])
        out.setdefault("speedup_over_fp32", {})[name] = round(min(out["seconds"]["fp32"]) / fastest, 2)
    if args.scifact:
        out["scifact_dense_ndcg10"] = {name: scifact_ndcg(model, args.scifact) for name, model in models.items()}
    out["load_after"] = load_average()
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
