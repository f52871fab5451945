"""Retrieval and answer metrics as pure functions.

Every ranking metric takes a *run* (``query id -> ranked item ids, best first``)
and returns a :class:`MetricResult`: the score of every evaluated query and
their mean.  Relevance comes in the BEIR/TREC shape, ``query id -> {item id:
grade}`` (grade > 0 is relevant).  A query of ``qrels`` missing from the run
scores 0; a query with no relevant item is left out, as trec_eval does.

The IR metrics (:func:`recall_at_k`, :func:`mrr_at_k`, :func:`ndcg_at_k`) agree
with pytrec_eval's ``recall_k``, ``recip_rank`` (on a run cut at ``k``) and
``ndcg_cut_k`` when the run is given in pytrec_eval's order (score descending);
``tests/evaluation/test_metrics.py`` checks that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..records import spans_overlap  # noqa: F401  (re-exported: the metrics' notion of overlap)


@dataclass(frozen=True)
class MetricResult:
    """Per-query scores of one metric and their mean (0.0 when no query was evaluated)."""

    name: str
    per_query: dict[str, float] = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return sum(self.per_query.values()) / len(self.per_query) if self.per_query else 0.0

    def __len__(self) -> int:
        return len(self.per_query)


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError("k must be at least 1.")


def _relevant(grades: Mapping[str, float]) -> dict[str, float]:
    return {item: grade for item, grade in grades.items() if grade > 0}


def _per_query(
    name: str, run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, float]], k: int, score
) -> MetricResult:
    """``score(top_k_items, relevant_grades)`` for every query with a relevant item."""
    _check_k(k)
    scores = {}
    for qid, grades in qrels.items():
        relevant = _relevant(grades)
        if relevant:
            scores[qid] = score(list(run.get(qid, ())[:k]), relevant)
    return MetricResult(f"{name}@{k}", scores)


def recall_at_k(run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, float]], k: int) -> MetricResult:
    """Share of a query's relevant items found in its top ``k``.

    >>> recall_at_k({"q": ["a", "x", "b"]}, {"q": {"a": 1, "b": 1}}, 2).mean
    0.5
    """
    return _per_query("recall", run, qrels, k, lambda top, relevant: len(set(top) & relevant.keys()) / len(relevant))


def mrr_at_k(run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, float]], k: int) -> MetricResult:
    """Reciprocal rank of the first relevant item within the top ``k`` (0 when none).

    >>> mrr_at_k({"q": ["x", "a"]}, {"q": {"a": 1}}, 10).mean
    0.5
    """
    return _per_query(
        "mrr",
        run,
        qrels,
        k,
        lambda top, relevant: next((1.0 / rank for rank, item in enumerate(top, start=1) if item in relevant), 0.0),
    )


def ndcg_at_k(run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, float]], k: int) -> MetricResult:
    """Normalised discounted cumulative gain at ``k`` with trec_eval's linear gain.

    DCG@k = sum over ranks i <= k of grade(item_i) / log2(i + 1); the ideal DCG
    ranks all relevant items of the query by grade.
    """

    def ndcg(top, relevant):
        dcg = sum(relevant.get(item, 0.0) / math.log2(rank + 1) for rank, item in enumerate(top, start=1))
        ideal = sum(
            grade / math.log2(rank + 1)
            for rank, grade in enumerate(sorted(relevant.values(), reverse=True)[:k], start=1)
        )
        return dcg / ideal

    return _per_query("ndcg", run, qrels, k, ndcg)


def coverage_recall_at_k(
    covers: Mapping[str, Sequence[frozenset[int] | set[int]]], wanted: Mapping[str, int], k: int
) -> MetricResult:
    """Share of a query's gold quotes covered by its top ``k`` ranked items.

    ``covers[qid][i]`` is the set of gold quote numbers (0 .. wanted[qid]-1) the
    item at rank i+1 overlaps; ``wanted[qid]`` is how many gold quotes the query
    has.  This is the passage-level recall of the gold sets: it counts quotes,
    not passages, so a quote split over two passages counts once and the score
    does not change when the corpus is re-chunked.

    >>> coverage_recall_at_k({"q": [set(), {0}, {0, 1}]}, {"q": 2}, 2).mean
    0.5
    """
    _check_k(k)
    scores = {}
    for qid, count in wanted.items():
        if count <= 0:
            continue
        found: set[int] = set()
        for quotes in covers.get(qid, ())[:k]:
            found |= set(quotes)
        scores[qid] = len(found & set(range(count))) / count
    return MetricResult(f"recall@{k}", scores)


def hit_at_k(flags: Mapping[str, Sequence[bool]], k: int) -> MetricResult:
    """1.0 when any of a query's top ``k`` items is relevant, else 0.0 (an empty list is a miss)."""
    _check_k(k)
    return MetricResult(f"hit@{k}", {qid: float(any(items[:k])) for qid, items in flags.items()})


