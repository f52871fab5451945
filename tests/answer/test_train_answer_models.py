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


def test_domains_of_a_set_name(script):
    domains = ["covid-qa", "qed-nq"]
    assert script.domains_of("covid-qa", domains) == {"covid-qa"}
    assert script.domains_of("covid-qa:near-miss", domains) == {"covid-qa"}
    assert script.domains_of("offtopic:covid-qa->qed-nq", domains) == {"covid-qa", "qed-nq"}
    assert script.domains_of("state_dept", domains) == {script.BRIEFINGS}
    assert script.domains_of("offtopic:qed-nq->demo", domains) == {"qed-nq", script.BRIEFINGS}


def _synthetic(script, name: str, answerable: bool, rng, number: int):
    """A question whose right candidate (answerable) stands out on s_cos and cov_s."""
    from briefing.answer.features import FEATURES

    rows = rng.normal(0.0, 0.1, size=(6, len(FEATURES)))
    labels = np.zeros(6, bool)
    if answerable:
        rows[2, FEATURES.index("s_cos")] += 1.0
        rows[2, FEATURES.index("cov_s")] += 1.0
        labels[2] = True
    else:
        rows[:, FEATURES.index("s_cos")] -= 0.5
    return script.Question(name, f"{name}-{number}", f"{name}-{number}", answerable, rows, labels, 0.0)


def test_leave_one_domain_out_never_trains_on_the_domain_it_reports(script, monkeypatch):
    rng = np.random.default_rng(3)
    questions = []
    for name in ("alpha", "beta", "gamma"):
        questions += [_synthetic(script, name, True, rng, n) for n in range(30)]
        questions += [_synthetic(script, f"{name}:near-miss", False, rng, n) for n in range(30)]
    questions += [_synthetic(script, "seed", n < 30, rng, n) for n in range(45)]  # a gold set: both kinds
    questions += [_synthetic(script, "offtopic:alpha->beta", False, rng, n) for n in range(10)]
    seen = []
    fit = script.fit_models

    def recording(train, use_match, refit_ranking, domains):
        seen.append({q.set for q in train})
        return fit(train, use_match, refit_ranking, domains)

    monkeypatch.setattr(script, "fit_models", recording)
    rows = script.leave_one_domain_out(questions, ["alpha", "beta", "gamma"], False, None, refit_ranking=True)
    assert [row["domain"] for row in rows] == ["alpha", "beta", "gamma", "seed"]
    assert not any("alpha" in name for name in seen[0])  # alpha, its near-miss copy, its off-topic questions
    assert "offtopic:alpha->beta" not in seen[1] and "seed" not in seen[3]
    for row in rows:
        assert row["hit@1"] == 1.0 and row["false_abstention"] <= 0.2 and row["abstention"] >= 0.8
        assert row["strong_precision"] in (None, 1.0)  # every first extract right: a constant strong model
    assert "| domain |" in script.markdown_table(rows)


def test_cross_fitted_scores_come_from_a_ranking_fitted_without_the_questions_domains(script, monkeypatch):
    """With --refit-ranking the abstention and strong models learn from ranking scores as an unseen
    domain gets them: each question is scored by a ranking fitted without any of its domains."""
    rng = np.random.default_rng(5)
    questions = []
    for name in ("alpha", "beta", "gamma"):
        questions += [_synthetic(script, name, True, rng, n) for n in range(12)]
        questions += [_synthetic(script, f"{name}:near-miss", False, rng, n) for n in range(12)]
    questions += [_synthetic(script, "offtopic:alpha->beta", False, rng, n) for n in range(5)]
    fitted, real = [], script.fit_ranking

    def recording(train, use_match):
        fitted.append(tuple(sorted({q.set for q in train})))
        return real(train, use_match)

    monkeypatch.setattr(script, "fit_ranking", recording)
    script.cross_fitted(questions, False, lambda q: script.domains_of(q.set, ["alpha", "beta", "gamma"]))
    assert sorted(fitted) == [
        ("alpha", "alpha:near-miss", "beta", "beta:near-miss", "offtopic:alpha->beta"),  # for gamma
        ("alpha", "alpha:near-miss", "gamma", "gamma:near-miss"),  # for beta
        ("beta", "beta:near-miss", "gamma", "gamma:near-miss"),  # for alpha
        ("gamma", "gamma:near-miss"),  # for the questions of alpha asked of beta
    ]
    assert all(len(q.oof) == len(q.rows) and len(q.stage1) == len(q.rows) for q in questions)


def test_the_abstention_cut_reads_each_domain_as_a_model_fitted_without_it_scores_it(script):
    rng = np.random.default_rng(7)
    questions = []
    for name in ("alpha", "beta", "gamma"):
        questions += [_synthetic(script, name, True, rng, n) for n in range(12)]
        questions += [_synthetic(script, f"{name}:near-miss", False, rng, n) for n in range(12)]
    script.cross_fitted(questions, False, lambda q: {q.set.split(":")[0]})
    rows, labels = script._question_rows(questions), np.array([not q.answerable for q in questions])
    unseen = script._unseen_domain_probabilities(questions, rows, labels, lambda q: {q.set.split(":")[0]})
    beta = np.array([q.set.startswith("beta") for q in questions])
    others = [q for q, inside in zip(questions, beta) if not inside]
    without_beta = script._fit(rows[~beta], labels[~beta], script.ABSTENTION_FEATURES, script._set_weights(others))
    assert np.allclose(unseen[beta], without_beta.probability(rows[beta]))
    in_sample = script._fit(rows, labels, script.ABSTENTION_FEATURES, script._set_weights(questions))
    assert not np.allclose(unseen[beta], in_sample.probability(rows[beta]))
