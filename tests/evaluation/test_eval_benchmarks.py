"""Minutes-long benchmarks: the State Department gold set and BEIR SciFact (run with ``pytest -m slow``).

Indexes are built once into ``$BRIEFING_EVAL_CACHE`` (default ``~/.cache/briefing``)
and reused by later runs: ~5 minutes each the first time on two cores.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, REPO, SCIFACT, STATE_DEPT

pytestmark = pytest.mark.slow

CACHE = Path(os.environ.get("BRIEFING_EVAL_CACHE", Path.home() / ".cache" / "briefing"))

# measured 2026-11-25 (hybrid 0.75 dense, threshold 0.37): recall@5 0.907, MRR@10 0.769,
# hit@1 0.512, hit@3 0.721, abstention F1 0.133; 2026-11-26 with the learned scorer and abstention
# model (issue 10; the set is one they were fitted on): recall@5 0.913, MRR@10 0.765, hit@1 0.581,
# hit@3 0.791, abstention F1 0.333. Floors are the older values minus a small margin.
STATE_DEPT_FLOORS = {
    "recall@5": 0.87,
    "mrr@10": 0.73,
    "hit@1": 0.48,
    "hit@3": 0.68,
    "abstention_f1": 0.10,
}
# Measured 2026-11-25: dense 0.684, lexical 0.674, hybrid 0.732 nDCG@10.  MTEB's single-vector
# all-MiniLM-L6-v2 figure is 0.645; ours is higher because abstracts are cut into 200-token
# passages (3.2 per abstract) scored by their best passage, where MTEB truncates at 256 tokens.
SCIFACT_DENSE_NDCG = 0.684
SCIFACT_PUBLISHED_DENSE = 0.645
SCIFACT_FLOORS = {"lexical": 0.65, "hybrid": 0.70}


@pytest.fixture(scope="module")
def state_dept_index(real_embedder):
    from briefing.index import build_index, load_index

    if not STATE_DEPT.exists():
        pytest.skip(f"{STATE_DEPT} is not available")
    home = CACHE / "state_dept"
    corpus = home / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    link = corpus / STATE_DEPT.name
    if not link.exists():
        link.symlink_to(STATE_DEPT)
    shutil.copyfile(CORPUS / "us-turkey-s400-article.md", corpus / "us-turkey-s400-article.md")
    build_index(corpus, home / "index", embedder=real_embedder, show_bar=False, log=lambda _: None)
    index = load_index(home / "index", embedder=real_embedder)
    yield index
    index.close()


def test_state_dept_gold_set(state_dept_index):
    from briefing.evaluation.gold import load_gold
    from briefing.evaluation.runner import evaluate

    result = evaluate(state_dept_index, load_gold(REPO / "eval" / "gold" / "state_dept.jsonl"), name="state_dept")
    summary = result.summary()
    assert result.unlocated() == []
    assert result.verbatim == 1.0
    for metric, floor in STATE_DEPT_FLOORS.items():
        assert summary[metric] >= floor, f"{metric} fell to {summary[metric]:.3f} (floor {floor})"


@pytest.fixture(scope="module")
def scifact(real_embedder):
    from briefing.evaluation.beir import load_beir, prepare_index

    if not (SCIFACT / "corpus.jsonl").exists():
        pytest.skip(f"{SCIFACT} is not available")
    index = prepare_index(SCIFACT, cache=CACHE / "beir", embedder=real_embedder, log=lambda _: None)
    yield index, load_beir(SCIFACT, "test")
    index.close()


def test_scifact_dense_matches_the_published_figure(scifact):
    from briefing.evaluation.beir import evaluate_beir

    index, dataset = scifact
    [result], _ = evaluate_beir(index, dataset, ["dense"])
    assert len(dataset.queries) == 300
    assert result.means()["ndcg@10"] == pytest.approx(SCIFACT_DENSE_NDCG, abs=0.02)
    assert result.means()["ndcg@10"] >= SCIFACT_PUBLISHED_DENSE - 0.02
    assert result.means()["recall@100"] > 0.85


@pytest.mark.parametrize("mode", sorted(SCIFACT_FLOORS))
def test_scifact_lexical_and_hybrid(scifact, mode):
    from briefing.evaluation.beir import evaluate_beir

    index, dataset = scifact
    [result], _ = evaluate_beir(index, dataset, [mode])
    assert result.means()["ndcg@10"] >= SCIFACT_FLOORS[mode]


def test_s400_change_question_is_a_dated_timeline(state_dept_index):
    """The issue's acceptance question: statements from at least three dates, oldest first."""
    from briefing.answer import answer
    from briefing.answer.timeline import date_order

    reply = answer(state_dept_index, "Did the US position on Turkey's S-400 purchase change?", top=8)
    assert reply.timeline and not reply.abstained
    dates = [e.date for e in reply.extracts]
    assert len({d for d in dates if d}) >= 3, dates
    assert dates == sorted(dates, key=date_order)  # a year-only document after the days of its year
    assert "Statements in date order:" in reply.answer  # after the evidence label
    for extract in reply.extracts:
        text = state_dept_index.store.document(extract.doc_id).text
        assert text[extract.char_start : extract.char_end] == extract.text


def test_transcript_extracts_carry_speakers(state_dept_index):
    from briefing.answer import answer

    reply = answer(state_dept_index, "What reasons did Ned Price give for why the Russian S-400s are a problem?")
    assert not reply.abstained
    assert any(e.speaker == "MR PRICE" for e in reply.extracts), [(e.speaker, e.text[:60]) for e in reply.extracts]
