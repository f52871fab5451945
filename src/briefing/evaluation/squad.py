"""SQuAD v2 JSON as an evaluation: paragraphs become documents, questions gold questions.

Every paragraph of every article becomes one record of a ``.jsonl`` collection
(``_id`` = ``p000``, ``p001`` … in file order, ``title`` = the article title with
underscores as spaces, ``text`` = the context), indexed once into
``~/.cache/briefing/squad/<hash>`` (the hash covers the file, the model, the
chunking and the index schema).  An answerable question's evidence is its gold
answer strings, located in their paragraph at ``answer_start`` (the nearest
occurrence when the offset is off); an ``is_impossible`` question is unanswerable.

Answers are scored by containment: an extract hits when its span holds a gold
answer span of the question's paragraph (``hit@k``).  ``hit@k_anywhere`` counts
a gold answer string anywhere in the extract's text, in any paragraph; that is
how ``../shared/MEASURED.md`` counted, so its numbers compare with that variant.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .cache import cache_root, cached_index, content_hash, index_settings
from .gold import Evidence, GoldQuestion, Span

COLLECTION_NAME = "squad.jsonl"
CACHE_LAYOUT = 1  # bump when the way the collection is written changes


@dataclass(frozen=True)
class SquadDataset:
    """The collection records and gold questions of one SQuAD v2 file."""

    path: Path
    records: list[dict]  # {"_id", "title", "text"}, one per paragraph
    questions: list[GoldQuestion]
    unlocated: list[str]  # "question id: answer text" of gold answers found nowhere in their paragraph

    @property
    def unanswerable(self) -> int:
        return sum(not q.answerable for q in self.questions)


def doc_id_of(record_id: str) -> str:
    """The index's doc_id of a collection record (``squad.jsonl#p000``)."""
    return f"{COLLECTION_NAME}#{record_id}"


def _locate(context: str, text: str, start) -> int | None:
    """Where ``text`` is in ``context``: at ``start`` when it is there, else its nearest occurrence."""
    if isinstance(start, int) and context[start : start + len(text)] == text:
        return start
    positions = []
    found = context.find(text)
    while found >= 0:
        positions.append(found)
        found = context.find(text, found + 1)
    if not positions:
        return None
    target = start if isinstance(start, int) else 0
    return min(positions, key=lambda p: abs(p - target))


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as the collection reader stores it


def load_squad(path: Path | str) -> SquadDataset:
    """Read a SQuAD v2 JSON file; raises UsageError when it is not one.

    Pure: no model, no index.  Duplicate answer strings of one question are kept
    once (SQuAD lists each annotator's answer).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"cannot read SQuAD file {path}: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise UsageError(f"{path} is not SQuAD JSON (expected an object with a 'data' list)")
    records: list[dict] = []
    questions: list[GoldQuestion] = []
    unlocated: list[str] = []
    seen: set[str] = set()
    try:
        for article in data["data"]:
            title = str(article.get("title") or "").replace("_", " ").strip()
            for paragraph in article["paragraphs"]:
                context = _normalise(str(paragraph["context"]))
                record_id = f"p{len(records):03d}"
                records.append({"_id": record_id, "title": title or None, "text": context})
                doc_id = doc_id_of(record_id)
                for qa in paragraph.get("qas", []):
                    qid = str(qa["id"])
                    if qid in seen:
                        raise UsageError(f"{path}: duplicate question id {qid!r}")
                    seen.add(qid)
                    question = " ".join(str(qa["question"]).split())
                    if qa.get("is_impossible") or not qa.get("answers"):
                        questions.append(GoldQuestion(qid, question, "unanswerable"))
                        continue
                    evidence: list[Evidence] = []
                    spans: list[Span] = []
                    for answer in qa["answers"]:
                        text = _normalise(str(answer["text"]))
                        if not text.strip() or any(e.quote == text for e in evidence):
                            continue
                        start = _locate(context, text, answer.get("answer_start"))
                        if start is None:
                            unlocated.append(f"{qid}: {text}")
                        else:
                            spans.append(Span(len(evidence), doc_id, start, start + len(text)))
                        evidence.append(Evidence(COLLECTION_NAME, text, doc_id))
                    if not evidence:
                        questions.append(GoldQuestion(qid, question, "unanswerable"))
                        continue
                    questions.append(GoldQuestion(qid, question, "answerable", tuple(evidence), tuple(spans)))
    except (KeyError, TypeError, AttributeError) as error:
        raise UsageError(f"{path} is not SQuAD v2 JSON ({type(error).__name__}: {error})") from error
    if not records or not questions:
        raise UsageError(f"{path} holds no paragraphs with questions")
    return SquadDataset(path, records, questions, unlocated)


def write_collection(records: list[dict], target: Path) -> None:
    """Write the records as one ``.jsonl`` collection (atomically)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    temporary.replace(target)


def squad_cache_key(path: Path, embedder) -> str:
    return content_hash([("squad", Path(path))], *index_settings(embedder), f"layout={CACHE_LAYOUT}")


def prepare_squad_index(
    dataset: SquadDataset,
    *,
    embedder,
    cache: Path | None = None,
    log: Callable[[str], None] = print,
    show_bar: bool = False,
):
    """Build (once) or reuse the index of ``dataset``'s paragraphs; returns the loaded Index."""
    home = (Path(cache) if cache else cache_root("squad")) / squad_cache_key(dataset.path, embedder)
    collection = home / "corpus" / COLLECTION_NAME
    if not collection.exists():
        write_collection(dataset.records, collection)
    return cached_index(home, collection.parent, embedder=embedder, log=log, show_bar=show_bar)
