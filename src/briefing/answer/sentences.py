"""Candidate sentences: every sentence of the retrieved passages, scored against the question.

A sentence's score blends its own cosine to the question with its passage's
(``AnswerParams.sentence_weight``); a reporter's turn counts for less.  A
sentence that opens with a pronoun or connective ("He added", "This",
"However") cannot stand alone, so it is quoted together with the sentence
before it, even across a paragraph break, never across a change of speaker.
Sentence vectors are cached (:class:`SentenceVectors`).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..corpus.speakers import is_question_label
from ..index.load import Index
from ..records import Document, Passage, Sentence
from .params import DEFAULT_PARAMS, AnswerParams

_ANAPHORA = re.compile(
    r"^[\"“‘'(]*\s*(he|she|it|they|this|that|these|those|such|his|her|their|its|but|however|also|still|yet|"
    r"and|moreover|meanwhile|nevertheless|furthermore|instead|in addition|as a result|there)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Candidate:
    """One quotable span (a sentence, maybe with the one before it) and its score."""

    doc_id: str
    char_start: int
    char_end: int
    score: float
    cosine: float
    passage: Passage
    speaker: str | None
    date: str | None


class SentenceVectors:
    """An LRU cache of sentence vectors, so sentences seen before are not embedded again.

    Keyed by the model's identity and the sentence text, so a rebuilt index (a
    changed document keeps its id) or another model can never get a stale vector.
    Thread-safe: the chat answers several questions at once.
    """

    def __init__(self, capacity: int = 20000):
        self.capacity = capacity
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, embedder, texts: list[str]) -> np.ndarray:
        identity = embedder.identity
        with self._lock:
            found = {text: self._cache[(identity, text)] for text in texts if (identity, text) in self._cache}
            for text in found:
                self._cache.move_to_end((identity, text))
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        if missing:
            encoded = dict(zip(missing, embedder.encode(missing)))
            found.update(encoded)
            with self._lock:
                for text, vector in encoded.items():
                    self._cache[(identity, text)] = vector
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        return np.vstack([found[text] for text in texts])


SENTENCE_VECTORS = SentenceVectors()


def _span_with_context(passage: Passage, sentence_index: int, text: str, before: Sentence | None) -> tuple[int, int]:
    """The sentence, extended back over one sentence when it cannot stand alone.

    ``before`` is the sentence preceding the passage (from the previous passage).
    """
    sentence = passage.sentences[sentence_index]
    start = sentence.char_start
    if _ANAPHORA.match(text[sentence.char_start : sentence.char_end]):
        previous = passage.sentences[sentence_index - 1] if sentence_index > 0 else before
        if previous is not None and previous.speaker == sentence.speaker:
            start = previous.char_start
    return start, sentence.char_end


def _sentence_before(index: Index, passage: Passage) -> Sentence | None:
    """The last sentence ending before ``passage`` starts, from the previous passage."""
    if passage.ordinal == 0 or not passage.sentences:
        return None
    first = passage.sentences[0].char_start
    for neighbour in index.store.passage_neighbours(passage.doc_id, passage.ordinal):
        if neighbour.ordinal == passage.ordinal - 1:
            earlier = [s for s in neighbour.sentences if s.char_end <= first]
            return earlier[-1] if earlier else None
    return None


def candidates(
    index: Index,
    question_vector: np.ndarray,
    hits,
    documents: dict[str, Document],
    params: AnswerParams = DEFAULT_PARAMS,
) -> list[Candidate]:
    """Every distinct span of the hits' passages, scored against the question, best first."""
    passages = index.store.passages(hit.passage_id for hit in hits)
    keys, texts, owners = [], [], []
    seen = set()
    for hit in hits:
        passage = passages.get(hit.passage_id)
        if passage is None:
            continue
        text = documents[passage.doc_id].text
        before = None
        if passage.sentences and _ANAPHORA.match(text[passage.sentences[0].char_start : passage.sentences[0].char_end]):
            before = _sentence_before(index, passage)
        for position, sentence in enumerate(passage.sentences):
            span = _span_with_context(passage, position, text, before)
            key = (passage.doc_id, span[0], span[1])
            if key in seen:
                continue
            seen.add(key)
            keys.append(key)
            texts.append(text[span[0] : span[1]])
            owners.append((hit, passage, sentence.speaker))
    if not keys:
        return []
    cosines = SENTENCE_VECTORS.get(index.embedder, texts) @ question_vector
    out = []
    for key, cosine, (hit, passage, speaker) in zip(keys, cosines, owners):
        score = params.sentence_weight * float(cosine) + (1 - params.sentence_weight) * hit.dense
        if is_question_label(speaker):
            score *= params.question_turn_penalty
        out.append(Candidate(key[0], key[1], key[2], score, float(cosine), passage, speaker, documents[key[0]].date))
    out.sort(key=lambda c: -c.score)
    return out
