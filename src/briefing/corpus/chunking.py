"""Sentence-aware chunking with exact character offsets.

Sentences come from blingfire's sentence splitter, run paragraph by paragraph
(a blank line ends a paragraph).  Sentences are packed into passages of at most
``max_tokens`` model tokens; a passage ends at a paragraph boundary whenever the
next paragraph does not fit, and only a paragraph longer than one passage is
split inside, with ``overlap_sentences`` whole sentences repeated across the cut.
A single sentence longer than a passage is cut at word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import blingfire

from ..records import Document, Sentence
from .speakers import SpeakerTurns

TokenCounter = Callable[[Sequence[str]], list[int]]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class ChunkingParams:
    """How documents are cut into passages; part of the index manifest."""

    max_tokens: int = 200
    overlap_sentences: int = 1
    splitter: str = "blingfire"

    def __post_init__(self):
        if self.max_tokens < 16:
            raise ValueError("max_tokens must be at least 16.")
        if self.overlap_sentences < 0:
            raise ValueError("overlap_sentences must be 0 or more.")

    def to_dict(self) -> dict:
        return {"max_tokens": self.max_tokens, "overlap_sentences": self.overlap_sentences, "splitter": self.splitter}


@dataclass(frozen=True)
class Chunk:
    """A passage before it gets an id: offsets into the document and its sentences."""

    char_start: int
    char_end: int
    sentences: tuple[Sentence, ...]


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank paragraph, trimmed of surrounding white space."""
    spans = []
    position = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((position, match.start()))
        position = match.end()
    spans.append((position, len(text)))
    trimmed = []
    for start, end in spans:
        segment = text[start:end]
        stripped = segment.strip()
        if stripped:
            lead = len(segment) - len(segment.lstrip())
            trimmed.append((start + lead, start + lead + len(stripped)))
    return trimmed


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` as absolute (start, end) offsets."""
    end = len(text) if end is None else end
    segment = text[start:end]
    if not segment.strip():
        return []
    _, offsets = blingfire.text_to_sentences_and_offsets(segment)
    spans = []
    cursor = 0
    for sentence_start, sentence_end in offsets:
        piece = segment[sentence_start:sentence_end]
        if not piece.strip():
            continue
        if sentence_start < cursor or segment[sentence_start:sentence_end] != piece:
            # blingfire's offsets drifted (rare code points): find the piece from the cursor instead.
            found = segment.find(piece.strip(), cursor)
            if found < 0:
                continue
            sentence_start, sentence_end = found, found + len(piece.strip())
        spans.append((start + sentence_start, start + sentence_end))
        cursor = sentence_end
    return spans


def _cut_long_sentence(
    text: str, span: tuple[int, int], count_tokens: TokenCounter, max_tokens: int
) -> list[tuple[int, int]]:
    """Cut one over-long sentence into word-boundary pieces that each fit ``max_tokens``."""
    words = [(span[0] + m.start(), span[0] + m.end()) for m in _WORD.finditer(text[span[0] : span[1]])]
    pieces: list[tuple[int, int]] = []
    size = max(1, max_tokens // 2)
    index = 0
    while index < len(words):
        take = min(size, len(words) - index)
        while take > 1:
            candidate = (words[index][0], words[index + take - 1][1])
            if count_tokens([text[candidate[0] : candidate[1]]])[0] <= max_tokens:
                break
            take = max(1, take // 2)
        pieces.append((words[index][0], words[index + take - 1][1]))
        index += take
    return pieces


def chunk_document(document: Document, count_tokens: TokenCounter, params: ChunkingParams) -> list[Chunk]:
    """Passages of one document, in order, each with its sentences and speakers."""
    text = document.text
    turns = SpeakerTurns(text)
    # Sentences grouped by paragraph, with their token counts.
    paragraph_sentences: list[list[tuple[int, int]]] = []
    for start, end in paragraphs(text):
        spans = split_sentences(text, start, end)
        if spans:
            paragraph_sentences.append(spans)
    flat = [span for spans in paragraph_sentences for span in spans]
    counts = count_tokens([text[s:e] for s, e in flat]) if flat else []
    token_of = dict(zip(flat, counts))

    units: list[list[tuple[tuple[int, int], int]]] = []
    for spans in paragraph_sentences:
        unit = []
        for span in spans:
            if token_of[span] > params.max_tokens:
                for piece in _cut_long_sentence(text, span, count_tokens, params.max_tokens):
                    unit.append((piece, count_tokens([text[piece[0] : piece[1]]])[0]))
            else:
                unit.append((span, token_of[span]))
        units.append(unit)

    chunks: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    current_tokens = 0
    for unit in units:
        unit_tokens = sum(t for _, t in unit)
        if current and current_tokens + unit_tokens <= params.max_tokens:
            current.extend(span for span, _ in unit)
            current_tokens += unit_tokens
            continue
        if current:
            chunks.append(current)
            current, current_tokens = [], 0
        if unit_tokens <= params.max_tokens:
            current = [span for span, _ in unit]
            current_tokens = unit_tokens
            continue
        # A paragraph longer than a passage: split it, overlapping whole sentences.
        window: list[tuple[tuple[int, int], int]] = []
        for item in unit:
            window_tokens = sum(t for _, t in window)
            if window and window_tokens + item[1] > params.max_tokens:
                chunks.append([span for span, _ in window])
                keep = window[len(window) - params.overlap_sentences :] if params.overlap_sentences else []
                while keep and sum(t for _, t in keep) + item[1] > params.max_tokens:
                    keep = keep[1:]
                window = list(keep)
            window.append(item)
        current = [span for span, _ in window]
        current_tokens = sum(t for _, t in window)
    if current:
        chunks.append(current)

    return [
        Chunk(
            char_start=spans[0][0],
            char_end=spans[-1][1],
            sentences=tuple(Sentence(s, e, turns.speaker_at(s)) for s, e in spans),
        )
        for spans in chunks
    ]
