"""Metrics on hand-made runs, cross-checked against pytrec_eval; calibration; gold-set loading."""

from __future__ import annotations

import doctest
import json
import math
import random

import pytest

from briefing.evaluation import calibration as calibration_module
from briefing.evaluation import metrics
from briefing.evaluation.calibration import calibrate
from briefing.evaluation.gold import GoldSetError, Span, load_gold, quotes_overlapped
from briefing.evaluation.metrics import (
    abstention_scores,
    coverage_recall_at_k,
    hit_at_k,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    spans_overlap,
    verbatim_rate,
)

pytrec_eval = pytest.importorskip("pytrec_eval")


def test_doctests_pass():
    for module in (metrics, calibration_module):
        failures, _ = doctest.testmod(module)
        assert failures == 0


# --- hand-made runs ---------------------------------------------------------------

RUN = {"q1": ["d3", "d1", "d7", "d2"], "q2": ["d9", "d8"], "q3": []}
QRELS = {"q1": {"d1": 1, "d2": 2, "d5": 1}, "q2": {"d9": 1}, "q3": {"d4": 1}, "q4": {"d1": 0}}


def test_recall_counts_relevant_items_in_the_top_k():
    result = recall_at_k(RUN, QRELS, 2)
    assert result.per_query == {"q1": pytest.approx(1 / 3), "q2": 1.0, "q3": 0.0}
    assert result.mean == pytest.approx((1 / 3 + 1 + 0) / 3)
    assert "q4" not in result.per_query  # no relevant item: not evaluated
    assert recall_at_k(RUN, QRELS, 4).per_query["q1"] == pytest.approx(2 / 3)


def test_mrr_is_the_first_relevant_rank_within_k():
    assert mrr_at_k(RUN, QRELS, 10).per_query == {"q1": 0.5, "q2": 1.0, "q3": 0.0}
    assert mrr_at_k(RUN, QRELS, 1).per_query["q1"] == 0.0


def test_ndcg_uses_graded_linear_gain():
    value = ndcg_at_k(RUN, QRELS, 10).per_query["q1"]
    dcg = 1 / math.log2(3) + 2 / math.log2(5)
    ideal = 2 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert value == pytest.approx(dcg / ideal)
    assert ndcg_at_k({"q": ["a"]}, {"q": {"a": 1}}, 10).per_query["q"] == 1.0


def test_missing_run_scores_zero_and_k_must_be_positive():
    assert recall_at_k({}, {"q": {"a": 1}}, 5).per_query == {"q": 0.0}
    with pytest.raises(ValueError, match="k must be at least 1"):
        ndcg_at_k(RUN, QRELS, 0)
    assert recall_at_k({}, {}, 3).mean == 0.0


def test_coverage_recall_counts_quotes_not_passages():
    covers = {"q": [frozenset(), frozenset({0}), frozenset({0}), frozenset({1, 2})]}
    assert coverage_recall_at_k(covers, {"q": 3}, 1).mean == 0.0
    assert coverage_recall_at_k(covers, {"q": 3}, 3).mean == pytest.approx(1 / 3)  # quote 0 twice counts once
    assert coverage_recall_at_k(covers, {"q": 3}, 4).mean == 1.0
    assert coverage_recall_at_k(covers, {"q": 0}, 4).per_query == {}


def test_hit_at_k_and_abstention_is_a_miss():
    flags = {"a": [False, True], "b": [], "c": [True]}
    assert hit_at_k(flags, 1).per_query == {"a": 0.0, "b": 0.0, "c": 1.0}
    assert hit_at_k(flags, 3).mean == pytest.approx(2 / 3)


def test_abstention_precision_recall_f1():
    unanswerable = {"u1": True, "u2": True, "a1": False, "a2": False, "a3": False}
    abstained = {"u1": True, "u2": False, "a1": True, "a2": False, "a3": False}
    scores = abstention_scores(abstained, unanswerable)
    assert (scores.true_positives, scores.false_positives, scores.false_negatives, scores.true_negatives) == (
        1,
        1,
        1,
        2,
    )
    assert scores.precision == 0.5 and scores.recall == 0.5 and scores.f1 == 0.5
    assert scores.false_positive_rate == pytest.approx(1 / 3)
    never = abstention_scores({}, {"u": True})
    assert never.precision == 1.0 and never.recall == 0.0 and never.f1 == 0.0


