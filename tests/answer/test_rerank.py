"""The answer reranker: how the sentence scorer hands its best candidates to the cross-encoder,
and the shipped adapter itself (small, loadable, deterministic)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from briefing.answer import rerank as rerank_module
from briefing.answer import sentences
from briefing.answer.evidence import Evidence
from briefing.answer.features import FEATURES
from briefing.answer.params import AnswerParams
from briefing.answer.scorer import LinearModel
from briefing.answer.sentences import Candidate

COLUMN = {name: i for i, name in enumerate(FEATURES)}


class _FakeCrossEncoder:
    """Scores a text by its length and records what it was asked."""

    def __init__(self):
        self.seen: list[str] = []

    def scores(self, question, texts):
        self.seen += texts
        return np.array([float(len(t)) for t in texts])


def _combined() -> LinearModel:
    names = ("stage1", "rerank", "rel_rerank")
    return LinearModel(names, np.zeros(3), np.ones(3), np.array([0.0, 1.0, 0.0]), 0.0)


@pytest.fixture
def fake(monkeypatch):
    cross = _FakeCrossEncoder()
    monkeypatch.setattr(sentences, "reranker", lambda: cross)
    monkeypatch.setattr(sentences, "rerank_model", _combined)
    return cross


def test_only_the_best_candidates_are_reranked_and_the_rest_take_the_worst_logit(fake):
    texts = ["a" * 5, "b" * 50, "c" * 20, "d" * 90]
    first = np.array([3.0, 2.0, 1.0, -4.0])  # the sentence scorer's log-odds: d is last
    rows = np.zeros((4, len(FEATURES)), dtype=np.float32)
    probabilities = sentences.rerank("q?", texts, rows, first, AnswerParams(rerank_top=3))
    assert fake.seen == texts[:3]  # d never reaches the cross-encoder
    assert list(rows[:, COLUMN["stage1"]]) == list(first)
    assert list(rows[:, COLUMN["rerank"]]) == [5.0, 50.0, 20.0, 5.0]
    assert list(rows[:, COLUMN["rel_rerank"]]) == [-45.0, 0.0, -30.0, -45.0]
    assert np.argmax(probabilities) == 1  # the reranker's choice wins under these weights
    assert probabilities[3] == probabilities[0]


def test_without_the_reranker_scores_are_the_sentence_scorer_probabilities(fake):
    first = np.array([0.0, 2.0])
    rows = np.zeros((2, len(FEATURES)), dtype=np.float32)
    assert sentences.rerank("q?", ["x", "y"], rows, first, AnswerParams(rerank_top=0)) is None
    assert fake.seen == [] and rows[:, COLUMN["stage1"]].tolist() == first.tolist()
    assert rows[:, COLUMN["rerank"]].tolist() == [0.0, 0.0]


def test_the_reranker_is_off_unless_asked_for(monkeypatch, tmp_path):
    rerank_module.reranker.cache_clear()
    try:
        for value in ("", "off"):
            monkeypatch.setenv("BRIEFING_RERANKER", value)
            rerank_module.reranker.cache_clear()
            assert rerank_module.reranker() is None and rerank_module.reranker_fingerprint() == "off"
        monkeypatch.setenv("BRIEFING_RERANKER", "on")
        assert rerank_module._chosen_folder() == rerank_module.RERANKER_DIR
        assert rerank_module.reranker_fingerprint() != "off"
        monkeypatch.setenv("BRIEFING_RERANKER", str(tmp_path))  # another adapter's folder; empty here
        assert rerank_module._chosen_folder() == tmp_path and rerank_module.load_reranker(tmp_path) is None
    finally:
        rerank_module.reranker.cache_clear()


def test_abstention_reads_the_sentence_scorer_whatever_the_reranker_says():
    """The reranker reorders extracts; it must not move the abstention decision."""
    rng = np.random.default_rng(0)

    def candidate(score, first_score):
        return Candidate(
            "d", 0, 5, score, 0.5, None, None, None, features=rng.random(len(FEATURES)), first_score=first_score
        )

    def evidence(candidates):
        return Evidence("q?", "q?", None, False, candidates, {}, {}, None)

    reranked = [candidate(0.9, 0.2), candidate(0.1, 0.6)]
    plain = [replace(c, score=c.first_score) for c in reranked]
    assert evidence(reranked).answerability == evidence(plain).answerability
    assert evidence(reranked).best_score == 0.9  # extracts and their strength follow the reranker


def test_the_shipped_reranker_is_small_and_records_how_it_was_made():
    folder = rerank_module.RERANKER_DIR
    files = {path.name for path in folder.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "head.safetensors", "reranker.json"} <= files
    assert sum(path.stat().st_size for path in folder.iterdir()) < 3_000_000  # an adapter, never the model
    record = json.loads((folder / "reranker.json").read_text())
    assert "scripts/train_reranker.py" in record["trained_on"]["command"]
    assert record["validation"]["reranker_p@1"] > record["validation"]["chance"]


def test_the_shipped_reranker_loads_on_the_real_model_and_scores_deterministically():
    model = rerank_module.load_reranker()
    question = "Who will lead the US delegation to the talks in Geneva?"
    texts = ["Deputy Secretary Sherman will lead the delegation.", "The weather in Geneva is mild in January."]
    first, again = model.scores(question, texts), model.scores(question, texts)
    assert first.shape == (2,) and np.all(np.isfinite(first)) and np.allclose(first, again)
    assert model.scores(question, []).shape == (0,)


def test_with_the_reranker_on_answers_stay_verbatim_and_abstention_does_not_move(seed_index, monkeypatch):
    """The real path: the shipped adapter on the real model over a real index."""
    from briefing.answer import answer
    from briefing.answer.evidence import gather

    questions = [
        "Which sanctions law did Turkey's purchase of the S-400 trigger?",
        "What is the capital of Australia?",
    ]
    rerank_module.reranker.cache_clear()
    try:
        monkeypatch.setenv("BRIEFING_RERANKER", "off")
        off = [gather(seed_index, q).answerability for q in questions]
        monkeypatch.setenv("BRIEFING_RERANKER", "on")
        rerank_module.reranker.cache_clear()
        assert rerank_module.reranker() is not None
        on = [gather(seed_index, q).answerability for q in questions]
        assert on == pytest.approx(off)
        reply = answer(seed_index, questions[0])
        assert reply.extracts
        for extract in reply.extracts:
            text = seed_index.store.document(extract.doc_id).text
            assert text[extract.char_start : extract.char_end] == extract.text
    finally:
        rerank_module.reranker.cache_clear()
