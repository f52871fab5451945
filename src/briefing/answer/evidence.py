"""Evidence: what retrieval found for one question, before the answer is decided.

:func:`gather` retrieves passages (under the given filters, or the one date
range the question states), scores their sentences (:mod:`.sentences`) and
measures how much of the question's key terms each passage covers (IDF-weighted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .. import phrases
from ..errors import BadInputError
from ..index.load import Index
from ..records import Document
from ..textfold import lexical_terms
from .calibration import offtopic_level
from .features import QUESTION_FEATURES, question_row, unseen_names, unseen_share
from .params import DEFAULT_PARAMS, AnswerParams
from .question import answer_type, date_filter, is_change_question
from .retrieve import Filters, retrieve
from .scorer import abstention_model, strong_model
from .sentences import Candidate, candidates
from .timeline import Subject


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
        frequency = index.document_frequency(term)  # cached per index: retrieval asked for most of them
        weights[term] = math.log(1 + (total_passages - frequency + 0.5) / (frequency + 0.5))
        holders[term] = index.store.passages_holding(term, passage_ids) if frequency else set()
    total = sum(weights.values())
    return {pid: sum(w for t, w in weights.items() if pid in holders[t]) / total for pid in passage_ids}


@dataclass(frozen=True)
class Evidence:
    """Everything retrieved for one question, before the answer is decided."""

    question: str
    query: str
    filters: Filters | None
    timeline: bool
    candidates: list[Candidate]
    documents: dict[str, Document]  # every document a retrieved passage belongs to
    coverage: dict[int, float]  # timelines only (decide.py reads it there): empty for other questions
    answer_type: str | None
    params: AnswerParams = DEFAULT_PARAMS
    unseen: float = 0.0  # share of the question's content words no passage holds
    offtopic: float = 0.0  # mean answerability of off-topic questions on this index (calibration.py)
    unseen_names: tuple[str, ...] = ()  # names of the question no passage holds (features.unseen_names)
    index_passages: int = 0
    subject: Subject | None = None  # timelines only: the question's subject (timeline.py)
    # timelines only: candidates from the passages a search for the subject alone found besides
    # the question's own (they widen the period a timeline covers; abstention never reads them)
    subject_candidates: list[Candidate] = field(default_factory=list)
    # A fixed phrase (phrases.py) that says why nothing was found when the filters are the reason:
    # they leave no passage, or the question's own date lies outside them. None otherwise.
    filter_note: str | None = None

    @property
    def names_missing(self) -> bool:
        """The question names something the corpus never mentions, on an index large enough for
        that to mean something (a single article lacks most paraphrases' words)."""
        return bool(self.unseen_names) and self.index_passages >= self.params.unseen_name_min_passages

    @property
    def threshold(self) -> float:
        """The answerability below which the bot abstains on this index: the global cut, or
        less on an index where even off-topic questions score low (``calibration.py``); on an
        index of a few passages (a single article) the per-index cut is lower still."""
        if self.params.offtopic_factor <= 0 or self.params.threshold <= -1.0:
            return self.params.threshold
        small = self.index_passages < self.params.small_index_passages
        factor = self.params.small_index_offtopic_factor if small else self.params.offtopic_factor
        return min(self.params.threshold, factor * self.offtopic)

    @property
    def best_score(self) -> float:
        return self.candidates[0].score if self.candidates else -1.0

    @property
    def answerability(self) -> float:
        """How likely the sources answer the question: 1 - the abstention model's probability
        that they do not (:mod:`.scorer`), from the sentence scorer's probabilities (the same with
        or without the reranker); the best candidate's score when no model is shipped."""
        model = abstention_model()
        if model is None or not self.candidates:
            return self.best_score
        probabilities = np.array([c.first_probability for c in self.candidates])
        rows = np.vstack([c.features for c in self.candidates])
        row = question_row(probabilities, rows, self.unseen)
        return float(1.0 - model.probability(row, QUESTION_FEATURES)[0])

    @property
    def first_right(self) -> float | None:
        """How likely the best-scored candidate answers the question: the strong model's
        probability (:mod:`.scorer`) over the candidates' final scores; None without that model."""
        model = strong_model()
        if model is None or not self.candidates:
            return None
        probabilities = np.array([c.score for c in self.candidates])
        rows = np.vstack([c.features for c in self.candidates])
        return float(model.probability(question_row(probabilities, rows, self.unseen), QUESTION_FEATURES)[0])


def applied_filters(question: str, filters: Filters | None, dated: bool = True) -> Filters | None:
    """The filters a question runs under: the given ones, plus the one date range the
    question states when no dates were given (see ``question.date_filter``) and the index
    has dated documents (``dated``): in a corpus without dates, "In 1962, who…" would find nothing."""
    applied = filters or Filters()
    if dated and not (applied.since or applied.until):
        stated = date_filter(question)
        if stated:
            applied = Filters(stated.since, stated.until, applied.source)
    return applied if applied else None


def date_conflict(question: str, filters: Filters | None, dated: bool = True) -> str | None:
    """The fixed phrase naming both dates when the one period the question states ("in 2021")
    lies wholly outside the given date filter ("since 2022-01-01"); None when they overlap,
    when the question states no date or no date filter is set."""
    if not (dated and filters and (filters.since or filters.until)):
        return None
    stated = date_filter(question)
    if stated is None:
        return None
    before = bool(stated.until and filters.since and stated.until < filters.since)
    after = bool(stated.since and filters.until and stated.since > filters.until)
    if not (before or after):
        return None
    return phrases.date_conflict_phrase((stated.since, stated.until), filters.since, filters.until)


def _no_passage_phrase(index: Index, applied: Filters | None) -> str | None:
    """The fixed phrase naming the filter when it leaves no passage of the index at all."""
    if not applied or len(index.allowed_passages(**applied.to_dict())):
        return None
    return phrases.empty_filter_phrase(applied.since, applied.until, applied.source)


def gather(
    index: Index,
    question: str,
    *,
    filters: Filters | None = None,
    context: str | None = None,
    mode: str = "hybrid",
    params: AnswerParams = DEFAULT_PARAMS,
    timeline: bool | None = None,
) -> Evidence:
    """Retrieve and score candidate sentences for ``question`` (no decision yet).

    ``timeline`` answers it as a "did it change?" question or not; by default
    ``question.is_change_question`` decides.  Raises BadInputError for an empty question.
    """
    evidence = _gather(index, question, filters=filters, context=context, mode=mode, params=params, timeline=timeline)
    if params.offtopic_factor > 0:
        level = offtopic_level(index, lambda text: _gather(index, text, params=params).answerability)
        evidence = replace(evidence, offtopic=level)
    return evidence


def _gather(
    index: Index,
    question: str,
    *,
    filters: Filters | None = None,
    context: str | None = None,
    mode: str = "hybrid",
    params: AnswerParams = DEFAULT_PARAMS,
    timeline: bool | None = None,
) -> Evidence:
    question = question.strip()
    if not question:
        raise BadInputError("the question is empty.")
    conflict = date_conflict(question, filters, index.dated)
    if conflict:
        return Evidence(question, question, filters, False, [], {}, {}, None, params, filter_note=conflict)
    applied = applied_filters(question, filters, index.dated)
    timeline = is_change_question(question) if timeline is None else timeline
    query = f"{context.strip()} {question}" if context else question
    question_vector = index.encode_query(query)
    depth = params.timeline_passages if timeline else params.passages_to_read
    hits = retrieve(
        index,
        query,
        k=depth,
        filters=applied,
        mode=mode,
        query_vector=question_vector,
        dense_weight=params.dense_weight,
        candidates=params.candidates,
    )
    documents = {doc_id: index.store.document(doc_id) for doc_id in {hit.doc_id for hit in hits}}
    scored = candidates(index, question_vector, hits, documents, params, question=question)
    subject, widened = None, []
    if timeline:
        subject = Subject.of(question, index.document_frequency, index.manifest.passages)
        if subject:
            widened = _subject_candidates(
                index, question, question_vector, subject, hits, documents, applied, mode, params
            )
    return Evidence(
        question=question,
        query=query,
        filters=applied,
        timeline=timeline,
        candidates=scored,
        documents=documents,
        # Only a timeline reads it; at 1M passages it cost ~70 ms a question (docs/benchmarks.md).
        coverage=coverage(index, query, [hit.passage_id for hit in hits]) if timeline else {},
        answer_type=answer_type(question),
        params=params,
        unseen=unseen_share(question, index.document_frequency),
        unseen_names=unseen_names(question, index.document_frequency, index.has_close_word),
        index_passages=index.manifest.passages,
        subject=subject,
        subject_candidates=widened,
        filter_note=None if hits else _no_passage_phrase(index, applied),
    )


def _subject_candidates(
    index: Index,
    question: str,
    question_vector: np.ndarray,
    subject: Subject,
    hits,
    documents: dict[str, Document],
    applied: Filters | None,
    mode: str,
    params: AnswerParams,
) -> list[Candidate]:
    """Candidates from the passages a search for the subject's words alone finds besides ``hits``
    (the question's change words pull in any passage saying "our position has not changed"; the
    subject alone finds the other dates it was spoken of).  Scored against the question by the
    sentence scorer alone (no second stage); ``documents`` gains their documents."""
    text = subject.search_text
    found = retrieve(
        index,
        text,
        k=params.timeline_subject_passages,
        filters=applied,
        mode=mode,
        query_vector=index.encode_query(text),
        dense_weight=params.dense_weight,
        candidates=params.candidates,
    )
    known = {hit.passage_id for hit in hits}
    fresh = [
        replace(hit, rank=len(hits) + n) for n, hit in enumerate((h for h in found if h.passage_id not in known), 1)
    ]
    # Only a passage holding the subject can hold a statement that does (timeline.Subject.held_by
    # is monotone in the words read): the others are not scored (they were 56% of the 96 passages
    # of the gold change questions on the full collection, and most of this search's time).
    passages = index.store.passages(hit.passage_id for hit in fresh)
    fresh = [hit for hit in fresh if hit.passage_id in passages and subject.held_by(passages[hit.passage_id].text)]
    if not fresh:
        return []
    for hit in fresh:
        if hit.doc_id not in documents:
            documents[hit.doc_id] = index.store.document(hit.doc_id)
    quick = replace(params, rerank_top=0, match_top=0)
    return candidates(index, question_vector, fresh, documents, quick, question=question, passages=passages)