def test_verbatim_rate_and_overlap():
    rate = verbatim_rate({"q1": [("a", "a"), ("b", "c")], "q2": [("x", "x")], "q3": []})
    assert rate.per_query == {"q1": 0.5, "q2": 1.0}
    assert spans_overlap(0, 5, 4, 9) and not spans_overlap(0, 5, 5, 9)
    spans = [Span(0, "d", 10, 20), Span(1, "d", 30, 40), Span(2, "e", 0, 100)]
    assert quotes_overlapped(spans, "d", 15, 35) == {0, 1}
    assert quotes_overlapped(spans, "d", 20, 30) == frozenset()


# --- cross-check against pytrec_eval ------------------------------------------------


def _random_run(seed: int):
    rng = random.Random(seed)
    qrels, scored = {}, {}
    for q in range(40):
        qid = f"q{q}"
        docs = [f"d{d}" for d in range(60)]
        qrels[qid] = {d: rng.choice([1, 1, 2]) for d in rng.sample(docs, rng.randint(1, 6))}
        retrieved = rng.sample(docs, rng.randint(0, 40))
        # distinct scores, so the ranking is the same for both implementations
        scored[qid] = {d: float(len(retrieved) - i) + rng.random() * 0.5 for i, d in enumerate(retrieved)}
    return qrels, scored


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_agree_with_pytrec_eval(seed):
    qrels, scored = _random_run(seed)
    run = {qid: sorted(docs, key=lambda d: -docs[d]) for qid, docs in scored.items()}
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.5,10,100"})
    reference = evaluator.evaluate({qid: docs or {"none": 0.0} for qid, docs in scored.items()})
    cut = {qid: {d: docs[d] for d in run[qid][:10]} or {"none": 0.0} for qid, docs in scored.items()}
    reference_rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(cut)
    ndcg, rr = ndcg_at_k(run, qrels, 10), mrr_at_k(run, qrels, 10)
    for qid in qrels:
        assert ndcg.per_query[qid] == pytest.approx(reference[qid]["ndcg_cut_10"], abs=1e-9)
        assert rr.per_query[qid] == pytest.approx(reference_rr[qid]["recip_rank"], abs=1e-9)
        for k in (5, 10, 100):
            assert recall_at_k(run, qrels, k).per_query[qid] == pytest.approx(reference[qid][f"recall_{k}"], abs=1e-9)


def test_quote_recall_equals_pytrec_recall_when_each_passage_holds_one_quote():
    # With one quote per relevant passage, quote coverage is ordinary recall.
    qrels, scored = _random_run(7)
    run = {qid: sorted(docs, key=lambda d: -docs[d]) for qid, docs in scored.items()}
    numbers = {qid: {d: n for n, d in enumerate(sorted(rel))} for qid, rel in qrels.items()}
    covers = {
        qid: [frozenset({numbers[qid][d]}) if d in numbers[qid] else frozenset() for d in run[qid]] for qid in qrels
    }
    reference = pytrec_eval.RelevanceEvaluator(qrels, {"recall.5"}).evaluate(
        {qid: docs or {"none": 0.0} for qid, docs in scored.items()}
    )
    ours = coverage_recall_at_k(covers, {qid: len(rel) for qid, rel in qrels.items()}, 5)
    for qid in qrels:
        assert ours.per_query[qid] == pytest.approx(reference[qid]["recall_5"])


# --- calibration -------------------------------------------------------------------


