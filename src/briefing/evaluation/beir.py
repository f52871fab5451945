"""The BEIR benchmark: index a BEIR-format dataset once, score the retrieval stage.

A BEIR folder holds ``corpus.jsonl`` (``_id``, ``title``, ``text``),
``queries.jsonl`` (``_id``, ``text``) and ``qrels/<split>.tsv`` (``query-id``,
``corpus-id``, ``score`` with a header line).  The corpus is rewritten as one
``.jsonl`` collection in a cache folder keyed by a hash of its content, the
model and the chunking, then indexed with :func:`briefing.indexer.build_index`;
a second run finds the index and only checks it.

Our indexer embeds passage text only, so the title goes into the text
(``title + "\n\n" + text``, as BEIR's recipe embeds "title text"); the lexical
index sees it too.  Retrieval is scored per document: a document's score is
the best score of its passages.  SciFact test, all-MiniLM-L6-v2 (2026-11-25):
nDCG@10 dense 0.684, lexical 0.674, hybrid 0.732 (docs/eval/README.md).
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..answer.retrieve import retrieve
from ..corpus.chunking import ChunkingParams
from ..errors import UsageError
from ..index.build import build_index
from ..index.embedder import Embedder
from ..index.load import load_index
from ..index.manifest import read_manifest
from .metrics import MetricResult, mrr_at_k, ndcg_at_k, recall_at_k

COLLECTION_NAME = "corpus.jsonl"
TITLE_MODES = ("prepend", "field")
CACHE_LAYOUT = 1  # bump when the way the collection is written changes
PASSAGES_PER_QUERY = 300  # enough passages for 100 distinct documents


@dataclass(frozen=True)
class BeirDataset:
    """Queries and relevance judgements of one split (only judged queries are kept)."""

    folder: Path
    split: str
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


@dataclass
class BeirResult:
    """Document-level metrics of one retrieval mode."""

    mode: str
    metrics: dict[str, MetricResult] = field(default_factory=dict)
    seconds: float = 0.0

    def means(self) -> dict[str, float]:
        return {name: round(result.mean, 4) for name, result in self.metrics.items()}


def _require(path: Path, what: str) -> Path:
    if not path.is_file():
        raise UsageError(f"{path} not found: a BEIR folder needs {what}")
    return path


def load_beir(folder: Path, split: str = "test") -> BeirDataset:
    """Queries and qrels of ``split``; raises UsageError when a file is missing or malformed."""
    folder = Path(folder)
    _require(folder / "corpus.jsonl", "corpus.jsonl")
    qrels_path = _require(folder / "qrels" / f"{split}.tsv", f"qrels/{split}.tsv")
    queries_path = _require(folder / "queries.jsonl", "queries.jsonl")
    qrels: dict[str, dict[str, int]] = {}
    with open(qrels_path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or (number == 1 and row[0] == "query-id"):
                continue
            if len(row) < 3:
                raise UsageError(f"{qrels_path}:{number}: expected query-id, corpus-id and score")
            try:
                grade = int(float(row[2]))
            except ValueError as error:
                raise UsageError(f"{qrels_path}:{number}: score {row[2]!r} is not a number") from error
            if grade > 0:
                qrels.setdefault(row[0], {})[row[1]] = grade
    queries: dict[str, str] = {}
    with open(queries_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if str(record["_id"]) in qrels:
                    queries[str(record["_id"])] = str(record["text"])
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise UsageError(f"{queries_path}:{number}: expected a JSON object with _id and text") from error
    missing = sorted(set(qrels) - set(queries))
    if missing:
        raise UsageError(f"{len(missing)} judged queries have no text in {queries_path} (first: {missing[0]})")
    return BeirDataset(folder, split, queries, qrels)


def corpus_hash(corpus_path: Path, *extra: str) -> str:
    """sha256 (first 16 hex digits) of the corpus file bytes plus the settings that shape the index."""
    digest = hashlib.sha256()
    with open(corpus_path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    for item in extra:
        digest.update(b"\0" + item.encode())
    return digest.hexdigest()[:16]


def default_cache_root() -> Path:
    return Path.home() / ".cache" / "briefing" / "beir"


def write_collection(corpus_path: Path, target: Path, *, title: str = "prepend") -> int:
    """Rewrite a BEIR ``corpus.jsonl`` as a briefing collection; returns the record count.

    ``title="prepend"`` puts ``title + "\\n\\n" + text`` in the text (the title is
    embedded with the first passage); ``title="field"`` keeps the abstract alone
    as text and the title as metadata (the lexical index still sees it).
    """
    if title not in TITLE_MODES:
        raise ValueError(f"title must be one of {', '.join(TITLE_MODES)}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    count = 0
    with open(corpus_path, encoding="utf-8") as source, open(temporary, "w", encoding="utf-8") as out:
        for line in source:
            if not line.strip():
                continue
            record = json.loads(line)
            heading = (record.get("title") or "").strip()
            body = (record.get("text") or "").strip()
            if title == "prepend":
                text = f"{heading}\n\n{body}" if heading and body else heading or body
                row = {"_id": str(record["_id"]), "text": text}
            else:
                row = {"_id": str(record["_id"]), "title": heading or None, "text": body or heading}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    temporary.replace(target)  # an interrupted write never leaves a half collection
    return count


def prepare_index(
    folder: Path,
    *,
    cache: Path | None = None,
    embedder=None,
    title: str = "prepend",
    log: Callable[[str], None] = print,
    show_bar: bool = False,
):
    """Build (or reuse) the index of a BEIR corpus; returns the loaded :class:`Index`.

    The cache folder is ``<cache>/<hash>`` where the hash covers the corpus bytes,
    the model, the chunking parameters and ``title``.
    """
    corpus_path = Path(folder) / "corpus.jsonl"
    embedder = embedder or Embedder()
    key = corpus_hash(
        corpus_path,
        embedder.identity,
        json.dumps(ChunkingParams().to_dict(), sort_keys=True),
        f"title={title}",
        f"layout={CACHE_LAYOUT}",
    )
    root = Path(cache) if cache else default_cache_root()
    home = root / key
    collection = home / "corpus" / COLLECTION_NAME
    index_dir = home / "index"
    manifest = read_manifest(index_dir) if index_dir.exists() else None
    if manifest is None:
        started = time.perf_counter()
        if not collection.exists():
            count = write_collection(corpus_path, collection, title=title)
            log(f"wrote {count} documents to {collection}")
        log(f"indexing into {index_dir} (once; later runs reuse it)")
        report = build_index(collection.parent, index_dir, embedder=embedder, show_bar=show_bar, log=log)
        log(f"{report.summary()} ({time.perf_counter() - started:.0f} s)")
    else:
        log(f"reusing the index in {index_dir} ({manifest.documents} documents, {manifest.passages} passages)")
    return load_index(index_dir, embedder=embedder)


def document_run(index, question: str, *, mode: str, depth: int = PASSAGES_PER_QUERY) -> list[str]:
    """Corpus ids ranked by their best passage's score under ``mode``."""
    hits = retrieve(index, question, k=depth, mode=mode, candidates=depth)
    ranked: list[str] = []
    seen: set[str] = set()
    for hit in hits:  # hits come best first, so a document's first hit is its max
        corpus_id = hit.doc_id.split("#", 1)[1] if "#" in hit.doc_id else hit.doc_id
        if corpus_id not in seen:
            seen.add(corpus_id)
            ranked.append(corpus_id)
    return ranked


def score_runs(run: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, MetricResult]:
    """nDCG@10, recall@100 and MRR@10 of a document run."""
    return {
        "ndcg@10": ndcg_at_k(run, qrels, 10),
        "recall@100": recall_at_k(run, qrels, 100),
        "mrr@10": mrr_at_k(run, qrels, 10),
    }


def evaluate_beir(index, dataset: BeirDataset, modes: list[str]) -> tuple[list[BeirResult], dict[str, dict]]:
    """Metrics per mode, and the runs themselves (``mode -> qid -> ranked ids``)."""
    results, runs = [], {}
    for mode in modes:
        started = time.perf_counter()
        run = {qid: document_run(index, text, mode=mode) for qid, text in dataset.queries.items()}
        runs[mode] = run
        results.append(BeirResult(mode, score_runs(run, dataset.qrels), time.perf_counter() - started))
    return results, runs
