"""The word-by-word match stage (answer/token_match.py): unit cases over hashed word vectors, and
the real model telling the sentence that answers from the one that names the subject."""

import json
from dataclasses import replace

import numpy as np
import pytest
from conftest import FakeEmbedder, fake_index

from briefing.answer import answer
from briefing.answer.evidence import gather
from briefing.answer.features import FEATURES
from briefing.answer.params import AnswerParams
from briefing.answer.scorer import match_model
from briefing.answer.sentences import final_model
from briefing.answer.token_match import content_pieces, fill, match_scores

MATCH, RELATIVE = FEATURES.index("match"), FEATURES.index("rel_match")


def test_only_content_pieces_of_the_question_are_matched():
    tokens = ["what", "did", "the", "envoy", "travel", "in", "ka", "##bul", "?"]
    assert content_pieces(tokens).tolist() == [False, False, False, True, True, False, True, True, False]
    # a question of stop words only is matched on all its pieces rather than on none
    question = (["what", "is", "it"], np.eye(4)[:3])
    assert match_scores(question, [(["it", "is"], np.eye(4)[1:3])])[0] == pytest.approx(2 / 3)


def test_fill_reads_the_best_candidates_only_and_ranks_the_rest_below():
    embedder = FakeEmbedder()
    texts = [
        "The bombing at the airport was condemned.",
        "Nothing about it here.",
        "At least 185 people died in the bombing at the airport.",
    ]
    rows = np.zeros((3, len(FEATURES)), dtype=np.float32)
    first = np.array([2.0, 1.0, 0.5])
    question = "How many people died in the airport bombing?"
    assert fill(rows, first, question, texts, embedder, top=2)
    assert embedder.token_encoded == [question, texts[0], texts[1]]  # the question and the two best only
    assert rows[0, MATCH] > rows[1, MATCH]
    assert rows[2, MATCH] == rows[:2, MATCH].min()  # not read: the lowest score of those read
    assert rows[:, RELATIVE].max() == 0.0
    assert fill(rows, first, question, texts, embedder, top=3)
    assert rows[2, MATCH] > rows[0, MATCH]  # every question word finds its partner in the answer
    assert not fill(rows, first, question, texts, embedder, top=0)
    assert not fill(rows, first, question, texts, object(), top=3)  # an embedder without token embeddings


def test_the_real_model_matches_the_answer_better_than_the_sentence_naming_the_subject(real_embedder):
    question = "What are two basic primary resources used to gauge complexity?"
    texts = [
        "Computational complexity theory is a branch of the theory of computation.",
        "The most commonly used resources to measure complexity are time and storage.",
    ]
    encoded = real_embedder.encode_tokens([question] + texts)
    assert [t.startswith("[") for t in encoded[0][0]].count(True) == 0  # no [CLS] or [SEP]
    scores = match_scores(encoded[0], encoded[1:])
    assert scores[1] > scores[0]


def test_the_question_is_encoded_once_for_its_vector_and_its_word_pieces(real_embedder, monkeypatch):
    question = "Who did the Secretary meet in Ankara on Tuesday?"
    texts = ["The Secretary met Foreign Minister Cavusoglu in Ankara.", "The weather was fine."]
    real_embedder._query_tokens.clear()
    fresh = real_embedder.encode_tokens([question] + texts)  # the match stage's one batch, nothing kept
    vector = real_embedder.encode_query([question])[0]
    assert np.allclose(vector, real_embedder.encode([question])[0], atol=1e-6)  # the same vector as before
    encoded: list[list[str]] = []
    original = real_embedder.model.encode
    monkeypatch.setattr(
        real_embedder.model, "encode", lambda texts, **kw: encoded.append(list(texts)) or original(texts, **kw)
    )
    kept = real_embedder.encode_tokens([question] + texts)
    assert encoded == [texts]  # the question's word pieces come from the retrieval pass
    for (tokens, matrix), (fresh_tokens, fresh_matrix) in zip(kept, fresh):
        assert tokens == fresh_tokens
        assert np.allclose(matrix, fresh_matrix, atol=1e-5)


