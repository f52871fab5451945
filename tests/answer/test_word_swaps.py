"""A question that changes one word of an extract abstains: an opposite in the word's place, another
word that is not its synonym between copied words, or "the least…" where nothing is said to be least
(answer/word_swaps.py, with WordNet's tables in answer/models/)."""

from __future__ import annotations

import pytest
from conftest import fake_index

from briefing.answer import answer
from briefing.answer.word_swaps import antonyms, belittles, opposites, swaps_opposite, swaps_word, synonyms


def test_the_shipped_antonyms_are_wordnet_pairs_both_ways_round():
    table = antonyms()
    assert len(table) > 5000
    assert "perpendicular" in table["parallel"] and "parallel" in table["perpendicular"]
    assert "quantitative" in table["qualitative"] and "future" in table["past"]
    assert all(first in table[second] for first, others in table.items() for second in others)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("needed", "required", True),  # compared on stems: need, requir
        ("utilize", "use", True),
        ("specific", "particular", True),
        ("flexible", "fixed", False),
        ("scientific", "mathematical", False),
        ("money", "assistance", False),
        ("qwertyuiop", "use", False),  # not in WordNet
    ],
)
def test_synonyms_share_a_wordnet_synset(first, second, same):
    assert synonyms(first, second) is same


def test_opposites_come_from_the_table_wordnet_and_negating_prefixes():
    assert "most" in opposites("least")  # the fixed table
    assert "parallel" in opposites("perpendicular")  # WordNet
    assert "complicated" in opposites("uncomplicated") and "unsolved" in opposites("solved")  # prefixes
    assert "stance" not in opposites("instance")  # looks like a prefix, is none


@pytest.mark.parametrize(
    ("question", "texts", "swapped"),
    [
        ("What number is used in perpendicular computing?", ["processors (used in parallel computing)"], True),
        ("What is the qualitative answer to it?", ["The quantitative answer to it is of little use."], True),
        ("Which machine has multiple possible past actions?", ["It can have many possible future actions."], True),
        ("What has uncomplicated definitions?", ["Some classes have complicated definitions."], True),
        ("What is an important solved problem?", ["It is solved. An important unsolved problem is P = NP."], True),
        ("Which machine has possible future actions?", ["It can have many possible future actions."], False),
        ("What is used in perpendicular computing?", ["Parallel lines never meet."], False),  # no shared neighbour
        ("What is used in parallel computing?", ["used in parallel computing, not serial computing"], False),
        ("Is parallel computing faster?", ["Perpendicular computing is faster."], False),  # yes/no: answered
        ("Is it parallel or perpendicular computing?", ["It is parallel computing."], False),  # both words asked
    ],
)
def test_an_opposite_in_the_place_of_an_extracts_word(question, texts, swapped):
    assert swaps_opposite(question, texts) is swapped


@pytest.mark.parametrize(
    ("question", "texts", "swapped"),
    [
        ("What uses a flexible set of rules?", ["It uses a fixed set of rules to act."], True),
        (
            "What is a scientific model of a general computing machine?",
            ["It is a mathematical model of a general computing machine."],
            True,
        ),
        (
            "How is the time needed to obtain it calculated?",
            ["the time required to obtain it is calculated"],
            False,
        ),  # synonyms
        ("What uses a flexible set of rules?", ["It uses a fixed list of rules to act."], False),  # one word copied
        ("What uses a fixed set of rules?", ["It uses a fixed set of rules to act."], False),  # nothing changed
        ("What uses a flexible set of rules?", ["It uses a fixed set of rules; a flexible one too."], False),  # said
        ("Does it use a flexible set of rules?", ["It uses a fixed set of rules to act."], False),  # yes/no
    ],
)
def test_another_word_between_copied_words(question, texts, swapped):
    assert swaps_word(question, texts) is swapped


@pytest.mark.parametrize(
    ("question", "texts", "belittled"),
    [
        ("Who was the least influential researcher?", ["Cook was an influential researcher."], True),
        ("What is the name of the alphabet that is rarely used?", ["A string over an alphabet."], True),
        ("Which state is the least populous?", ["Wyoming has the smallest population."], False),
        ("Which state is the least populous?", ["Wyoming is the least populous state."], False),
        ("What did at least three states do?", ["Three states sued."], False),  # "at least" belittles nothing
        ("Is Wyoming the least populous state?", ["Wyoming is populous."], False),  # yes/no
    ],
)
def test_the_least_where_nothing_is_said_to_be_least(question, texts, belittled):
    assert belittles(question, texts) is belittled


def test_a_question_that_changes_a_word_of_the_source_is_not_answered(tmp_path):
    text = "A deterministic Turing machine uses a fixed set of rules to determine its future actions."
    index = fake_index(tmp_path, {"machines.md": text})
    assert not answer(index, "What uses a fixed set of rules to determine its future actions?", threshold=0.0).abstained
    for changed in ("flexible", "random"):
        reply = answer(index, f"What uses a {changed} set of rules to determine its future actions?", threshold=0.0)
        assert reply.abstained and not reply.extracts
    reply = answer(index, "What uses a fixed set of rules to determine its past actions?", threshold=0.0)
    assert reply.abstained and not reply.extracts
