"""What the sentence scorer looks at: a row of numbers per candidate sentence.

A bi-encoder cosine alone prefers the sentence that *names* the question's
subject over the one that *answers* it ("who replaced X as envoy?" quotes X's
travel).  The scorer (:mod:`.scorer`) weighs that cosine against evidence of an
answer, computed here for every candidate span of the retrieved passages:

* ``s_cos``, ``rel_cos``: the span's cosine to the question, and its distance
  to the best candidate's;
* ``p_dense``, ``p_fused``, ``inv_rank``: its passage's cosine, hybrid score and rank;
* ``bm25``: BM25 of the span against the question's stemmed content words,
  with the index's IDF, relative to the best candidate's;
* ``cov_s``, ``cov_c``, ``cov_p``: IDF-weighted share of those words in the span,
  in the span and its neighbours, in the passage and its document title;
* ``prev_cov``, ``prev_cos``: the same for the sentence before (an answer often
  follows the sentence that restates the question);
* ``has_type``: the span holds the kind of answer asked for (a name for
  "who", a date for "when", a count for "how many", a place for "where") that
  the question itself does not contain; ``person``: for "who" questions, it holds a
  personal name the question does not (``question.person_names``), 1 for other questions;
* ``caps_new``, ``novel``: names and words the question does not contain;
* ``length``, ``qturn``, ``first``: log length in words, a reporter's turn, the
  first sentence of its passage;
* ``stage1``, ``rerank``, ``rel_rerank``, ``match``, ``rel_match``: filled by :mod:`.sentences`
  after the sentence scorer has run: its log-odds; the cross-encoder's logit (:mod:`.rerank`)
  for its best few candidates (the worst of those for the rest) and that logit's distance to the
  best one; the word-by-word match of the question (:mod:`.token_match`) for its best few and its
  distance to the best one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import Stemmer

from ..textfold import STOP_WORDS, fold_for_lexical, lexical_terms
from .question import answer_type, holds_answer_type, person_names

FEATURES = (
    "s_cos",
    "rel_cos",
    "p_dense",
    "p_fused",
    "inv_rank",
    "bm25",
    "cov_s",
    "cov_c",
    "cov_p",
    "prev_cov",
    "prev_cos",
    "has_type",
    "person",
    "caps_new",
    "novel",
    "length",
    "qturn",
    "first",
    "stage1",
    "rerank",
    "rel_rerank",
    "match",
    "rel_match",
)
LATE_COLUMNS = 5  # the last five, filled after the sentence scorer (sentences.rerank, token_match.fill)

_TOKEN = re.compile(r"[a-z0-9]+")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z\-]+")
_STEMMER = Stemmer.Stemmer("english")
_BM25_K1, _BM25_B, _AVERAGE_WORDS = 1.2, 0.75, 25.0


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    return _STEMMER.stemWord(token)


def stems(text: str) -> list[str]:
    """Folded, lower-cased, stemmed words of ``text`` ("Sanctioned" and "sanctions" share a stem)."""
    return [_stem(token) for token in _TOKEN.findall(fold_for_lexical(text).lower())]


@dataclass(frozen=True)
class QuestionTerms:
    """The question's stemmed content words with their IDF weights, its names, its answer type."""

    weights: dict[str, float]
    stems: frozenset[str]
    names: frozenset[str]
    answer_type: str | None
    question: str

    def coverage(self, words: set[str]) -> float:
        """IDF-weighted share of the question's content words found in ``words`` (1.0 without any)."""
        total = sum(self.weights.values())
        if not total:
            return 1.0
        return sum(weight for term, weight in self.weights.items() if term in words) / total


def fill_best_few(rows: np.ndarray, best: np.ndarray, values: np.ndarray, column: str, relative: str) -> None:
    """Write a second stage's ``values`` for the candidates ``best`` into ``rows`` (in place):
    ``column`` holds them, the rest take the lowest of them (so they stay below what the stage
    read), and ``relative`` holds each row's distance to the highest."""
    at, distance = FEATURES.index(column), FEATURES.index(relative)
    rows[:, at] = values.min()
    rows[best, at] = values
    rows[:, distance] = rows[:, at] - values.max()


def question_terms(question: str, document_frequency, passages: int) -> QuestionTerms:
    """Weigh the question's content words by IDF over ``passages`` passages.

    ``document_frequency(term)`` gives how many passages hold a folded word
    (the index's FTS5 table answers it, stemming like the index).
    """
    weights: dict[str, float] = {}
    for term in lexical_terms(question):
        frequency = document_frequency(term)
        stem = _stem(term)
        weights[stem] = max(weights.get(stem, 0.0), math.log(1 + (passages - frequency + 0.5) / (frequency + 0.5)))
    names = frozenset(word.lower() for word in _CAPITALISED.findall(question))
    return QuestionTerms(weights, frozenset(stems(question)), names, answer_type(question), question)


@dataclass(frozen=True)
class Span:
    """One candidate as the features need it: its text, its neighbours', its passage's."""

    text: str
    context: str  # the span with the sentences around it
    previous: str | None  # the sentence before, in the same passage
    passage_text: str  # the passage and its document's title
    cosine: float
    previous_cosine: float
    passage_dense: float
    passage_fused: float
    passage_rank: int
    question_turn: bool
    first: bool


