"""The typed records that flow through the pipeline.

Every record is a frozen dataclass with ``to_dict``/``from_dict`` so it can be
stored as JSON or in SQLite without pickling.  Offsets (``char_start``,
``char_end``) always index into the owning document's ``text``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


class _Record:
    """Shared ``to_dict``/``from_dict`` for the frozen dataclasses below."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Document(_Record):
    """One source document: a file, or one record of a ``.jsonl`` collection.

    ``doc_id`` is the path relative to the corpus root (POSIX separators), plus
    ``#<record id>`` for records of a collection.  ``date`` is ``YYYY-MM-DD``,
    ``YYYY-MM`` or ``YYYY`` as stated by the source, or ``None`` when unknown.
    ``pages`` holds, for PDFs, the character offset at which each page starts.
    """

    doc_id: str
    path: str
    text: str
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    sha256: str = ""
    pages: tuple[int, ...] = ()

    def page_at(self, char_start: int) -> int | None:
        """1-based page number holding ``char_start`` (PDFs), else ``None``."""
        if not self.pages:
            return None
        page = 0
        for number, start in enumerate(self.pages):
            if start <= char_start:
                page = number
        return page + 1


@dataclass(frozen=True)
class Sentence(_Record):
    """A sentence span of a document, with the speaker of its turn if any."""

    char_start: int
    char_end: int
    speaker: str | None = None


@dataclass(frozen=True)
class Passage(_Record):
    """A chunk of consecutive sentences that fits the embedding model's input.

    ``document.text[char_start:char_end] == text`` always holds.
    """

    passage_id: int
    doc_id: str
    ordinal: int
    char_start: int
    char_end: int
    text: str
    sentences: tuple[Sentence, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        data = dict(data)
        data["sentences"] = tuple(
            s if isinstance(s, Sentence) else Sentence.from_dict(s) for s in data.get("sentences", ())
        )
        return super().from_dict(data)


@dataclass(frozen=True)
class Hit(_Record):
    """A retrieved passage and its retrieval score (higher is better)."""

    passage_id: int
    doc_id: str
    score: float
    rank: int


@dataclass(frozen=True)
class Extract(_Record):
    """A verbatim span of a source document, quoted as part of an answer."""

    citation: int
    text: str
    doc_id: str
    path: str
    char_start: int
    char_end: int
    score: float
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    speaker: str | None = None
    page: int | None = None
    passage_id: int | None = None


@dataclass(frozen=True)
class Answer(_Record):
    """The reply to one question: extracts only, or an abstention."""

    question: str
    abstained: bool
    answer: str
    extracts: tuple[Extract, ...] = ()
    timeline: bool = False
    filters: dict[str, str] = field(default_factory=dict)
    strength: str | None = None  # "strong" or "partial" evidence (phrases.STRENGTH); None when abstaining
    strength_reason: str | None = None  # a timeline's: a key of phrases.TIMELINE_STRENGTH

    def to_json_dict(self) -> dict[str, Any]:
        """The ``briefing ask --json`` shape."""
        out: dict[str, Any] = {
            "question": self.question,
            "abstained": self.abstained,
            "answer": self.answer,
            "extracts": [
                {
                    "citation": e.citation,
                    "text": e.text,
                    "doc_id": e.doc_id,
                    "title": e.title,
                    "date": e.date,
                    "source": e.source,
                    "url": e.url,
                    "path": e.path,
                    "char_start": e.char_start,
                    "char_end": e.char_end,
                    "score": round(float(e.score), 6),
                    "speaker": e.speaker,
                    "page": e.page,
                }
                for e in self.extracts
            ],
        }
        if self.strength:
            out["strength"] = self.strength
        if self.strength_reason:
            out["strength_reason"] = self.strength_reason
        if self.timeline:
            out["timeline"] = True
        if self.filters:
            out["filters"] = dict(self.filters)
        return out


@dataclass(frozen=True)
class IndexManifest(_Record):
    """What an index was built from and with; checked on every load."""

    schema_version: int
    package_version: str
    model_name: str
    model_path: str
    dimension: int
    chunking: dict[str, Any]
    files: dict[str, str]
    generation: str
    built_at: str
    documents: int
    passages: int
    faiss_type: str = "flat"


def spans_overlap(start: int, end: int, other_start: int, other_end: int) -> bool:
    """Do the half-open character spans [start, end) and [other_start, other_end) share a character?"""
    return start < other_end and other_start < end
