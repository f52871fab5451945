"""The shipped gold set against the real index: what users run, with regression floors.

The floors are the values measured with all-MiniLM-L6-v2 on the shipped corpus
(hybrid retrieval, the default abstention threshold; see docs/eval/report.md),
minus a small margin.  Raise them when the pipeline gets better.
"""

from __future__ import annotations

import pytest
from conftest import REPO

from briefing.answer import DEFAULT_THRESHOLD
from briefing.evaluation.gold import EvidenceLocator, load_gold, quotes_overlapped
from briefing.evaluation.runner import evaluate

SEED_GOLD = REPO / "eval" / "gold" / "seed.jsonl"

# measured 2026-11-26 19:10 with the learned scorer, the abstention model and the fact check (issue
# 10; the seed set is one of the sets the models were fitted on, so answers here are in-sample; out of
# fold, see the closing notes) (`briefing eval --questions eval/gold/seed.jsonl --index IDX --baseline
# all --json`): recall@5 1.000, MRR@10 0.872, hit@1 0.692, hit@3 0.885, abstention recall 0.667 at
# false abstention 0.0 (most of it the fact check's: the count, sum, date, actor's words or figure asked
# for is in no extract), verbatim 1.0. Before issue 10 (cosine blend, threshold 0.37): hit@1 0.462, hit@3
# 0.692, abstention recall 0.20 at false abstention 0.115. Measured 2026-12-06 (issue 23's abstention,
# fitted on seven qa-train domains besides the gold sets, and issue 24's timelines): hit@1 0.731, hit@3
# 0.808, abstention recall 0.600 at false abstention 0.0.
FLOORS = {
    "recall@5": 0.95,
    "mrr@10": 0.85,
    "hit@1": 0.65,
    "hit@3": 0.80,  # 0.808 since issue 24: a timeline shows one statement per date (the seed article has one)
    "abstention_recall": 0.55,
}
CEILINGS = {"false_abstention": 0.1}


@pytest.fixture(scope="module")
def seed_result(seed_index):
    return evaluate(seed_index, load_gold(SEED_GOLD), name="seed")


def test_every_gold_quote_is_in_the_shipped_corpus(seed_index):
    locator = EvidenceLocator(seed_index)
    for question in load_gold(SEED_GOLD):
        spans, missing = locator.locate(question)
        assert not missing, f"{question.id}: quotes {missing} not found"
        for span in spans:
            text = locator.text(span.doc_id)
            assert text[span.char_start : span.char_end] == question.evidence[span.quote].quote


@pytest.mark.parametrize("metric", sorted(CEILINGS))
def test_seed_metric_stays_below_its_ceiling(seed_result, metric):
    value = seed_result.summary()[metric]
    assert value <= CEILINGS[metric], f"{metric} rose to {value:.3f} (ceiling {CEILINGS[metric]})"


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_seed_metric_does_not_regress(seed_result, metric):
    value = seed_result.summary()[metric]
    assert value >= FLOORS[metric], f"{metric} fell to {value:.3f} (floor {FLOORS[metric]})"


def test_every_extract_is_verbatim(seed_result):
    assert seed_result.extracts > 0
    assert seed_result.verbatim == 1.0
    assert all(e["verbatim"] for q in seed_result.questions for e in q.extracts)


def test_per_question_breakdown_is_consistent(seed_result, seed_index):
    assert seed_result.threshold == DEFAULT_THRESHOLD
    assert len(seed_result.questions) == 41
    for question in seed_result.questions:
        if not question.answerable:
            assert question.passages == [] and question.quotes == 0
            continue
        assert question.relevant_passages >= 1
        # the quotes recorded per passage are the ones its span really overlaps
        spans, _ = EvidenceLocator(seed_index).locate(next(g for g in load_gold(SEED_GOLD) if g.id == question.id))
        stored = seed_index.store.passages(p["passage_id"] for p in question.passages)
        for row in question.passages:
            passage = stored[row["passage_id"]]
            assert (
                sorted(quotes_overlapped(spans, passage.doc_id, passage.char_start, passage.char_end)) == row["quotes"]
            )
        if question.abstained:
            assert question.extracts == []
    per_query = seed_result.metrics["recall@5"].per_query
    assert seed_result.summary()["recall@5"] == pytest.approx(round(sum(per_query.values()) / len(per_query), 4))


def test_json_shape(seed_result):
    data = seed_result.to_dict()
    assert data["kinds"] == {"answerable": 20, "change": 6, "unanswerable": 15}
    assert data["unlocated_evidence"] == []
    assert set(data["metrics"]) >= {
        "recall@1",
        "recall@3",
        "recall@5",
        "recall@10",
        "mrr@10",
        "ndcg@10",
        "hit@1",
        "hit@3",
        "abstention_precision",
        "abstention_recall",
        "abstention_f1",
        "verbatim_rate",
    }
    assert len(data["per_question"]) == 41
