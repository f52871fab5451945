"""Evaluating an index on a gold set: the retrieval stage and the answers.

For every question it runs retrieval as :func:`briefing.answer.answer` does
(hybrid, under the explicit filters or the one date range the question states)
and the answer itself, then scores both against the gold quotes:

* retrieval, passage level, over the top 10 passages: recall@1/3/5/10 (share of
  the question's gold quotes that the top k passages overlap), MRR@10 and
  nDCG@10 (a passage is relevant when it overlaps a gold quote; the ideal
  ranking holds every such passage of the index);
* answers: extract hit@1 and hit@3 (one of the first k extracts overlaps a gold
  quote, or with ``hit="contain"`` holds a whole gold span, as SQuAD answers are
  scored; an abstention is a miss), abstention precision/recall/F1 (positive
  class: an unanswerable question that abstained), false abstention (share of
  answerable questions that abstained) and the verbatim rate.

With ``hit="contain"`` the results also carry ``hit@k_anywhere``: a gold answer
string anywhere in the extract's text, whichever document (how
``../shared/MEASURED.md`` counted).  :func:`evaluate_baseline` scores a plain
baseline (:mod:`.baselines`) on the same questions and index with the same rules.

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
from ..answer.decide import abstention_reason
from ..answer.retrieve import retrieve
from ..answer.scorer import model_files
from .baselines import BASELINE_DENSE_WEIGHT, SentenceBank, baseline_extracts
from .gold import EvidenceLocator, GoldQuestion, Span, on_gold_subject, quotes_contained, quotes_overlapped
from .metrics import (
    AbstentionScores,
    MetricResult,
    Timeline,
    abstention_scores,
    change_metrics,
    coverage_recall_at_k,
    hit_at_k,
    mrr_at_k,
    ndcg_at_k,
    verbatim_rate,
    verbatim_share,
)
from .qa import qa_hit

RECALL_KS = (1, 3, 5, 10)
RETRIEVAL_DEPTH = 10
NO_SCORE = float("-inf")  # the best-extract score of a question without any candidate sentence
HIT_RULES = ("overlap", "contain", "qa")
RETRIEVAL_METRICS = tuple(f"recall@{k}" for k in RECALL_KS) + ("mrr@10", "ndcg@10")
COUNT_METRICS = ("strong_off_subject",)  # reported as a count of questions, not a mean


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
    gold_dates: list[str] = field(default_factory=list)  # change questions: the dates of the gold quotes' documents
    abstained_by: str | None = None  # why it abstained (answer.decide.abstention_reason)
    subject_terms: list[list[str]] = field(default_factory=list)  # change questions: the gold subject's term groups
    strength: str | None = None  # the answer's evidence label: strong or partial

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
            **({"gold_dates": self.gold_dates} if self.gold_dates else {}),
            **({"abstained_by": self.abstained_by} if self.abstained_by else {}),
            **({"strength": self.strength} if self.strength else {}),
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
    system: str = "briefing"  # "briefing", or the name of a baseline
    hit_rule: str = "overlap"
    baselines: list[EvalResult] = field(default_factory=list)  # baselines run on the same questions and index
    answer_models: list[dict] = field(default_factory=list)  # file, sha256 of the answer model files
    settings: dict = field(default_factory=dict)  # how a baseline was run (weight, sentences, vectors)

    @property
    def retrieval(self) -> bool:
        """Were passages retrieved and scored (the system), or only extracts (a baseline)?"""
        return self.system == "briefing"

    def summary(self) -> dict[str, float]:
        """Metric name -> mean, the shape of ``briefing eval --json``'s ``metrics``.

        A baseline retrieves no passages, so it has no retrieval metrics.
        """
        out = {
            name: (int(sum(result.per_query.values())) if name in COUNT_METRICS else round(result.mean, 4))
            for name, result in self.metrics.items()
            if name != "verbatim" and (self.retrieval or name not in RETRIEVAL_METRICS)
        }
        out.update(
            {
                "abstention_precision": round(self.abstention.precision, 4),
                "abstention_recall": round(self.abstention.recall, 4),
                "abstention_f1": round(self.abstention.f1, 4),
                "false_abstention": round(self.abstention.false_positive_rate, 4),
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
        if not self.retrieval:
            return {
                "system": self.system,
                "metrics": self.summary(),
                "abstention": self.abstention.to_dict(),
                "extracts": self.extracts,
                "settings": self.settings,
                "seconds": round(self.seconds, 2),
            }
        return {
            "gold_set": self.name,
            "system": self.system,
            "mode": self.mode,
            "threshold": self.threshold,
            "hit_rule": self.hit_rule,
            "questions": len(self.questions),
            "kinds": kinds,
            "extracts": self.extracts,
            "metrics": self.summary(),
            "baselines": {b.system: b.to_dict() for b in self.baselines},
            "abstention": self.abstention.to_dict(),
            "unlocated_evidence": [f"{qid} quote {n}" for qid, n in self.unlocated()],
            "seconds": round(self.seconds, 2),
            "params": self.params,
            "answer_models": self.answer_models,
            "per_question": [q.to_dict() for q in self.questions],
        }


def _answer_at(index, question: str, threshold: float, filters, mode: str, params: AnswerParams = DEFAULT_PARAMS):
    """The bot's answer at ``threshold`` (None when it abstains), the question's answerability
    (what the threshold is compared with) and why it abstained (:func:`abstention_reason`: None
    when it answered).

    Retrieval runs once (:func:`briefing.answer.gather`); the decision is then taken at
    ``threshold`` exactly as ``answer()`` takes it.
    """
    evidence = gather(index, question, filters=filters, mode=mode, params=params)
    if threshold == params.threshold:  # the bot's own cut, calibrated for this index
        threshold = evidence.threshold
    best = evidence.answerability if evidence.candidates else NO_SCORE
    reply = decide(evidence, threshold=threshold)
    if reply.abstained:  # why, asked again only for the silences (the decision runs once per answer)
        return None, best, abstention_reason(evidence, threshold=threshold)
    return reply, best, None


def extract_row(
    gold: GoldQuestion,
    spans: list[Span],
    source: str,
    doc_id: str,
    char_start: int,
    char_end: int,
    text: str,
    score: float,
    *,
    hit: str = "overlap",
) -> dict:
    """One scored extract: its span, whether it hits a gold quote (by ``hit``) and is verbatim."""
    rule = {"contain": quotes_contained, "qa": qa_hit}.get(hit, quotes_overlapped)
    row = {
        "doc_id": doc_id,
        "char_start": char_start,
        "char_end": char_end,
        "score": round(float(score), 4),
        "text": text,
        "hit": bool(rule(spans, doc_id, char_start, char_end)),
        "verbatim": text == source[char_start:char_end],
    }
    if hit == "contain":
        row["hit_anywhere"] = any(evidence.quote in text for evidence in gold.evidence)
    return row


def evaluate_question(
    index,
    gold: GoldQuestion,
    *,
    threshold: float,
    filters=None,
    mode: str = "hybrid",
    locator: EvidenceLocator | None = None,
    params: AnswerParams = DEFAULT_PARAMS,
    hit: str = "overlap",
) -> QuestionResult:
    """Retrieve, answer and score one gold question (see the module docstring)."""
    if hit not in HIT_RULES:
        raise ValueError(f"hit must be one of {', '.join(HIT_RULES)}")
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
        applied = applied_filters(gold.question, filters, index.dated)
        hits = retrieve(index, gold.question, k=RETRIEVAL_DEPTH, filters=applied, mode=mode)
        passages = index.store.passages(found.passage_id for found in hits)
        for found in hits:
            passage = passages[found.passage_id]
            covered = quotes_overlapped(spans, passage.doc_id, passage.char_start, passage.char_end)
            result.passages.append(
                {
                    "passage_id": found.passage_id,
                    "doc_id": found.doc_id,
                    "score": round(float(found.score), 4),
                    "quotes": sorted(covered),
                }
            )
    reply, best, reason = _answer_at(index, gold.question, threshold, filters, mode, params)
    result.best_score = best
    result.abstained = reply is None
    result.abstained_by = reason
    result.strength = None if reply is None else reply.strength
    _change_gold(index, gold, spans, result)
    if not result.abstained:
        for extract in reply.extracts:
            result.extracts.append(
                extract_row(
                    gold,
                    spans,
                    locator.text(extract.doc_id) or "",
                    extract.doc_id,
                    extract.char_start,
                    extract.char_end,
                    extract.text,
                    extract.score,
                    hit=hit,
                )
                | {"date": extract.date}
            )
    result.seconds = time.perf_counter() - started
    return result


def _change_gold(index, gold: GoldQuestion, spans: list[Span], result: QuestionResult) -> None:
    """A change question's gold dates (the evidence's own dates, else its documents') and subject."""
    if gold.kind != "change":
        return
    stated = {e.date for e in gold.evidence if e.date}
    if stated:
        result.gold_dates = sorted(stated)
    else:
        documents = {doc_id: index.store.document(doc_id) for doc_id in {span.doc_id for span in spans}}
        result.gold_dates = sorted({d.date for d in documents.values() if d is not None and d.date})
    result.subject_terms = [list(group) for group in gold.subject_terms]


