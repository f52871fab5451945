"""Gold question sets and locating their evidence in an index.

A gold set is a ``.jsonl`` file, one question a line::

    {"id": "seed-001", "question": "...", "kind": "answerable",
     "evidence": [{"path": "a.md", "doc_id": "a.md", "quote": "verbatim words"}]}

``kind`` is ``answerable``, ``unanswerable`` (no evidence; the bot must abstain)
or ``change`` (a "did it change?" question, answered as a timeline).  A change question may carry
``subject_terms``, groups of alternatives (``[["S-400", "S400"], ["Turkey", "Turkish"]]``): a
statement is on its subject when it holds, case-insensitively, at least one term of every group
(:func:`on_gold_subject`); an evidence item may carry the ``date`` of its document.  Evidence
is a verbatim quote, not a passage id: it is located in the document text with
``str.find`` at evaluation time, so a gold set survives re-chunking.  Evidence
without ``doc_id`` matches every document of that ``path`` holding the quote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import GoldSetError
from ..records import spans_overlap
from ..textfold import fold_for_lexical

KINDS = ("answerable", "unanswerable", "change")


@dataclass(frozen=True)
class Evidence:
    """A verbatim quote that answers (part of) a question."""

    path: str
    quote: str
    doc_id: str | None = None
    date: str | None = None  # the document's date, as the gold set's author read it


@dataclass(frozen=True)
class Span:
    """Where one gold quote (number ``quote`` of its question) occurs in the index."""

    quote: int
    doc_id: str
    char_start: int
    char_end: int


@dataclass(frozen=True)
class GoldQuestion:
    """One question of a gold set."""

    id: str
    question: str
    kind: str
    evidence: tuple[Evidence, ...] = ()
    spans: tuple[Span, ...] = ()  # evidence located in advance (SQuAD's answer_start); else found by str.find
    subject_terms: tuple[tuple[str, ...], ...] = ()  # change questions: groups of alternative terms

    @property
    def answerable(self) -> bool:
        """Should the bot answer (``answerable`` and ``change``) rather than abstain?"""
        return self.kind != "unanswerable"


def load_gold(path: Path | str) -> list[GoldQuestion]:
    """The questions of a gold set; raises GoldSetError naming the bad line.

    >>> load_gold("eval/gold/seed.jsonl")[0].kind  # doctest: +SKIP
    'answerable'
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError as error:
        raise GoldSetError(f"cannot read the gold set {path}: {error.strerror or error}") from error
    questions: list[GoldQuestion] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise GoldSetError(f"{where}: malformed JSON ({error.msg})") from error
        if not isinstance(record, dict):
            raise GoldSetError(f"{where}: expected a JSON object")
        qid, question, kind = str(record.get("id", "")).strip(), record.get("question"), record.get("kind")
        if not qid or not isinstance(question, str) or not question.strip():
            raise GoldSetError(f"{where}: every question needs an 'id' and a non-empty 'question'")
        if qid in seen:
            raise GoldSetError(f"{where}: duplicate id {qid!r}")
        if kind not in KINDS:
            raise GoldSetError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        evidence = []
        for item in record.get("evidence") or []:
            if not isinstance(item, dict) or not item.get("quote") or not item.get("path"):
                raise GoldSetError(f"{where}: every evidence item needs a 'path' and a non-empty 'quote'")
            evidence.append(
                Evidence(
                    str(item["path"]),
                    str(item["quote"]),
                    item.get("doc_id") or None,
                    str(item.get("date") or "") or None,
                )
            )
        groups = record.get("subject_terms") or []
        if not isinstance(groups, list) or not all(
            isinstance(group, list) and group and all(isinstance(term, str) and term.strip() for term in group)
            for group in groups
        ):
            raise GoldSetError(f"{where}: 'subject_terms' is a list of non-empty lists of terms")
        if kind == "unanswerable" and evidence:
            raise GoldSetError(f"{where}: an unanswerable question has no evidence")
        if kind != "unanswerable" and not evidence:
            raise GoldSetError(f"{where}: a {kind} question needs at least one evidence quote")
        seen.add(qid)
        subject = tuple(tuple(term.strip() for term in group) for group in groups)
        questions.append(GoldQuestion(qid, question.strip(), kind, tuple(evidence), subject_terms=subject))
    if not questions:
        raise GoldSetError(f"{path} holds no questions")
    return questions


def _fold(text: str) -> str:
    return " ".join(fold_for_lexical(text).lower().split())


