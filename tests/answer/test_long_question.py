"""A long analyst question is reduced to what it asks (answer/long_question.py), not silenced."""

from __future__ import annotations

import pytest

from briefing.answer import answer
from briefing.answer.long_question import LONG_QUESTION_WORDS, reduce_question, word_count

SHORT = "How did the United States describe its position on Turkey's purchase of the Russian S-400 system?"
LONG = (
    "I am preparing a briefing note for the Ambassador ahead of next week's bilateral consultations in "
    "Ankara, and I have been asked to summarise the public record on defence procurement for readers who "
    "were not following the issue at the time. Our desk has already covered the Congressional angle and "
    "the interoperability discussions in Brussels, so I do not need those, and the note must stay under "
    "two pages because the Ambassador reads it on the plane. I am mainly interested in the public diplomacy "
    "side of the file. Could you tell me how did the United States describe its position on Turkey's "
    "purchase of the Russian S-400 system? Please keep to what was said on the record."
)


def test_the_long_question_is_over_the_limit_and_the_short_one_under_it():
    assert word_count(LONG) >= 110 > LONG_QUESTION_WORDS >= word_count(SHORT)


def test_a_long_question_keeps_the_sentence_that_asks_without_its_request_frame():
    assert reduce_question(LONG) == (
        "How did the United States describe its position on Turkey's purchase of the Russian S-400 system?"
    )


def test_a_short_question_is_never_touched():
    assert reduce_question(SHORT) == SHORT
    assert reduce_question("I am preparing a note. What did Price say?") == "I am preparing a note. What did Price say?"


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        # no question mark: the sentence that opens with a question word
        (
            "I work on the Turkey desk and our team has been following this closely for many months now. " * 3
            + "What the State Department said about CAATSA sanctions on Turkey in 2020.",
            "What the State Department said about CAATSA sanctions on Turkey in 2020.",
        ),
        # no question word at all: the last sentence
        (
            "Background for the minister, who has asked for a short note before the summit next week. " * 3
            + "The US position on the S-400 purchase.",
            "The US position on the S-400 purchase.",
        ),
        # two sentences that ask are both kept, in order
        (
            "I am new to this file and need to brief my director tomorrow morning at the latest, sorry. " * 3
            + "Did the US sanction Turkey? Why did it do so?",
            "Did the US sanction Turkey? Why did it do so?",
        ),
    ],
)
def test_what_a_long_question_keeps(question, kept):
    assert word_count(question) > LONG_QUESTION_WORDS
    assert reduce_question(question) == kept


def test_on_a_real_index_the_long_question_is_answered_like_the_short_one(seed_index):
    short = answer(seed_index, SHORT)
    long = answer(seed_index, LONG)
    assert not short.abstained and not long.abstained
    assert long.question == LONG  # the answer keeps the question as asked (the brief shows it)
    assert [e.text for e in long.extracts] == [e.text for e in short.extracts]
    assert any("has not changed" in e.text for e in long.extracts)


def test_answer_retrieves_with_the_reduced_question_and_keeps_the_one_asked(monkeypatch):
    import importlib

    from briefing.records import Answer

    package = importlib.import_module("briefing.answer")  # the package: briefing.answer is also the function

    seen = []
    monkeypatch.setattr(package, "gather", lambda index, question, **_: seen.append(question) or question)
    monkeypatch.setattr(package, "decide", lambda evidence, **_: Answer(evidence, True, "fixed"))
    assert package.answer(None, LONG).question == LONG
    assert package.answer(None, SHORT).question == SHORT
    assert seen == [reduce_question(LONG), SHORT]
