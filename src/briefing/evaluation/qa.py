"""The qa-train format as an evaluation: each context a document, each question asked.

A qa-train file (``.jsonl`` or ``.jsonl.xz``; ``../shared/datasets/qa-train/README.md``) holds one
question a line with its ``context``, its ``answers`` (spans) and its ``answer_sentences`` (the
sentences of the context that hold the answer).  :func:`load_qa` draws a reproducible sample of
questions (``limit``, ``seed``), makes each distinct context of the sample one record of a
``.jsonl`` collection (``_id`` = ``c0000``…), adds other contexts of the file as distractors up to
``min_documents`` (an index of only the answering paragraphs would be too easy), all within
``max_chars`` of text (COVID-QA's articles run to 20,000 characters each: the sample then comes
from fewer of them, so an evaluation indexes about the same amount of text per domain), and locates
every answer sentence and answer span in its context.  Dialogue turns that depend on earlier
turns (doc2dial's ``turn`` > 1) are left out, and so are yes/no answer strings as spans.

A question is answered (the ``qa`` hit rule, :func:`qa_hit`) when an extract holds an answer
span, or overlaps an answer sentence by at least half of the shorter of the two: sentence
splitters differ, so an extract may be part of an answer sentence or hold it with a neighbour.

``near_miss=True`` makes the hard unanswerable case: every sampled question's answer sentences
are cut out of its context (the rest of the document stays, on topic), and each question is
asked of that collection as unanswerable.  A question whose answer span still occurs in what is
left of its context cannot be made unanswerable this way and is dropped.  Questions the set
itself marks unanswerable (ConditionalQA's ``not_answerable``) are asked in the plain run only.
"""

from __future__ import annotations

import json
import lzma
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .cache import cache_root, cached_index, content_hash, index_settings
from .gold import Evidence, GoldQuestion, Span
from .squad import write_collection

COLLECTION_NAME = "qa.jsonl"
CACHE_LAYOUT = 1  # bump when the way the collection is written changes
YES_NO = {"yes", "no", "true", "false"}
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class QaDataset:
    """The collection records and gold questions drawn from one qa-train file."""

    path: Path
    name: str  # the domain: the file's name without its suffixes ("covid-qa")
    records: list[dict]  # {"_id", "title", "text"}
    questions: list[GoldQuestion]
    near_miss: bool
    settings: str  # limit, seed and the rest, for the cache key

    @property
    def unanswerable(self) -> int:
        return sum(not q.answerable for q in self.questions)


def domain_name(path: Path | str) -> str:
    """``covid-qa.jsonl.xz`` -> ``covid-qa``."""
    name = Path(path).name
    for suffix in (".xz", ".jsonl", ".json"):
        name = name.removesuffix(suffix)
    return name


def read_rows(path: Path | str) -> list[dict]:
    """Every row of a qa-train file; raises UsageError when it is not one."""
    path = Path(path)
    opener = lzma.open if path.suffix == ".xz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    except (OSError, EOFError, lzma.LZMAError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"cannot read qa file {path}: {error}") from error
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row.get("context"):
            raise UsageError(f"{path}:{number}: not a qa-train row (needs 'question' and 'context')")
    return rows


def _usable(row: dict) -> bool:
    """A standalone question: no dialogue turn that leans on the ones before it."""
    return int(row.get("turn") or 1) <= 1 and bool(row["question"].strip())


def _is_unanswerable(row: dict) -> bool:
    return bool(row.get("not_answerable")) or not (row.get("answer_sentences") or _spans_of(row))


def _spans_of(row: dict) -> list[str]:
    """The answer strings worth looking for: not empty, not a bare yes or no."""
    return [a for a in dict.fromkeys(str(a) for a in row.get("answers") or []) if a.strip() and a.lower() not in YES_NO]


