"""Evaluating an index on a gold set: the retrieval stage and the answers.

For every question it runs retrieval as :func:`briefing.answer.answer` does
(hybrid, under the explicit filters or the one date range the question states)
and the answer itself, then scores both against the gold quotes:

* retrieval, passage level, over the top 10 passages: recall@1/3/5/10 (share of
  the question's gold quotes that the top k passages overlap), MRR@10 and
  nDCG@10 (a passage is relevant when it overlaps a gold quote; the ideal
  ranking holds every such passage of the index);
* answers: extract hit@1 and hit@3 (one of the first k extracts overlaps a gold
  quote; an abstention is a miss), abstention precision/recall/F1 (positive
  class: an unanswerable question that abstained) and the verbatim rate.

Retrieval and hit metrics cover answerable and change questions; abstention
covers all of them.  Each answer is computed with the score floor off, so the
best-extract score and the evidence check are known for calibration; whether the
bot abstains at the evaluated threshold follows from them (see :func:`_answer_at`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..answer import DEFAULT_PARAMS, AnswerParams, applied_filters, decide, gather
from ..answer.retrieve import retrieve
from .gold import EvidenceLocator, GoldQuestion, quotes_overlapped
from .metrics import (
    AbstentionScores,
    MetricResult,
    abstention_scores,
    coverage_recall_at_k,
    hit_at_k,
    mrr_at_k,
    ndcg_at_k,
    verbatim_rate,
    verbatim_share,
)

RECALL_KS = (1, 3, 5, 10)
RETRIEVAL_DEPTH = 10
NO_SCORE = float("-inf")  # the best-extract score of a question without any candidate sentence


@dataclass
class QuestionResult:
    """Everything measured for one gold question (the per-question breakdown)."""

    id: str
    kind: str
    question: str
    quotes: int
    unlocated: list[int] = field(default_factory=list)
    passages: list[dict] = field(default_factory=list)  # rank order: passage_id, doc_id, score, quotes
    relevant_passages: int = 0
    abstained: bool = False
    best_score: float = NO_SCORE
    evidence: bool = True  # did the threshold-independent evidence check pass?
    extracts: list[dict] = field(default_factory=list)  # doc_id, char_start, char_end, score, hit, verbatim
    seconds: float = 0.0

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"

    @property
    def calibration_score(self) -> float:
        """The score the threshold is compared with: -inf when the evidence check abstains anyway."""
        return self.best_score if self.evidence else NO_SCORE

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "question": self.question,
            "quotes": self.quotes,
            "unlocated": self.unlocated,
            "relevant_passages": self.relevant_passages,
            "abstained": self.abstained,
            "evidence": self.evidence,
            "best_score": None if self.best_score == NO_SCORE else round(self.best_score, 4),
            "passages": self.passages,
            "extracts": self.extracts,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class EvalResult:
    """Metrics of one gold set on one index, with the per-question rows they come from."""

    name: str
    threshold: float
    mode: str
    questions: list[QuestionResult]
    metrics: dict[str, MetricResult]
    abstention: AbstentionScores
    verbatim: float
    extracts: int
    seconds: float
    params: dict = field(default_factory=dict)  # the AnswerParams the answers were made with

    def summary(self) -> dict[str, float]:
        """Metric name -> mean, the shape of ``briefing eval --json``'s ``metrics``."""
        out = {name: round(result.mean, 4) for name, result in self.metrics.items() if name != "verbatim"}
        out.update(
            {
                "abstention_precision": round(self.abstention.precision, 4),
                "abstention_recall": round(self.abstention.recall, 4),
                "abstention_f1": round(self.abstention.f1, 4),
                "verbatim_rate": self.verbatim,
            }
        )
        return out

    def unlocated(self) -> list[tuple[str, int]]:
        return [(q.id, n) for q in self.questions for n in q.unlocated]

    def to_dict(self) -> dict:
        kinds: dict[str, int] = {}
        for question in self.questions:
            kinds[question.kind] = kinds.get(question.kind, 0) + 1
        return {
            "gold_set": self.name,
            "mode": self.mode,
            "threshold": self.threshold,
            "questions": len(self.questions),
            "kinds": kinds,
            "extracts": self.extracts,
            "metrics": self.summary(),
            "abstention": self.abstention.to_dict(),
            "unlocated_evidence": [f"{qid} quote {n}" for qid, n in self.unlocated()],
            "seconds": round(self.seconds, 2),
            "params": self.params,
            "per_question": [q.to_dict() for q in self.questions],
        }


def _answer_at(index, question: str, threshold: float, filters, mode: str, params: AnswerParams = DEFAULT_PARAMS):
    """The bot's answer at ``threshold`` (None when it abstains), its best-extract score and
    whether the evidence check (key terms and answer type, independent of the threshold) passed.

    Retrieval runs once (:func:`briefing.answer.gather`); the decision is then taken at
    ``threshold`` exactly as ``answer()`` takes it.
    """
    evidence = gather(index, question, filters=filters, mode=mode, params=params)
    supported = evidence.support() >= params.min_coverage
    best = evidence.best_score if evidence.candidates else NO_SCORE
    if not supported or best < threshold:
        return None, best, supported
    reply = decide(evidence, threshold=threshold)
    return (None if reply.abstained else reply), best, supported


