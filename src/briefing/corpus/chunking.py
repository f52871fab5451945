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
from .speakers import LABELS_VERSION, SpeakerTurns

TokenCounter = Callable[[Sequence[str]], list[int]]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_WORD = re.compile(r"\S+")
SPLIT_BLOCK = 100_000  # characters given to blingfire at once
COUNT_BATCH = 2048  # sentences per tokenizer call: bounds the tokenizer's memory on huge documents


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
        return {
            "max_tokens": self.max_tokens,
            "overlap_sentences": self.overlap_sentences,
            "splitter": self.splitter,
            "speaker_labels": LABELS_VERSION,
        }


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
    """Sentence spans of ``text[start:end]`` as absolute (start, end) offsets.

    A paragraph longer than ``SPLIT_BLOCK`` characters goes to blingfire a block at a time, each
    block starting at the last (possibly cut) sentence of the one before, so time and memory
    stay linear in the paragraph's length.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    position = start
    while end - position > SPLIT_BLOCK:
        limit = position + SPLIT_BLOCK
        block = _split_block(text, position, limit)
        if len(block) >= 2 and block[-1][0] > position:
            spans.extend(block[:-1])
            position = block[-1][0]
            continue
        cut = max(text.rfind(" ", position, limit), text.rfind("\n", position, limit))  # no boundary: cut at a space
        cut = cut if cut > position else limit
        spans.extend(_split_block(text, position, cut))
        position = cut
    spans.extend(_split_block(text, position, end))
    return spans


def _split_block(text: str, start: int, end: int) -> list[tuple[int, int]]:
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


def _count_in_batches(count_tokens: TokenCounter, texts: Sequence[str]) -> list[int]:
    """Token counts of ``texts``, asked for ``COUNT_BATCH`` at a time so memory stays flat."""
    counts: list[int] = []
    for start in range(0, len(texts), COUNT_BATCH):
        counts.extend(count_tokens(texts[start : start + COUNT_BATCH]))
    return counts


def _cut_long_sentence(
    text: str, span: tuple[int, int], count_tokens: TokenCounter, max_tokens: int
) -> list[tuple[tuple[int, int], int]]:
    """Cut one over-long sentence into word-boundary pieces that each fit ``max_tokens``.

    Returns (piece span, token count) pairs in order.  Pieces start as runs of
    ``max_tokens // 2`` words, counted in batches; a run that does not fit is halved until it
    does (a single word always stands alone), so the cost is linear in the sentence's length.
    """
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, span[0], span[1])]  # absolute offsets
    size = max(1, max_tokens // 2)
    pending = [(first, min(first + size, len(words))) for first in range(0, len(words), size)]
    done: list[tuple[int, int, int]] = []  # (first word, end word, tokens)
    while pending:
        counts = _count_in_batches(count_tokens, [text[words[a][0] : words[b - 1][1]] for a, b in pending])
        retry = []
        for (first, end), tokens in zip(pending, counts):
            if tokens <= max_tokens or end - first == 1:
                done.append((first, end, tokens))
            else:
                middle = (first + end) // 2
                retry.extend([(first, middle), (middle, end)])
        pending = retry
    done.sort()
    return [((words[first][0], words[end - 1][1]), tokens) for first, end, tokens in done]


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
    # A sentence this long cannot fit a passage (a word piece is rarely over 16 characters), so it
    # is cut without tokenizing it whole: one endless "sentence" costs linear time and memory.
    long_chars = params.max_tokens * 16
    flat = [span for spans in paragraph_sentences for span in spans if span[1] - span[0] <= long_chars]
    counts = _count_in_batches(count_tokens, [text[s:e] for s, e in flat])
    token_of = dict(zip(flat, counts))

    units: list[list[tuple[tuple[int, int], int]]] = []
    for spans in paragraph_sentences:
        unit = []
        for span in spans:
            tokens = token_of.get(span)
            if tokens is None or tokens > params.max_tokens:
                unit.extend(_cut_long_sentence(text, span, count_tokens, params.max_tokens))
            else:
                unit.append((span, tokens))
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