def test_candidates_take_the_match_scorers_probability_and_answers_stay_verbatim(tmp_path):
    index = fake_index(
        tmp_path,
        {
            "kabul.txt": "Terrorists attacked the airport in August. "
            "At least 185 people died in the airport bombing, the ministry said. "
            "The weather was fine that week.",
        },
    )
    question = "How many people died in the airport bombing?"
    on = gather(index, question, params=AnswerParams(threshold=-1.0)).candidates
    off = gather(index, question, params=AnswerParams(threshold=-1.0, match_top=0)).candidates
    assert len(on) == len(off) == 3
    assert all(c.score == c.first_score for c in off)  # the stage off: the sentence scorer's probability
    assert not any(c.features[MATCH] for c in off)
    assert max(c.features[MATCH] for c in on) > 0 and max(c.features[RELATIVE] for c in on) == 0.0
    assert all(c.score != c.first_score for c in on)  # the match scorer's probability
    assert match_model() is not None and final_model(AnswerParams()) is match_model()
    assert final_model(AnswerParams(match_top=0)) is not match_model()
    result = answer(index, question, params=AnswerParams(threshold=-1.0))
    assert "185" in result.extracts[0].text
    for extract in result.extracts:
        assert index.store.document(extract.doc_id).text[extract.char_start : extract.char_end] == extract.text


def test_the_second_stage_orders_the_extracts_but_the_floor_keeps_the_sentence_scorers_scale():
    """The match scorer's probabilities are more peaked than the sentence scorer's: the "worth
    reading" floor reads the latter, so the stage reorders extracts without hiding the rest."""
    from briefing.answer.decide import _worth_reading
    from briefing.answer.sentences import Candidate

    def candidate(start, score, first_score):
        return Candidate("d", start, start + 5, score, 0.5, None, None, None, first_score=first_score)

    promoted, second, third, far = (
        candidate(0, 0.9, 0.25),  # the match stage put it first although the sentence scorer had it third
        candidate(10, 0.3, 0.6),
        candidate(20, 0.2, 0.4),
        candidate(30, 0.1, 0.1),
    )
    shown = _worth_reading([promoted, second, third, far], AnswerParams(extract_ratio=0.5))
    assert shown == [promoted, second, third]  # a floor on score (0.45) would have shown the first alone
    assert _worth_reading([second, third, far], AnswerParams(extract_ratio=0.5)) == [second, third]


def test_strong_is_the_strong_models_call_on_the_best_extract(tmp_path, monkeypatch):
    """The label reads the strong model (P(the best extract answers), from the question's evidence)
    against its cut, not the first extract's probability against a fixed one."""
    from briefing.answer import scorer

    index = fake_index(
        tmp_path,
        {"kabul.txt": "Terrorists attacked the airport in August. At least 185 people died in the airport bombing."},
    )
    question = "How many people died in the airport bombing?"
    shipped = scorer.strong_model()
    assert shipped is not None and 0.0 < shipped.extra["strong_cut"] < 1.0
    evidence = gather(index, question, params=AnswerParams(threshold=-1.0))
    right = evidence.first_right
    assert right is not None and 0.0 < right < 1.0
    folder = tmp_path / "models"
    folder.mkdir()
    labels = {}
    for name, cut in (("below", right - 1e-6), ("above", right + 1e-6)):
        model = replace(shipped, extra={**shipped.extra, "strong_cut": cut})
        (folder / scorer.STRONG_MODEL.name).write_text(json.dumps(model.to_dict()), encoding="utf-8")
        monkeypatch.setenv("BRIEFING_ANSWER_MODELS", str(folder))
        scorer.strong_model.cache_clear()
        try:
            labels[name] = answer(index, question, params=AnswerParams(threshold=-1.0)).strength
        finally:
            monkeypatch.delenv("BRIEFING_ANSWER_MODELS")
            scorer.strong_model.cache_clear()
    assert labels == {"below": "strong", "above": "partial"}