def _positions(text: str, part: str) -> list[tuple[int, int]]:
    out, at = [], text.find(part)
    while part and at >= 0:
        out.append((at, at + len(part)))
        at = text.find(part, at + 1)
    return out


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without ``spans`` (answer sentences), whitespace left tidy."""
    kept, at = [], 0
    for start, end in sorted(spans):
        if start >= at:
            kept.append(text[at:start])
            at = end
        else:
            at = max(at, end)
    kept.append(text[at:])
    return _SPACES.sub(" ", "".join(kept)).strip()


def load_qa(
    path: Path | str,
    *,
    limit: int = 120,
    seed: int = 13,
    min_documents: int = 150,
    max_chars: int = 150_000,
    near_miss: bool = False,
) -> QaDataset:
    """Draw ``limit`` questions of a qa-train file (see the module docstring); pure, no model."""
    path = Path(path)
    rows = [row for row in read_rows(path) if _usable(row)]
    if not rows:
        raise UsageError(f"{path} holds no standalone questions")
    if limit < 1 or min_documents < 0:
        raise UsageError("--qa-limit must be at least 1 and --qa-documents at least 0")
    rng = random.Random(seed)
    order = rows[:]
    rng.shuffle(order)
    sample, chosen, size = [], {}, 0
    for row in order:  # questions in random order, while their contexts fit the budget
        if len(sample) >= limit:
            break
        context = row["context"]
        if context not in chosen:
            if chosen and size + len(context) > max_chars:
                continue
            chosen[context] = True
            size += len(context)
        sample.append(row)
    for row in order:  # distractors: other contexts, while they fit
        if len(chosen) >= max(min_documents, 1) or size >= max_chars:
            break
        if row["context"] not in chosen and size + len(row["context"]) <= max_chars:
            chosen[row["context"]] = True
            size += len(row["context"])
    contexts = list(chosen)
    titles = {row["context"]: row.get("title") for row in rows}
    record_of = {context: f"c{number:04d}" for number, context in enumerate(contexts)}
    texts = {context: context.replace("\r\n", "\n").replace("\r", "\n") for context in contexts}
    removed: dict[str, list[tuple[int, int]]] = {}
    if near_miss:
        for row in sample:
            text = texts[row["context"]]
            for sentence in row.get("answer_sentences") or []:
                removed.setdefault(row["context"], []).extend(_positions(text, sentence))
        texts = {context: _cut(text, removed.get(context, [])) for context, text in texts.items()}
    questions = []
    seen: set[str] = set()
    for row in sample:
        qid = str(row.get("id") or f"q{len(seen)}")
        if qid in seen:
            continue
        seen.add(qid)
        question = " ".join(row["question"].split())
        doc_id = f"{COLLECTION_NAME}#{record_of[row['context']]}"
        text = texts[row["context"]]
        if _is_unanswerable(row):
            if not near_miss:  # asked once, in the plain run
                questions.append(GoldQuestion(qid, question, "unanswerable"))
            continue
        if near_miss:
            if any(answer in text for answer in _spans_of(row) if len(answer) >= 3) or not text:
                continue  # the answer is still there (said twice), or nothing is left
            questions.append(GoldQuestion(qid, question, "unanswerable"))
            continue
        evidence, spans = [], []
        for part in list(row.get("answer_sentences") or []) + _spans_of(row):
            located = _positions(text, part)
            if not located:
                continue
            number = len(evidence)
            evidence.append(Evidence(COLLECTION_NAME, part, doc_id))
            spans += [Span(number, doc_id, start, end) for start, end in located]
        if evidence:
            questions.append(GoldQuestion(qid, question, "answerable", tuple(evidence), tuple(spans)))
    records = [
        {"_id": record_of[context], "title": titles.get(context) or None, "text": texts[context]}
        for context in contexts
        if texts[context]
    ]
    settings = (
        f"limit={limit},seed={seed},documents={min_documents},chars={max_chars},near_miss={near_miss},"
        f"layout={CACHE_LAYOUT}"
    )
    return QaDataset(path, domain_name(path), records, questions, near_miss, settings)


def qa_hit(spans, doc_id: str, char_start: int, char_end: int) -> frozenset[int]:
    """Numbers of the gold quotes an extract answers: it holds the quote (an answer span), or the
    two overlap by at least half of the shorter (an answer sentence split another way)."""
    out = set()
    for span in spans:
        if span.doc_id != doc_id:
            continue
        overlap = min(span.char_end, char_end) - max(span.char_start, char_start)
        shorter = min(span.char_end - span.char_start, char_end - char_start)
        if overlap > 0 and overlap * 2 >= shorter:
            out.add(span.quote)
    return frozenset(out)


def prepare_qa_index(
    dataset: QaDataset,
    *,
    embedder,
    cache: Path | None = None,
    log: Callable[[str], None] = print,
    show_bar: bool = False,
):
    """Build (once) or reuse the index of ``dataset``'s records; returns the loaded Index."""
    key = content_hash([("qa", dataset.path)], *index_settings(embedder), dataset.settings)
    home = (Path(cache) if cache else cache_root("qa")) / key
    collection = home / "corpus" / COLLECTION_NAME
    if not collection.exists():
        write_collection(dataset.records, collection)
    return cached_index(home, collection.parent, embedder=embedder, log=log, show_bar=show_bar)
