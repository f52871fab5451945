"""The training script's choice of the global abstention cut (scripts/train_answer_models.py)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import FakeEmbedder, load_script

from briefing.index import build_index

# Minutes of real processes (issue 26): out of the default run, in CI (`.ci/run`, `-m integration`).
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def script():
    return load_script("train_answer_models")


def _questions(script, name, answerable_probabilities, unanswerable_probabilities):
    out = []
    for number, p in enumerate(answerable_probabilities + unanswerable_probabilities):
        answerable = number < len(answerable_probabilities)
        out.append(
            (
                script.Question(
                    name, f"{name}-{number}", f"{name}-{number}", answerable, np.zeros((0, 1)), np.zeros(0, bool), 0.0
                ),
                p,
            )
        )
    return out


def test_the_cut_is_calibrated_on_the_sets_given(script):
    # "small": its answerable questions score high, so over every set the cut must stay high;
    # over "large" alone it can come down to where "large" abstains on its unanswerable ones.
    pairs = _questions(script, "large", [0.1] * 10, [0.6] * 5) + _questions(script, "small", [0.5] * 10, [])
    questions = [q for q, _ in pairs]
    probabilities = np.array([p for _, p in pairs])
    over_all = script._threshold_for(probabilities, questions, 0.1)
    over_large = script._threshold_for(probabilities, questions, 0.1, {"large"})
    assert over_large == pytest.approx(0.5) and over_all == pytest.approx(0.6)


def test_large_index_sets_reads_each_index_size(script, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(3):
        (corpus / f"doc{number}.md").write_text(f"Paragraph {number} of a short corpus.")
    build_index(corpus, tmp_path / "index", embedder=FakeEmbedder(), show_bar=False, log=lambda _: None)
    monkeypatch.setattr(script, "AnswerParams", lambda: SimpleNamespace(small_index_passages=3))
    assert script.large_index_sets([("three", tmp_path / "index"), ("none", tmp_path / "missing")]) == {"three"}
    monkeypatch.setattr(script, "AnswerParams", lambda: SimpleNamespace(small_index_passages=4))
    assert script.large_index_sets([("three", tmp_path / "index")]) == set()
