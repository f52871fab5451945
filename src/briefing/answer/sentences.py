"""Candidate sentences: every sentence of the retrieved passages, scored against the question.

A sentence's score blends its own cosine to the question with its passage's
(``AnswerParams.sentence_weight``); a reporter's turn counts for less.  A
sentence that opens with a pronoun or connective ("He added", "This",
"However") cannot stand alone, so it is quoted together with the sentence
before it, even across a paragraph break, never across a change of speaker.  A sentence with
fewer than three content words besides its speaker label ("MR PRICE: Thank you.") is no candidate.
Sentence vectors come from the index (stored at build time, :meth:`Index.sentence_vectors`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..corpus.speakers import is_question_label
from ..index.load import Index
from ..records import Document, Passage, Sentence
from ..textfold import lexical_terms
from . import token_match
from .features import FEATURES, Span, feature_rows, fill_best_few, question_terms
from .params import DEFAULT_PARAMS, AnswerParams
from .rerank import reranker
from .scorer import match_model, rerank_model, sentence_model, sigmoid

_MIN_CONTENT_WORDS = 3  # "Thank you for the question." (thank, question) is no answer
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
    features: np.ndarray | None = field(default=None, compare=False, repr=False)  # a row of features.FEATURES
    first_score: float | None = None  # the sentence scorer's probability (before the match or rerank stage)

    @property
    def first_probability(self) -> float:
        """The sentence scorer's probability (``first_score``), before the match or rerank stage
        reorders the best few; ``score`` when none was recorded.  Abstention and the "worth
        reading" floors read it: the second stage orders the best candidates, it does not decide
        how many are shown."""
        return self.score if self.first_score is None else self.first_score


def _says_something(text: str, speaker: str | None) -> bool:
    """Does a span hold at least ``_MIN_CONTENT_WORDS`` content words besides its speaker label's?
    "FOREIGN MINISTER HAAVISTO: Thank you for the question." does not: its label's words match "What
    did Haavisto say…" but it says nothing.

    >>> _says_something("MR PRICE: Thank you for the question.", "MR PRICE")
    False
    >>> _says_something("MR PRICE: We strongly condemn the attack.", "MR PRICE")
    True
    """
    label = set(lexical_terms(speaker or ""))
    return sum(term not in label for term in lexical_terms(text)) >= _MIN_CONTENT_WORDS


def _span_vectors(index: Index, keys: list[tuple[str, int, int]], passages: dict[int, Passage]) -> np.ndarray:
    """One vector per span ``(doc_id, char_start, char_end)``: the normalised mean of the stored
    vectors (:meth:`Index.sentence_vectors`) of the sentences it is made of: one sentence, or a
    sentence joined with the one before, which may sit in the previous passage."""
    by_doc: dict[str, dict[tuple[int, int], np.ndarray]] = {}

    def collect(group: list[Passage]) -> None:
        stored = index.sentence_vectors(group)
        for passage in group:
            sentences = by_doc.setdefault(passage.doc_id, {})
            for sentence, vector in zip(passage.sentences, stored.get(passage.passage_id, ())):
                sentences.setdefault((sentence.char_start, sentence.char_end), vector)

    def inside(doc_id: str, start: int, end: int) -> list[tuple[int, np.ndarray]]:
        return sorted(
            ((s, v) for (s, e), v in by_doc.get(doc_id, {}).items() if start <= s and e <= end), key=lambda x: x[0]
        )

    collect(list(passages.values()))
    rows = []
    for doc_id, start, end in keys:
        parts = inside(doc_id, start, end)
        if not parts or parts[0][0] != start:  # the sentence before is in the previous passage
            owner = next(p for p in passages.values() if p.doc_id == doc_id and p.char_start <= end <= p.char_end)
            collect(index.store.passage_neighbours(doc_id, owner.ordinal))
            parts = inside(doc_id, start, end)
        vector = np.mean([v for _, v in parts], axis=0)
        rows.append(vector / max(float(np.linalg.norm(vector)), 1e-12))
    return np.vstack(rows)


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


def rerank(question: str, texts: list[str], rows: np.ndarray, first: np.ndarray, params: AnswerParams):
    """The candidates' probabilities after the reranker, or None when it is off.

    ``first`` is the sentence scorer's log-odds.  Its best ``params.rerank_top`` candidates go
    to the cross-encoder (:mod:`.rerank`), and ``models/rerank_scorer.json`` weighs the two
    scores (the rest take the worst reranked logit, so they stay below what the reranker saw
    fit).  Fills the ``stage1``/``rerank``/``rel_rerank`` columns of ``rows`` in place (also
    without the rerank scorer: ``scripts/train_answer_models.py`` fits it from them).
    """
    rows[:, FEATURES.index("stage1")] = first
    cross = reranker() if question and params.rerank_top > 0 else None
    if cross is None:
        return None
    top = np.argsort(-first, kind="stable")[: params.rerank_top]
    fill_best_few(rows, top, cross.scores(question, [texts[i] for i in top]), "rerank", "rel_rerank")
    combined = rerank_model()
    return combined.probability(rows, FEATURES) if combined is not None else None


def final_model(params: AnswerParams):
    """The model whose probabilities the candidates' scores are: the rerank scorer when the
    reranker is on and both its files are there, else the match scorer (:mod:`.token_match`)
    when its stage is on, else the sentence scorer."""
    if params.rerank_top > 0 and rerank_model() is not None and reranker() is not None:
        return rerank_model()
    if params.match_top > 0 and match_model() is not None:
        return match_model()
    return sentence_model()


def candidates(
    index: Index,
    question_vector: np.ndarray,
    hits,
    documents: dict[str, Document],
    params: AnswerParams = DEFAULT_PARAMS,
    *,
    question: str = "",
    passages: dict | None = None,
) -> list[Candidate]:
    """Every distinct span of the hits' passages with its features (:mod:`.features`) and its
    score, best first: the learned scorer's (:mod:`.scorer`) when it is loaded, then the match
    scorer's for its best ``params.match_top`` (:mod:`.token_match`) and the rerank scorer's when
    the cross-encoder is on; else the cosine blend of ``params.sentence_weight``.  ``passages``
    (passage_id -> Passage) saves reading them again when the caller already has."""
    if passages is None:
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
        for position in range(len(passage.sentences)):
            span = _span_with_context(passage, position, text, before)
            key = (passage.doc_id, span[0], span[1])
            sentence = passage.sentences[position]
            if (
                key in seen
                or not _says_something(text[span[0] : span[1]], sentence.speaker)
                or is_question_label(sentence.speaker)  # a reporter's words are the question, not a source's answer
            ):
                continue
            seen.add(key)
            keys.append(key)
            texts.append(text[span[0] : span[1]])
            owners.append((hit, passage, position))
    if not keys:
        return []
    cosines = _span_vectors(index, keys, passages) @ question_vector
    cosine_of = {key: float(cosine) for key, cosine in zip(keys, cosines)}
    terms = question_terms(question, index.document_frequency, max(index.manifest.passages, 1))
    spans = []
    for key, cosine, (hit, passage, position) in zip(keys, cosines, owners):
        text = documents[passage.doc_id].text
        sentences = passage.sentences
        sentence = sentences[position]
        previous = sentences[position - 1] if position > 0 else None
        previous_key = (passage.doc_id, previous.char_start, previous.char_end) if previous else None
        low = previous.char_start if previous else sentence.char_start
        high = sentences[min(position + 1, len(sentences) - 1)].char_end
        spans.append(
            Span(
                text=text[key[1] : key[2]],
                context=text[min(low, key[1]) : high],
                previous=text[previous.char_start : previous.char_end] if previous else None,
                passage_text=f"{documents[passage.doc_id].title or ''} {passage.text}",
                cosine=float(cosine),
                previous_cosine=cosine_of.get(previous_key, 0.0) if previous_key else 0.0,
                passage_dense=float(getattr(hit, "dense", hit.score)),
                passage_fused=float(hit.score),
                passage_rank=hit.rank,
                question_turn=is_question_label(sentence.speaker),
                first=position == 0,
            )
        )
    rows = feature_rows(terms, spans)
    model = sentence_model()
    if model is not None:
        first = model.decision(rows, FEATURES)
        first_scores = scores = sigmoid(first)
        rows[:, FEATURES.index("stage1")] = first
        embedder = getattr(index, "embedder", None)
        if token_match.fill(rows, first, question, texts, embedder, params.match_top) and match_model() is not None:
            scores = match_model().probability(rows, FEATURES)
        reranked = rerank(question, texts, rows, first, params)
        scores = scores if reranked is None else reranked
    else:
        scores = first_scores = [
            (params.sentence_weight * span.cosine + (1 - params.sentence_weight) * span.passage_dense)
            * (params.question_turn_penalty if span.question_turn else 1.0)
            for span in spans
        ]
    out = [
        Candidate(
            key[0],
            key[1],
            key[2],
            float(score),
            float(cosine),
            passage,
            passage.sentences[position].speaker,
            documents[key[0]].date,
            features=row,
            first_score=float(first_score),
        )
        for key, cosine, (hit, passage, position), score, first_score, row in zip(
            keys, cosines, owners, scores, first_scores, rows
        )
    ]
    out.sort(key=lambda c: -c.score)
    return out