@dataclass(frozen=True)
class AbstentionScores:
    """Abstention as a classifier; the positive class is "unanswerable and abstained"."""

    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def precision(self) -> float:
        """Share of abstentions that were on unanswerable questions (1.0 when it never abstained)."""
        abstained = self.true_positives + self.false_positives
        return self.true_positives / abstained if abstained else 1.0

    @property
    def recall(self) -> float:
        """Share of unanswerable questions it abstained on (1.0 when there are none)."""
        unanswerable = self.true_positives + self.false_negatives
        return self.true_positives / unanswerable if unanswerable else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_positive_rate(self) -> float:
        """Share of answerable questions it wrongly abstained on."""
        answerable = self.false_positives + self.true_negatives
        return self.false_positives / answerable if answerable else 0.0

    def to_dict(self) -> dict[str, float]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "false_positive_rate": self.false_positive_rate,
            "tp": self.true_positives,
            "fp": self.false_positives,
            "fn": self.false_negatives,
            "tn": self.true_negatives,
        }


def abstention_scores(abstained: Mapping[str, bool], unanswerable: Mapping[str, bool]) -> AbstentionScores:
    """Confusion counts of abstention over the questions of ``unanswerable``.

    >>> abstention_scores({"a": True, "b": True}, {"a": True, "b": False}).precision
    0.5
    """
    tp = fp = fn = tn = 0
    for qid, positive in unanswerable.items():
        did = bool(abstained.get(qid, False))
        if positive and did:
            tp += 1
        elif did:
            fp += 1
        elif positive:
            fn += 1
        else:
            tn += 1
    return AbstentionScores(tp, fp, fn, tn)


def _is_verbatim(item) -> bool:
    return item if isinstance(item, bool) else item[0] == item[1]


def verbatim_rate(extracts: Mapping[str, Sequence[tuple[str, str] | bool]]) -> MetricResult:
    """Per query, the share of extracts whose text equals the source span.

    ``extracts[qid]`` holds ``(extract.text, document.text[char_start:char_end])``
    pairs (or the result of that comparison); a query without extracts is left
    out.  Anything below 1.0 is a bug.  ``verbatim_share`` gives the share over
    all extracts.
    """
    return MetricResult(
        "verbatim",
        {qid: sum(_is_verbatim(item) for item in items) / len(items) for qid, items in extracts.items() if items},
    )


def verbatim_share(extracts: Mapping[str, Sequence[tuple[str, str] | bool]]) -> float:
    """The share of all extracts (every query together) that are verbatim; 1.0 without extracts."""
    items = [item for values in extracts.values() for item in values]
    return sum(_is_verbatim(item) for item in items) / len(items) if items else 1.0


def _period(date: str) -> tuple[str, str] | None:
    from ..dates import period_bounds

    try:
        return period_bounds(date)
    except ValueError:
        return None


def chronological(dates: Sequence[str | None]) -> bool:
    """Are ``dates`` in date order?  A year or month is a period: it is out of order only when it
    ends before the statement before it begins, or begins after the one after it ends (so "2021"
    after "2021-06-10" is in order, "2021" before "2022-03-01" too); undated statements are skipped.

    >>> chronological(["2021-06-10", "2021", "2022-03-21", None]), chronological(["2021", "2020-05-01"])
    (True, False)
    """
    periods = [p for p in (_period(d) for d in dates if d) if p]
    return all(later[1] >= earlier[0] for earlier, later in zip(periods, periods[1:]))


@dataclass(frozen=True)
class Timeline:
    """What a change question's answer showed: the statements' texts and dates (in answer order),
    the evidence label, and the gold set's subject terms and dates."""

    texts: Sequence[str]
    dates: Sequence[str | None]
    strength: str | None
    subject_terms: Sequence[Sequence[str]]
    gold_dates: Sequence[str]


def change_metrics(timelines: Mapping[str, Timeline], on_subject) -> dict[str, MetricResult]:
    """The metrics of "did it change?" answers (``on_subject(text, groups)`` decides a statement):

    * ``first_on_subject``: the first statement holds the subject (an abstention scores 0);
    * ``subject_precision``: share of the statements that hold it (answered questions only);
    * ``date_recall``: share of the gold dates among the statements' dates (an abstention scores 0);
    * ``order``: the statements are in date order (:func:`chronological`; answered questions only);
    * ``strong_off_subject``: 1 for an answer labelled strong whose first statement is off subject
      (its sum is the count).

    Subject metrics cover questions with subject terms, date recall those with gold dates.
    """
    first, precision, recall, order, strong_off = {}, {}, {}, {}, {}
    for qid, t in timelines.items():
        answered = bool(t.texts)
        if t.subject_terms:
            held = [bool(on_subject(text, t.subject_terms)) for text in t.texts]
            first[qid] = float(answered and held[0])
            if answered:
                precision[qid] = sum(held) / len(held)
            strong_off[qid] = float(answered and t.strength == "strong" and not held[0])
        if t.gold_dates:
            recall[qid] = len(set(t.dates) & set(t.gold_dates)) / len(set(t.gold_dates))
        if answered:
            order[qid] = float(chronological(t.dates))
    out = {
        "first_on_subject": MetricResult("first_on_subject", first),
        "subject_precision": MetricResult("subject_precision", precision),
        "date_recall": MetricResult("date_recall", recall),
        "order": MetricResult("order", order),
        "strong_off_subject": MetricResult("strong_off_subject", strong_off),
    }
    return {name: result for name, result in out.items() if result.per_query}