def score(
    questions: list[QuestionResult], *, hit: str = "overlap"
) -> tuple[dict[str, MetricResult], AbstentionScores, float, int]:
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
    if hit == "contain":
        anywhere = {q.id: [e.get("hit_anywhere", False) for e in q.extracts] for q in answerable}
        for k in (1, 3):
            metrics[f"hit@{k}_anywhere"] = MetricResult(f"hit@{k}_anywhere", hit_at_k(anywhere, k).per_query)
    timelines = {
        q.id: len({e.get("date") for e in q.extracts if e["hit"]} & set(q.gold_dates)) / len(q.gold_dates)
        for q in answerable
        if q.gold_dates
    }
    if timelines:
        metrics["timeline_dates"] = MetricResult("timeline_dates", timelines)
    changes = {
        q.id: Timeline(
            [e["text"] for e in q.extracts],
            [e.get("date") for e in q.extracts],
            q.strength,
            q.subject_terms,
            q.gold_dates,
        )
        for q in questions
        if q.kind == "change"
    }
    metrics.update(change_metrics(changes, on_gold_subject))
    shown = {q.id: float(len(q.extracts)) for q in questions if q.extracts}
    if shown:
        metrics["extracts_per_answer"] = MetricResult("extracts_per_answer", shown)
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
    hit: str = "overlap",
) -> EvalResult:
    """Evaluate ``index`` on a gold set; returns metrics and the per-question breakdown.

    ``threshold`` defaults to ``params.threshold``; the result records ``params``.  Quotes
    that occur in no document are reported in ``EvalResult.unlocated()`` and
    left out of recall (a gold-set or corpus problem, not a retrieval one).
    ``hit`` is ``overlap`` (gold sets), ``contain`` (SQuAD; see the module docstring) or ``qa``
    (qa-train files: :func:`.qa.qa_hit`).
    """
    threshold = params.threshold if threshold is None else threshold
    started = time.perf_counter()
    locator = EvidenceLocator(index)
    results = []
    for number, gold in enumerate(questions, start=1):
        results.append(
            evaluate_question(
                index, gold, threshold=threshold, filters=filters, mode=mode, locator=locator, params=params, hit=hit
            )
        )
        if progress:
            progress(number, len(questions), gold.id)
    metrics, abstention, verbatim, extracts = score(results, hit=hit)
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
        hit_rule=hit,
        answer_models=[{"file": name, "sha256": digest} for name, digest in model_files().items()],
    )