def test_calibration_separates_when_it_can():
    scores = {"u1": 0.20, "u2": 0.25, "u3": -math.inf, "a1": 0.40, "a2": 0.55}
    labels = {"u1": True, "u2": True, "u3": True, "a1": False, "a2": False}
    result = calibrate(scores, labels)
    assert 0.25 < result.threshold < 0.40
    assert result.threshold == 0.325  # the middle of the gap
    assert result.best.f1 == 1.0 and result.best.answered == 1.0
    assert calibrate(scores, labels, objective="youden").threshold == 0.325
    assert result.auc == 1.0
    assert calibrate({"a": 0.5, "u": 0.5}, {"a": False, "u": True}).auc == 0.5


def test_calibration_tradeoff_table_is_monotone_in_answered():
    rng = random.Random(3)
    scores = {f"q{i}": rng.random() for i in range(30)}
    labels = {qid: rng.random() < 0.4 for qid in scores}
    result = calibrate(scores, labels)
    rows = result.table()
    answered = [row.answered for row in rows]
    assert answered == sorted(answered, reverse=True)
    assert max(row.f1 for row in result.curve) == pytest.approx(result.best.f1)
    assert any(row.threshold == result.threshold for row in rows)


def test_calibration_can_require_a_share_of_answered_questions():
    # unanswerable questions score as high as answerable ones: the F1 optimum abstains on everything
    scores = {"u1": 0.70, "u2": 0.68, "a1": 0.40, "a2": 0.60, "a3": 0.65, "a4": 0.55}
    labels = {qid: qid.startswith("u") for qid in scores}
    free = calibrate(scores, labels)
    assert free.best.answered < 0.5
    held = calibrate(scores, labels, min_answered=0.75)
    assert held.best.answered >= 0.75
    assert held.threshold < free.threshold
    assert held.to_dict()["min_answered"] == 0.75
    # more than reachable: the thresholds that answer the most are used
    assert calibrate({"a": -math.inf, "b": 0.3}, {"a": False, "b": True}, min_answered=1.0).best.answered == 0.0


def test_calibration_rejects_bad_input():
    with pytest.raises(ValueError, match="objective"):
        calibrate({"a": 0.1}, {"a": True}, objective="accuracy")
    with pytest.raises(ValueError, match="at least one"):
        calibrate({}, {})
    with pytest.raises(ValueError, match="min_answered"):
        calibrate({"a": 0.1}, {"a": True}, min_answered=1.5)


# --- gold sets -----------------------------------------------------------------------


def _write(tmp_path, lines):
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(line) if isinstance(line, dict) else line for line in lines))
    return path


def test_load_gold_reads_the_shipped_sets():
    from conftest import REPO

    for name in ("seed", "state_dept"):
        questions = load_gold(REPO / "eval" / "gold" / f"{name}.jsonl")
        assert {q.kind for q in questions} == {"answerable", "unanswerable", "change"}
        assert all(q.evidence for q in questions if q.answerable)


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "malformed JSON"),
        ({"id": "a", "question": "q?", "kind": "maybe"}, "kind 'maybe'"),
        ({"id": "a", "question": "q?", "kind": "answerable"}, "needs at least one evidence"),
        (
            {"id": "a", "question": "q?", "kind": "unanswerable", "evidence": [{"path": "x", "quote": "y"}]},
            "has no evidence",
        ),
        ({"id": "a", "question": "", "kind": "unanswerable"}, "non-empty 'question'"),
        ({"id": "a", "question": "q?", "kind": "answerable", "evidence": [{"path": "x"}]}, "non-empty 'quote'"),
    ],
)
def test_load_gold_names_the_bad_line(tmp_path, line, message):
    path = _write(tmp_path, [{"id": "ok", "question": "fine?", "kind": "unanswerable"}, line])
    with pytest.raises(GoldSetError, match=message) as error:
        load_gold(path)
    assert f"{path}:2" in str(error.value)


def test_load_gold_rejects_duplicates_and_empty_files(tmp_path):
    line = {"id": "a", "question": "q?", "kind": "unanswerable"}
    with pytest.raises(GoldSetError, match="duplicate id"):
        load_gold(_write(tmp_path, [line, line]))
    with pytest.raises(GoldSetError, match="no questions"):
        load_gold(_write(tmp_path, [""]))