def _bm25(terms: QuestionTerms, words: list[str]) -> float:
    counts: dict[str, int] = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * len(words) / _AVERAGE_WORDS)
    return sum(
        weight * counts[term] * (_BM25_K1 + 1) / (counts[term] + norm)
        for term, weight in terms.weights.items()
        if term in counts
    )


def feature_rows(terms: QuestionTerms, spans: list[Span]) -> np.ndarray:
    """One row of :data:`FEATURES` per span, as float32."""
    if not spans:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    passage_words: dict[str, set[str]] = {}
    rows = []
    for span in spans:
        words = stems(span.text)
        word_set = set(words)
        if span.passage_text not in passage_words:
            passage_words[span.passage_text] = set(stems(span.passage_text))
        new_names = {
            name
            for name in _CAPITALISED.findall(span.text[1:])
            if name.lower() not in terms.names and name.lower() not in STOP_WORDS
        }
        novel = [w for w in word_set if w not in terms.stems and w not in STOP_WORDS]
        previous_words = set(stems(span.previous)) if span.previous else set()
        rows.append(
            [
                span.cosine,
                0.0,  # rel_cos, filled below
                span.passage_dense,
                span.passage_fused,
                1.0 / max(span.passage_rank, 1),
                _bm25(terms, words),
                terms.coverage(word_set),
                terms.coverage(set(stems(span.context))),
                terms.coverage(passage_words[span.passage_text]),
                terms.coverage(previous_words) if span.previous else 0.0,
                span.previous_cosine,
                float(holds_answer_type(terms.answer_type, span.text, terms.question)),
                float(terms.answer_type != "person" or bool(person_names(span.text, terms.question))),
                min(len(new_names), 5) / 5,
                len(novel) / max(len(word_set), 1),
                math.log(max(len(words), 1)),
                float(span.question_turn),
                float(span.first),
                *([0.0] * LATE_COLUMNS),
            ]
        )
    matrix = np.asarray(rows, dtype=np.float32)
    matrix[:, 1] = matrix[:, 0] - matrix[:, 0].max()
    best_bm25 = matrix[:, 5].max()
    if best_bm25 > 0:
        matrix[:, 5] /= best_bm25
    return matrix


QUESTION_FEATURES = (
    "top_prob",
    "gap",
    "top_cos",
    "max_cos",
    "top_p_dense",
    "max_cov_p",
    "top_has_type",
    "unseen",
    "top_cov_s",
    "top_bm25",
    "max_match",
)


def unseen_share(question: str, document_frequency) -> float:
    """IDF-free share of the question's content words that no passage of the index holds.

    A salient word the corpus never uses ("Andorra", "warheads") is strong
    evidence that the sources do not answer.
    """
    terms = lexical_terms(question)
    if not terms:
        return 0.0
    return sum(document_frequency(term) == 0 for term in terms) / len(terms)


_NAME_IN_QUESTION = re.compile(r"(?<!^)\b[A-Z][A-Za-z\-]+")
_PARENTHESES = re.compile(r"\([^()]*\)")


def unseen_names(question: str, document_frequency, has_close_word=None) -> tuple[str, ...]:
    """Names of the question (capitalised words after its first) that no passage of the index holds.

    "What did the State Department say about Andorra's elections?" -> ("Andorra",) on a corpus that
    never names Andorra: the sources cannot answer it.  A name in parentheses glosses the words
    before it ("the US child soldier (CSPA) list") and is not looked for: the sources may write
    it out in full.  ``has_close_word(term)``, when given, forgives a typo: a name spelt almost like
    a word of the index ("Hatmanis" for "Hartmanis") is not unseen.
    """
    names = []
    for word in _NAME_IN_QUESTION.findall(_PARENTHESES.sub(" ", question.strip())):
        terms = lexical_terms(word)
        if terms and all(document_frequency(term) == 0 for term in terms):
            if has_close_word is None or not any(has_close_word(term) for term in terms):
                names.append(word)
    return tuple(dict.fromkeys(names))


def question_row(probabilities: np.ndarray, rows: np.ndarray, unseen: float) -> np.ndarray:
    """The evidence for one question (:data:`QUESTION_FEATURES`) from its scored candidates.

    ``probabilities`` are the sentence scorer's, ``rows`` the candidates' features.
    """
    if len(probabilities) == 0:
        row = np.zeros(len(QUESTION_FEATURES), dtype=np.float64)
        row[QUESTION_FEATURES.index("unseen")] = unseen
        return row
    column = {name: i for i, name in enumerate(FEATURES)}
    order = np.argsort(-probabilities)
    best = rows[order[0]]
    second = probabilities[order[1]] if len(order) > 1 else 0.0
    return np.array(
        [
            probabilities[order[0]],
            probabilities[order[0]] - second,
            best[column["s_cos"]],
            rows[:, column["s_cos"]].max(),
            best[column["p_dense"]],
            rows[:, column["cov_p"]].max(),
            best[column["has_type"]],
            unseen,
            best[column["cov_s"]],
            best[column["bm25"]],
            rows[:, column["match"]].max(),
        ],
        dtype=np.float64,
    )