def evaluate_baseline(
    index,
    questions: list[GoldQuestion],
    baseline: str,
    *,
    bank: SentenceBank | None = None,
    name: str = "gold",
    hit: str = "overlap",
    dense_weight: float = BASELINE_DENSE_WEIGHT,
    vectors: dict[str, object] | None = None,
) -> EvalResult:
    """Score a plain baseline (:mod:`.baselines`) on a gold set: extracts only, it never abstains.

    ``bank`` (every sentence of the index, built when not given) and ``vectors``
    (question -> vector) can be shared between baselines.
    """
    if hit not in HIT_RULES:
        raise ValueError(f"hit must be one of {', '.join(HIT_RULES)}")
    started = time.perf_counter()
    bank = bank or SentenceBank(index)
    vectors = {} if vectors is None else vectors
    locator = EvidenceLocator(index)
    results = []
    dates: dict[str, str | None] = {}
    for gold in questions:
        began = time.perf_counter()
        spans, unlocated = locator.locate(gold)
        result = QuestionResult(gold.id, gold.kind, gold.question, len(gold.evidence), unlocated)
        if gold.question not in vectors:
            vectors[gold.question] = index.encode_query(gold.question)
        _change_gold(index, gold, spans, result)
        for item in baseline_extracts(bank, baseline, gold.question, vectors[gold.question], dense_weight=dense_weight):
            if item["doc_id"] not in dates:
                document = index.store.document(item["doc_id"])
                dates[item["doc_id"]] = document.date if document else None
            result.extracts.append(
                extract_row(
                    gold,
                    spans,
                    locator.text(item["doc_id"]) or "",
                    item["doc_id"],
                    item["char_start"],
                    item["char_end"],
                    item["text"],
                    item["score"],
                    hit=hit,
                )
                | {"date": dates[item["doc_id"]]}
            )
        result.best_score = result.extracts[0]["score"] if result.extracts else NO_SCORE
        result.abstained = False  # a baseline has no threshold: it always answers
        result.seconds = time.perf_counter() - began
        results.append(result)
    metrics, abstention, verbatim, extracts = score(results, hit=hit)
    settings = {"sentences": len(bank), "vectors": bank.source, "top": len(results[0].extracts) if results else 0}
    if baseline == "hybrid-sentence":
        settings["dense_weight"] = dense_weight
    return EvalResult(
        name,
        -1.0,
        baseline,
        results,
        metrics,
        abstention,
        verbatim,
        extracts,
        time.perf_counter() - started,
        system=baseline,
        hit_rule=hit,
        settings=settings,
    )
