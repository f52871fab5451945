"""The learned answer models, their features, and how answers are rendered (no model needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from briefing import phrases
from briefing.answer.features import (
    FEATURES,
    QUESTION_FEATURES,
    Span,
    feature_rows,
    question_row,
    question_terms,
    unseen_names,
    unseen_share,
)
from briefing.answer.question import answer_type, holds_answer_type
from briefing.answer.render import render_markdown, render_text, shows_timeline
from briefing.answer.scorer import (
    ABSTENTION_MODEL,
    MATCH_MODEL,
    RERANK_MODEL,
    SENTENCE_MODEL,
    STRONG_MODEL,
    LinearModel,
    load_model,
    model_files,
)
from briefing.records import Extract

COLUMN = {name: i for i, name in enumerate(FEATURES)}


def _span(text: str, cosine: float, *, previous: str | None = None, question_turn: bool = False) -> Span:
    return Span(
        text=text,
        context=text,
        previous=previous,
        passage_text=text,
        cosine=cosine,
        previous_cosine=0.0,
        passage_dense=0.5,
        passage_fused=0.8,
        passage_rank=1,
        question_turn=question_turn,
        first=previous is None,
    )


def _frequency(words: dict[str, int]):
    return lambda term: words.get(term, 10)


# --- the models ---------------------------------------------------------------


def test_linear_model_round_trips_and_is_a_logistic_regression():
    model = LinearModel(("a", "b"), np.array([1.0, 0.0]), np.array([2.0, 1.0]), np.array([0.5, -1.0]), 0.25)
    again = LinearModel.from_dict(json.loads(json.dumps(model.to_dict())))
    rows = np.array([[3.0, 1.0], [1.0, 0.0]])
    expected = 1 / (1 + np.exp(-(np.array([0.5 * 1.0 - 1.0, 0.0]) + 0.25)))
    assert np.allclose(again.probability(rows), expected)


def test_a_model_file_with_missing_weights_is_refused():
    with pytest.raises(ValueError, match="one value per feature"):
        LinearModel.from_dict({"features": ["a", "b"], "mean": [0], "scale": [1, 1], "coef": [1, 1], "intercept": 0})


def test_shipped_models_match_the_features_the_code_computes():
    sentence, abstention = load_model(SENTENCE_MODEL), load_model(ABSTENTION_MODEL)
    assert sentence is not None and abstention is not None, "run scripts/train_answer_models.py"
    assert sentence.features and set(sentence.features) <= set(FEATURES)  # picked by name from the rows
    assert set(abstention.features) <= set(QUESTION_FEATURES)  # picked by name from the question's row
    assert 0.0 < abstention.extra["threshold"] < 1.0
    assert 0.0 < sentence.extra["strong_probability"] <= 1.0
    assert "scripts/train_answer_models.py" in sentence.extra["trained_on"]["command"]
    rerank = load_model(RERANK_MODEL)
    assert rerank is not None and rerank.features == ("stage1", "rerank", "rel_rerank")
    assert 0.0 < rerank.extra["strong_probability"] <= 1.0
    match = load_model(MATCH_MODEL)
    assert match is not None and match.features == ("stage1", "match", "rel_match")
    assert 0.0 < match.extra["strong_probability"] <= 1.0 and match.coef[1] > 0  # a better match scores higher
    assert {SENTENCE_MODEL.name, ABSTENTION_MODEL.name, RERANK_MODEL.name, MATCH_MODEL.name} <= set(model_files())
    assert "reranker/adapter_model.safetensors" in model_files()
    strong = load_model(STRONG_MODEL)
    assert strong is not None and strong.features == QUESTION_FEATURES  # read from the final scores' row
    assert 0.0 < strong.extra["strong_cut"] < 1.0 and strong.extra["target_precision"] >= 0.8
    assert strong.coef[strong.features.index("gap")] > 0  # a clearer lead over the second extract is stronger
    models = (SENTENCE_MODEL, ABSTENTION_MODEL, RERANK_MODEL, MATCH_MODEL, STRONG_MODEL)
    assert all(path.stat().st_size < 20_000 for path in models)


def test_features_mark_the_answer_beside_the_restated_question():
    """The failure pattern of the cosine blend: the sentence naming the subject beat the answer;
    the answer holds the count asked for and follows a sentence that covers the question."""
    question = "How many people died in the August 2021 bombing at Kabul airport?"
    terms = question_terms(question, _frequency({"kabul": 3, "airport": 5, "bombing": 4}), 1000)
    spans = [
        _span("On August 26, 2021, terrorists launched a suicide bombing against Kabul airport.", 0.74),
        _span(
            "At least 185 people were killed in the attack.",
            0.48,
            previous="On August 26, 2021, terrorists launched a suicide bombing against Kabul airport.",
        ),
    ]
    rows = feature_rows(terms, spans)
    assert rows[0, COLUMN["has_type"]] == 0.0 and rows[1, COLUMN["has_type"]] == 1.0
    assert rows[1, COLUMN["prev_cov"]] > 0.5 and rows[0, COLUMN["prev_cov"]] == 0.0


# --- features -----------------------------------------------------------------


def test_feature_rows_relative_columns_and_coverage():
    terms = question_terms("What did Price say about CAATSA sanctions?", _frequency({"caatsa": 2}), 1000)
    rows = feature_rows(
        terms,
        [_span("CAATSA sanctions were imposed.", 0.7), _span("The weather was fine.", 0.2, question_turn=True)],
    )
    assert rows.shape == (2, len(FEATURES))
    assert rows[0, COLUMN["rel_cos"]] == 0.0 and rows[1, COLUMN["rel_cos"]] == pytest.approx(-0.5)
    assert rows[0, COLUMN["bm25"]] == 1.0 and rows[1, COLUMN["bm25"]] == 0.0
    assert 0.5 < rows[0, COLUMN["cov_s"]] < 1.0 and rows[1, COLUMN["cov_s"]] == 0.0  # "Price" is missing
    assert rows[1, COLUMN["qturn"]] == 1.0
    assert feature_rows(terms, []).shape == (0, len(FEATURES))


def test_question_row_and_unseen_words():
    rows = np.zeros((3, len(FEATURES)))
    rows[:, COLUMN["s_cos"]] = [0.2, 0.9, 0.4]
    evidence = question_row(np.array([0.1, 0.7, 0.3]), rows, 0.5)
    values = dict(zip(QUESTION_FEATURES, evidence))
    assert values["top_cov_s"] == rows[1, COLUMN["cov_s"]] and values["max_match"] == 0.0
    assert values["top_prob"] == 0.7 and values["gap"] == pytest.approx(0.4)
    assert values["top_cos"] == pytest.approx(0.9) and values["unseen"] == 0.5
    empty = dict(zip(QUESTION_FEATURES, question_row(np.zeros(0), np.zeros((0, len(FEATURES))), 1.0)))
    assert empty["unseen"] == 1.0 and empty["top_prob"] == 0.0
    assert unseen_share("What did Andorra say about Turkey?", _frequency({"andorra": 0})) == 0.5


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many died in the attack?", "number"),
        ("When did the talks start?", "date"),
        ("Who succeeded Khalilzad as special representative?", "person"),
        ("Which official led the delegation?", "person"),
        ("Where will the ministers meet?", "place"),
        ("What did Price say about CAATSA?", None),
    ],
)
def test_answer_types(question, kind):
    assert answer_type(question) == kind


def test_answer_types_must_be_new_to_the_question():
    asked = "How many died in the August 2021 bombing?"
    assert not holds_answer_type("number", "On August 26, 2021, terrorists attacked.", asked)
    assert holds_answer_type("number", "At least 185 people were killed.", asked)
    assert holds_answer_type("date", "The talks began on March 4.", "When did the talks begin?")
    who = "Who succeeded Zalmay Khalilzad?"
    assert not holds_answer_type("person", "Zalmay Khalilzad travelled again.", who)
    assert holds_answer_type("person", "Thomas West led the delegation.", who)
    assert holds_answer_type(None, "anything", "What happened?")


# --- rendering ----------------------------------------------------------------


def _extract(citation: int, text: str, date: str | None, **kwargs) -> Extract:
    return Extract(
        citation=citation,
        text=text,
        doc_id=f"d{citation}",
        path=f"d{citation}.md",
        char_start=0,
        char_end=len(text),
        score=0.5,
        title=f"Title (no. {citation})",
        date=date,
        **kwargs,
    )


def test_one_caption_per_document_with_its_extracts_beneath():
    extracts = [
        _extract(1, "First quote.", "2021-06-10", speaker="MR PRICE"),
        _extract(1, "Second quote.", "2021-06-10", speaker="MR PRICE"),
        _extract(2, "Third quote.", "2022-03-21"),
    ]
    markdown = render_markdown(extracts, timeline=False, filters=None, strength="strong")
    assert markdown.startswith(phrases.STRENGTH["strong"])
    assert markdown.count("Title \\(no. 1\\)") == 1 and markdown.count("Title \\(no. 2\\)") == 1
    assert markdown.index("Title \\(no. 1\\)") < markdown.index("First quote.") < markdown.index("Second quote.")
    assert markdown.index("Second quote.") < markdown.index("Title \\(no. 2\\)") < markdown.index("Third quote.")


def test_timeline_header_only_when_dates_differ():
    same = [_extract(1, "A.", "2021"), _extract(1, "B.", "2021")]
    differ = [_extract(1, "A.", "2021"), _extract(2, "B.", "2022-03-21")]
    assert not shows_timeline(same, True) and shows_timeline(differ, True) and not shows_timeline(differ, False)
    assert phrases.TIMELINE_HEADER not in render_markdown(same, timeline=True, filters=None)
    assert phrases.TIMELINE_HEADER in render_markdown(differ, timeline=True, filters=None)


def test_plain_text_has_no_markdown_escapes():
    text = render_text([_extract(1, "The S-400 (a system) [sic].", "2021")], timeline=False, filters=None)
    assert "\\" not in text and "**" not in text and ">" not in text
    assert "Title (no. 1)" in text and "“The S-400 (a system) [sic].”" in text


def test_abstention_renders_the_fixed_phrase_only():
    assert render_markdown([], timeline=False, filters=None, strength="strong") == phrases.NO_ANSWER
    assert render_text([], timeline=True, filters=None) == phrases.NO_ANSWER


def test_strength_phrases_are_fixed():
    assert set(phrases.STRENGTH) == {"strong", "partial"}
    assert all(v.startswith("Evidence: ") for v in phrases.STRENGTH.values())
    assert phrases.strength_phrase("partial") == phrases.STRENGTH["partial"]


def test_citations_name_the_record_and_speakers_are_not_repeated():
    extract = Extract(
        citation=1,
        text="MR PRICE: — CAATSA imposes sanctions.",
        doc_id="state-dept-demo.jsonl#sdpr-00995",
        path="state-dept-demo.jsonl",
        char_start=0,
        char_end=38,
        score=0.5,
        speaker="MR PRICE",
    )
    text = render_text([extract], timeline=False, filters=None)
    assert "state-dept-demo.jsonl#sdpr-00995" in text
    assert text.count("MR PRICE") == 1


def test_names_the_corpus_never_mentions():
    frequency = _frequency({"andorra": 0, "state": 40, "department": 40})
    assert unseen_names("What did the State Department say about Andorra's elections?", frequency) == ("Andorra",)
    assert unseen_names("Andorra: what did the State Department say?", frequency) == ()  # the first word is not a name
    assert unseen_names("what about Turkey?", _frequency({"turkey": 3})) == ()
    # a name in parentheses glosses the words before it: the sources may write it out in full
    glossed = _frequency({"child": 9, "soldier": 9, "cspa": 0, "turkey": 9})
    assert unseen_names("Did Turkey stay on the child soldier (CSPA) list?", glossed) == ()
    assert unseen_names("Did Turkey stay on the CSPA list?", glossed) == ("CSPA",)
    # a typo of a name the index holds is forgiven when the index says it has a close word
    close = {"hatmanis"}.__contains__
    typo = _frequency({"hatmanis": 0, "andorra": 0})
    assert unseen_names("When was Hatmanis's paper received?", typo, close) == ()
    assert unseen_names("What about Andorra?", typo, close) == ("Andorra",)


def test_an_index_knows_words_spelt_almost_like_a_name(tmp_path):
    from conftest import fake_index

    index = fake_index(tmp_path, {"history.md": "Hartmanis and Stearns wrote the seminal paper. Andover is a town.\n"})
    assert index.has_close_word("hatmanis") and index.has_close_word("stearn")
    assert not index.has_close_word("andorra")  # "andov" is not close enough
    assert not index.has_close_word("stern")  # under six letters: never
    assert unseen_names("Who are Hatmanis and Andorra?", index.document_frequency, index.has_close_word) == ("Andorra",)


def test_offtopic_level_is_computed_once_per_index_generation(tmp_path):
    from types import SimpleNamespace

    from briefing.answer import calibration

    (tmp_path / "gen-1").mkdir()
    index = SimpleNamespace(dir=tmp_path, manifest=SimpleNamespace(generation="gen-1"))
    asked = []

    def answerability(question):
        asked.append(question)
        return 0.1

    assert calibration.offtopic_level(index, answerability) == pytest.approx(0.1)
    assert len(asked) == len(calibration.offtopic_questions()) > 0
    assert list((tmp_path / "gen-1").glob("calibration-*.json"))
    calibration._levels.clear()  # a new process: the level is read back from the index folder
    assert calibration.offtopic_level(index, answerability) == pytest.approx(0.1)
    assert len(asked) == len(calibration.offtopic_questions())


def test_the_off_topic_cut_is_looser_on_a_single_article():
    from briefing.answer.evidence import Evidence
    from briefing.answer.params import AnswerParams

    params = AnswerParams(threshold=0.36, offtopic_factor=4.0, small_index_offtopic_factor=2.0)

    def cut(passages: int, level: float, p: AnswerParams = params) -> float:
        evidence = Evidence("q", "q", None, False, [], {}, {}, None, p, offtopic=level, index_passages=passages)
        return evidence.threshold

    assert cut(13_000, 0.11) == pytest.approx(0.36)  # a large index: the global cut
    assert cut(777, 0.06) == pytest.approx(0.24)  # four times its off-topic level
    assert cut(52, 0.045) == pytest.approx(0.09)  # under small_index_passages: twice
    assert cut(3, 0.04) == pytest.approx(0.08)
    assert cut(3, 0.04, AnswerParams(threshold=0.36, offtopic_factor=0)) == pytest.approx(0.36)  # calibration off
