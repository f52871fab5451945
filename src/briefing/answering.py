"""From a question to an :class:`Answer` made only of verbatim, cited extracts.

1. Retrieve passages (hybrid dense + lexical), under the filters given or the
   one date range the question states.
2. Score every sentence of the best passages against the question: cosine of
   the sentence to the question, blended with its passage's retrieval score.
3. Abstain (no extracts, the fixed message) when the best sentence scores
   below ``threshold``, or when no passage of the best sentences covers enough
   of the question's key terms (IDF-weighted) while holding the kind of answer
   asked for (a number for "how many", a date for "when").
4. Pick sentences that add information (near-duplicates dropped, the earliest
   kept); a sentence that opens with a pronoun or connective ("He added",
   "This", "However") is quoted together with the sentence before it (even
   across a paragraph break, news articles often have one-sentence paragraphs,
   but never across a change of speaker), as one contiguous span.
5. For "did it change?" questions, one extract per document, oldest first.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from . import phrases
from .index import Index
from .question import date_filter, expected_answer_type, has_answer_type, is_change_question
from .records import Answer, Document, Extract, Passage, Sentence
from .retrieval import Filters, retrieve
from .speakers import is_question_label
from .textfold import lexical_terms

# Calibrated on the gold sets (see README, "Abstention").
DEFAULT_THRESHOLD = 0.37
DEFAULT_MIN_COVERAGE = 0.01  # some key term of the question must occur beside an answer of the asked-for type
TIMELINE_MARGIN = 0.2
TIMELINE_COVERAGE_SHARE = 0.5  # a timeline's statements come from passages holding at least half the key-term
# coverage of the best-covered one
SENTENCE_WEIGHT = 0.6  # share of the sentence cosine in a sentence's score; the rest is the passage's
QUESTION_TURN_PENALTY = 0.75  # a reporter's words count for less than an official's
PASSAGES_TO_READ = 8
TIMELINE_PASSAGES = 24
DUPLICATE_JACCARD = 0.8
EVIDENCE_CANDIDATES = 3  # how many of the best sentences may supply the evidence

_ANAPHORA = re.compile(
    r"^[\"“‘'(]*\s*(he|she|it|they|this|that|these|those|such|his|her|their|its|but|however|also|still|yet|"
    r"and|moreover|meanwhile|nevertheless|furthermore|instead|in addition|as a result|there)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Candidate:
    doc_id: str
    char_start: int
    char_end: int
    score: float
    cosine: float
    passage: Passage
    speaker: str | None
    date: str | None


class _SentenceVectors:
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


_SENTENCE_VECTORS = _SentenceVectors()


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _is_duplicate(a: str, b: str) -> bool:
    first, second = _tokens(a), _tokens(b)
    if not first or not second:
        return a.strip() == b.strip()
    return len(first & second) / len(first | second) >= DUPLICATE_JACCARD


def _date_key(date: str | None) -> str:
    return date or "9999"


def _span_with_context(passage: Passage, sentence_index: int, text: str,
                       before: Sentence | None) -> tuple[int, int]:
    """The sentence, extended back over one sentence when it cannot stand alone.

    ``before`` is the sentence preceding the passage (from the previous passage).
    """
    sentence = passage.sentences[sentence_index]
    start = sentence.char_start
    if _ANAPHORA.match(text[sentence.char_start:sentence.char_end]):
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


def _candidates(index: Index, question_vector: np.ndarray, hits, documents: dict[str, Document]) -> list[_Candidate]:
    passages = index.store.passages(hit.passage_id for hit in hits)
    keys, texts, owners = [], [], []
    seen = set()
    for hit in hits:
        passage = passages.get(hit.passage_id)
        if passage is None:
            continue
        text = documents[passage.doc_id].text
        before = None
        if passage.sentences and _ANAPHORA.match(text[passage.sentences[0].char_start:passage.sentences[0].char_end]):
            before = _sentence_before(index, passage)
        for position, sentence in enumerate(passage.sentences):
            span = _span_with_context(passage, position, text, before)
            key = (passage.doc_id, span[0], span[1])
            if key in seen:
                continue
            seen.add(key)
            keys.append(key)
            texts.append(text[span[0]:span[1]])
            owners.append((hit, passage, sentence.speaker))
    if not keys:
        return []
    cosines = _SENTENCE_VECTORS.get(index.embedder, texts) @ question_vector
    out = []
    for key, cosine, (hit, passage, speaker) in zip(keys, cosines, owners):
        score = SENTENCE_WEIGHT * float(cosine) + (1 - SENTENCE_WEIGHT) * hit.dense
        if is_question_label(speaker):
            score *= QUESTION_TURN_PENALTY
        out.append(_Candidate(key[0], key[1], key[2], score, float(cosine), passage, speaker,
                              documents[key[0]].date))
    out.sort(key=lambda c: -c.score)
    return out


def coverage(index: Index, query: str, passage_ids: list[int]) -> dict[int, float]:
    """IDF-weighted share of the question's content words found in each passage.

    1.0 when a passage (with its title) holds every content word of the
    question, 0.0 when it holds none; rare words (names, codes, places) weigh
    far more than common ones, and a word the corpus never uses weighs most.
    """
    terms = lexical_terms(query)
    if not terms:
        return {pid: 1.0 for pid in passage_ids}
    total_passages = max(index.manifest.passages, 1)
    weights: dict[str, float] = {}
    holders: dict[str, set[int]] = {}
    for term in terms:
        frequency, found = index.store.term_passages(term, passage_ids)
        weights[term] = math.log(1 + (total_passages - frequency + 0.5) / (frequency + 0.5))
        holders[term] = found
    total = sum(weights.values())
    return {pid: sum(w for t, w in weights.items() if pid in holders[t]) / total for pid in passage_ids}


@dataclass(frozen=True)
class Evidence:
    """Everything retrieved for one question, before the answer is decided."""

    question: str
    query: str
    filters: Filters | None
    timeline: bool
    candidates: list[_Candidate]
    documents: dict[str, Document]  # every document a retrieved passage belongs to
    coverage: dict[int, float]
    answer_type: str | None

    @property
    def best_score(self) -> float:
        return self.candidates[0].score if self.candidates else -1.0

    def support(self) -> float:
        """The best key-term coverage among the best sentences that hold the expected answer type."""
        values = [
            self.coverage.get(c.passage.passage_id, 0.0)
            for c in self.candidates[:EVIDENCE_CANDIDATES]
            if has_answer_type(self.answer_type, self.documents[c.doc_id].text[c.char_start:c.char_end])
        ]
        return max(values, default=0.0)


def applied_filters(question: str, filters: Filters | None) -> Filters | None:
    """The filters a question runs under: the given ones, plus the one date range the
    question states when no dates were given (see ``question.date_filter``)."""
    applied = filters or Filters()
    if not (applied.since or applied.until):
        stated = date_filter(question)
        if stated:
            applied = Filters(stated.since, stated.until, applied.source)
    return applied if applied else None


def gather(index: Index, question: str, *, filters: Filters | None = None, context: str | None = None,
           mode: str = "hybrid") -> Evidence:
    """Retrieve and score candidate sentences for ``question`` (no decision yet)."""
    question = question.strip()
    if not question:
        raise ValueError("the question is empty.")
    applied = applied_filters(question, filters)
    timeline = is_change_question(question)
    query = f"{context.strip()} {question}" if context else question
    question_vector = index.encode_query(query)
    depth = TIMELINE_PASSAGES if timeline else PASSAGES_TO_READ
    hits = retrieve(index, query, k=depth, filters=applied, mode=mode, query_vector=question_vector)
    documents = {doc_id: index.store.document(doc_id) for doc_id in {hit.doc_id for hit in hits}}
    candidates = _candidates(index, question_vector, hits, documents)
    return Evidence(
        question=question, query=query, filters=applied, timeline=timeline, candidates=candidates,
        documents=documents, coverage=coverage(index, query, [hit.passage_id for hit in hits]),
        answer_type=expected_answer_type(question),
    )


def _select(candidates: list[_Candidate], documents: dict[str, Document], top: int, per_document: bool) -> list[_Candidate]:
    chosen: list[_Candidate] = []
    for candidate in candidates:
        text = documents[candidate.doc_id].text[candidate.char_start:candidate.char_end]
        if per_document and any(c.doc_id == candidate.doc_id for c in chosen):
            continue
        duplicate_of = next(
            (i for i, c in enumerate(chosen)
             if _is_duplicate(text, documents[c.doc_id].text[c.char_start:c.char_end])
             or (c.doc_id == candidate.doc_id and c.char_start < candidate.char_end and candidate.char_start < c.char_end)),
            None,
        )
        if duplicate_of is not None:
            kept = chosen[duplicate_of]
            if kept.doc_id != candidate.doc_id and _date_key(candidate.date) < _date_key(kept.date):
                chosen[duplicate_of] = replace(candidate, score=kept.score)
            continue
        chosen.append(candidate)
        if len(chosen) >= top:
            break
    return chosen


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", text)


def render_markdown(extracts: list[Extract], *, timeline: bool, filters: Filters | None) -> str:
    """The answer as markdown: fixed phrases, quoted extracts with [n], then the citations."""
    if not extracts:
        return phrases.NO_ANSWER
    lines = []
    if filters:
        lines.append(phrases.filter_phrase(filters.since, filters.until, filters.source))
        lines.append("")
    if timeline:
        lines.append(phrases.TIMELINE_HEADER)
        lines.append("")
    for extract in extracts:
        quoted = " ".join(_escape_markdown(extract.text).split())
        speaker = f"**{_escape_markdown(extract.speaker)}**" if extract.speaker else ""
        prefix = f"{speaker} — " if speaker else ""
        if timeline:
            prefix = f"**{extract.date or phrases.DATE_UNKNOWN}** " + prefix if speaker else f"**{extract.date or phrases.DATE_UNKNOWN}** — "
        lines.append(f"> {prefix}{quoted} [{extract.citation}]")
        lines.append("")
    cited = OrderedDict()
    for extract in extracts:
        cited.setdefault(extract.citation, extract)
    for number, extract in cited.items():
        parts = [
            _escape_markdown(extract.title or phrases.UNTITLED),
            extract.date or phrases.DATE_UNKNOWN,
            _escape_markdown(extract.source or phrases.SOURCE_UNKNOWN),
            _escape_markdown(extract.path),
        ]
        lines.append(f"[{number}] " + " — ".join(parts))
    return "\n".join(lines).strip()


def answer(
    index: Index,
    question: str,
    *,
    top: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    filters: Filters | None = None,
    context: str | None = None,
    mode: str = "hybrid",
) -> Answer:
    """Answer ``question`` from the index with verbatim extracts, or abstain.

    Abstains when the best sentence scores below ``threshold``, or when none of
    the best sentences' passages covers ``min_coverage`` of the question's key
    terms (IDF-weighted) while holding the expected answer type.
    ``context`` is the previous question of a conversation: it is added to the
    retrieval query (never to the answer) so a follow-up such as "and what did
    Turkey say?" keeps its subject.  ``filters`` restrict documents by date and
    source; without explicit dates, one date range stated in the question applies.
    ``threshold`` of -1 or less turns abstention off (used to calibrate it).

    >>> answer(load_index("index"), "Did the US position change?").extracts[0].text  # doctest: +SKIP
    """
    evidence = gather(index, question, filters=filters, context=context, mode=mode)
    return decide(index, evidence, top=top, threshold=threshold, min_coverage=min_coverage)


def decide(index: Index, evidence: Evidence, *, top: int = 5, threshold: float = DEFAULT_THRESHOLD,
           min_coverage: float = DEFAULT_MIN_COVERAGE) -> Answer:
    """Turn gathered evidence into extracts, or an abstention."""
    applied, candidates, documents = evidence.filters, evidence.candidates, evidence.documents
    filters_dict = applied.to_dict() if applied else {}
    abstain = not candidates or (
        threshold > -1.0 and (evidence.best_score < threshold or evidence.support() < min_coverage)
    )
    if abstain:
        return Answer(question=evidence.question, abstained=True, answer=phrases.NO_ANSWER, filters=filters_dict)
    best = candidates[0]
    if evidence.timeline:
        # The threshold decides whether to answer at all; a timeline then takes
        # statements scoring within TIMELINE_MARGIN of the best one.
        floor = best.score - TIMELINE_MARGIN
        pool = [c for c in candidates if c.score >= floor]
        # One statement per document (so per date) from passages on the question's subject ...
        on_subject = [c for c in pool if evidence.coverage.get(c.passage.passage_id, 0.0)
                      >= TIMELINE_COVERAGE_SHARE * evidence.support()]
        chosen = _select(on_subject, documents, max(top, 6), per_document=True)
        if len(chosen) < top:
            # ... then, with few documents, their other best sentences.
            chosen = _select(chosen + [c for c in pool if c not in chosen], documents, top, per_document=False)
        # Oldest first; within one date, the most relevant statement first.
        chosen.sort(key=lambda c: (_date_key(c.date), -c.score))
    else:
        chosen = _select(candidates, documents, top, per_document=False)
    numbers: dict[str, int] = {}
    extracts = []
    for candidate in chosen:
        document = documents[candidate.doc_id]
        number = numbers.setdefault(candidate.doc_id, len(numbers) + 1)
        extracts.append(
            Extract(
                citation=number,
                text=document.text[candidate.char_start:candidate.char_end],
                doc_id=candidate.doc_id, path=document.path,
                char_start=candidate.char_start, char_end=candidate.char_end,
                score=candidate.score, title=document.title, date=document.date, source=document.source,
                url=document.url, speaker=candidate.speaker, page=document.page_at(candidate.char_start),
                passage_id=candidate.passage.passage_id,
            )
        )
    return Answer(
        question=evidence.question,
        abstained=False,
        answer=render_markdown(extracts, timeline=evidence.timeline, filters=applied),
        extracts=tuple(extracts),
        timeline=evidence.timeline,
        filters=filters_dict,
    )