def evaluate_question(
    index,
    gold: GoldQuestion,
    *,
    threshold: float,
    filters=None,
    mode: str = "hybrid",
    locator: EvidenceLocator | None = None,
    params: AnswerParams = DEFAULT_PARAMS,
) -> QuestionResult:
    """Retrieve, answer and score one gold question (see the module docstring)."""
    started = time.perf_counter()
    locator = locator or EvidenceLocator(index)
    spans, unlocated = locator.locate(gold)
    result = QuestionResult(gold.id, gold.kind, gold.question, len(gold.evidence), unlocated)
    if gold.answerable:
        relevant = {
            pid
            for doc_id in {s.doc_id for s in spans}
            for pid, start, end in index.store.passage_spans(doc_id)
            if quotes_overlapped(spans, doc_id, start, end)
        }
        result.relevant_passages = len(relevant)
        hits = retrieve(
            index, gold.question, k=RETRIEVAL_DEPTH, filters=applied_filters(gold.question, filters), mode=mode
        )
        passages = index.store.passages(hit.passage_id for hit in hits)
        for hit in hits:
            passage = passages[hit.passage_id]
            covered = quotes_overlapped(spans, passage.doc_id, passage.char_start, passage.char_end)
            result.passages.append(
                {
                    "passage_id": hit.passage_id,
                    "doc_id": hit.doc_id,
                    "score": round(float(hit.score), 4),
                    "quotes": sorted(covered),
                }
            )
    reply, best, evidence = _answer_at(index, gold.question, threshold, filters, mode, params)
    result.best_score = best
    result.evidence = evidence
    result.abstained = reply is None
    if not result.abstained:
        for extract in reply.extracts:
            source = locator.text(extract.doc_id) or ""
            result.extracts.append(
                {
                    "doc_id": extract.doc_id,
                    "char_start": extract.char_start,
                    "char_end": extract.char_end,
                    "score": round(float(extract.score), 4),
                    "text": extract.text,
                    "hit": bool(quotes_overlapped(spans, extract.doc_id, extract.char_start, extract.char_end)),
                    "verbatim": extract.text == source[extract.char_start : extract.char_end],
                }
            )
    result.seconds = time.perf_counter() - started
    return result


def score(questions: list[QuestionResult]) -> tuple[dict[str, MetricResult], AbstentionScores, float, int]:
    """Metrics of evaluated questions: (ranking metrics, abstention, verbatim rate, extract count)."""
    answerable = [q for q in questions if q.answerable]
    covers = {q.id: [frozenset(p["quotes"]) for p in q.passages] for q in answerable}
    wanted = {q.id: q.quotes - len(q.unlocated) for q in answerable}
    run = {q.id: [str(p["passage_id"]) for p in q.passages] for q in answerable}
    # A passage is relevant when it overlaps a gold quote; the qrels hold every such passage.
    qrels: dict[str, dict[str, int]] = {}
    for q in answerable:
        judged = {str(p["passage_id"]): 1 for p in q.passages if p["quotes"]}
        qrels[q.id] = (
            judged
            if len(judged) >= q.relevant_passages
            else {**{f"unretrieved-{n}": 1 for n in range(q.relevant_passages - len(judged))}, **judged}
        )
    metrics: dict[str, MetricResult] = {}
    for k in RECALL_KS:
        metrics[f"recall@{k}"] = coverage_recall_at_k(covers, wanted, k)
    metrics["mrr@10"] = mrr_at_k(run, qrels, 10)
    metrics["ndcg@10"] = ndcg_at_k(run, qrels, 10)
    flags = {q.id: [e["hit"] for e in q.extracts] for q in answerable}
    metrics["hit@1"] = hit_at_k(flags, 1)
    metrics["hit@3"] = hit_at_k(flags, 3)
    abstention = abstention_scores({q.id: q.abstained for q in questions}, {q.id: not q.answerable for q in questions})
    verbatim = {q.id: [bool(e["verbatim"]) for e in q.extracts] for q in questions}
    metrics["verbatim"] = verbatim_rate(verbatim)
    extracts = sum(len(q.extracts) for q in questions)
    overall = verbatim_share(verbatim)
    return metrics, abstention, overall, extracts


def evaluate(
    index,
    questions: list[GoldQuestion],
    *,
    threshold: float | None = None,
    filters=None,
    mode: str = "hybrid",
    name: str = "gold",
    progress: Callable[[int, int, str], None] | None = None,
    params: AnswerParams = DEFAULT_PARAMS,
) -> EvalResult:
    """Evaluate ``index`` on a gold set; returns metrics and the per-question breakdown.

    ``threshold`` defaults to ``params.threshold``; the result records ``params``.  Quotes
    that occur in no document are reported in ``EvalResult.unlocated()`` and
    left out of recall (a gold-set or corpus problem, not a retrieval one).
    """
    threshold = params.threshold if threshold is None else threshold
    started = time.perf_counter()
    locator = EvidenceLocator(index)
    results = []
    for number, gold in enumerate(questions, start=1):
        results.append(
            evaluate_question(
                index, gold, threshold=threshold, filters=filters, mode=mode, locator=locator, params=params
            )
        )
        if progress:
            progress(number, len(questions), gold.id)
    metrics, abstention, verbatim, extracts = score(results)
    return EvalResult(
        name,
        threshold,
        mode,
        results,
        metrics,
        abstention,
        verbatim,
        extracts,
        time.perf_counter() - started,
        replace(params, threshold=threshold).to_dict(),
    )