def on_gold_subject(text: str, groups: tuple[tuple[str, ...], ...] | list) -> bool:
    """Does ``text`` hold at least one term of every group (case-insensitive; accents, curly
    quotes and "S-400"/"S400" folded alike)?

    >>> on_gold_subject("Turkey's S400 purchase", [["S-400", "S400"], ["Turkey", "Turkish"]])
    True
    >>> on_gold_subject("Our position has not changed.", [["S-400"]])
    False
    """
    plain, folded = text.lower(), _fold(text)
    return all(any(term.lower() in plain or _fold(term) in folded for term in group) for group in groups)


class EvidenceLocator:
    """Finds gold quotes in an index's documents (document texts and path lookups are cached)."""

    def __init__(self, index):
        self.index = index
        self._texts: dict[str, str | None] = {}
        self._by_path: dict[str, list[str]] | None = None

    def text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            document = self.index.store.document(doc_id)
            self._texts[doc_id] = document.text if document else None
        return self._texts[doc_id]

    def _documents_of(self, path: str) -> list[str]:
        if self._by_path is None:
            self._by_path = {}
            for doc_id, (doc_path, _) in self.index.store.document_hashes().items():
                self._by_path.setdefault(doc_path, []).append(doc_id)
        return sorted(self._by_path.get(path, []))

    def locate(self, question: GoldQuestion) -> tuple[list[Span], list[int]]:
        """Every occurrence of every quote, and the numbers of the quotes found nowhere.

        A question whose evidence was located in advance (``question.spans``, SQuAD's
        ``answer_start``) keeps those spans: a quote counts where the dataset says it is.
        """
        if question.spans:
            located = {span.quote for span in question.spans}
            return list(question.spans), [n for n in range(len(question.evidence)) if n not in located]
        spans: list[Span] = []
        missing: list[int] = []
        for number, evidence in enumerate(question.evidence):
            doc_ids = [evidence.doc_id] if evidence.doc_id else self._documents_of(evidence.path)
            found = False
            for doc_id in doc_ids:
                text = self.text(doc_id)
                if text is None:
                    continue
                start = text.find(evidence.quote)
                while start >= 0:
                    found = True
                    spans.append(Span(number, doc_id, start, start + len(evidence.quote)))
                    start = text.find(evidence.quote, start + 1)
            if not found:
                missing.append(number)
        return spans, missing


def cited_paths(questions: list[GoldQuestion]) -> set[str]:
    """The corpus paths (files, or ``.jsonl`` collections) the gold set's evidence cites."""
    return {evidence.path for question in questions for evidence in question.evidence}


def cited_documents(questions: list[GoldQuestion]) -> set[str]:
    """The document ids the gold set's evidence names explicitly."""
    return {evidence.doc_id for question in questions for evidence in question.evidence if evidence.doc_id}


def scored_documents(root: Path) -> set[str]:
    """Document ids the project's evaluation scores: cited by a gold set (``root/eval/gold/*.jsonl``)
    or held by the demo corpus (``root/corpus/*.jsonl``).  Training data is drawn without them."""
    ids = set()
    for path in (root / "eval" / "gold").glob("*.jsonl"):
        ids.update(doc_id.split("#")[-1] for doc_id in cited_documents(load_gold(path)))
    for path in (root / "corpus").glob("*.jsonl"):
        ids.update(json.loads(line)["_id"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return ids


def quotes_contained(spans: list[Span], doc_id: str, char_start: int, char_end: int) -> frozenset[int]:
    """Numbers of the gold quotes lying wholly inside the span [char_start, char_end) of ``doc_id``."""
    return frozenset(
        s.quote for s in spans if s.doc_id == doc_id and char_start <= s.char_start and s.char_end <= char_end
    )


def quotes_overlapped(spans: list[Span], doc_id: str, char_start: int, char_end: int) -> frozenset[int]:
    """Numbers of the gold quotes that the span [char_start, char_end) of ``doc_id`` overlaps."""
    return frozenset(
        s.quote for s in spans if s.doc_id == doc_id and spans_overlap(s.char_start, s.char_end, char_start, char_end)
    )


def corpus_mismatch(index, questions: list[GoldQuestion]) -> tuple[list[str], list[str]]:
    """(cited documents the index lacks, indexed documents outside the gold set's corpus).

    The gold set's corpus is the set of files (or ``.jsonl`` collections) its evidence
    cites: an indexed document of another file is outside it.  A cited ``doc_id``
    the index does not hold, or a cited file of which it holds no document, is lacking.
    """
    indexed = index.store.document_hashes()  # doc_id -> (path, sha256)
    paths = {path for path, _ in indexed.values()}
    missing = sorted(doc_id for doc_id in cited_documents(questions) if doc_id not in indexed)
    missing += sorted(path for path in cited_paths(questions) if path not in paths)
    wanted = cited_paths(questions)
    extra = sorted(doc_id for doc_id, (path, _) in indexed.items() if path not in wanted)
    return missing, extra
