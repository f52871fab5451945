"""The WordNet tables' builder reads WordNet's database files (scripts/build_wordnet_tables.py)."""

from __future__ import annotations

import pytest
from conftest import load_script

# Lines in the format of WordNet 3.0's data.<part> files (a licence header, then one synset a line).
_ADJECTIVES = """  1 This software and database is being provided to you, the LICENSEE, by Princeton University
00001740 00 a 01 able 0 002 = 05200169 n 0000 ! 00002098 a 0101 | having the necessary means
00002098 00 a 01 unable 0 002 = 05200169 n 0000 ! 00001740 a 0101 | not having the necessary means
00002312 00 a 02 abaxial 0 dorsal(p) 4 002 ;c 06037666 n 0000 ! 00002527 a 0202 | facing away from the axis
00002527 00 a 02 adaxial 0 ventral(a) 4 002 ;c 06037666 n 0000 ! 00002312 a 0202 | nearest to the axis
00002700 00 s 01 well_off 0 001 ! 00002098 a 0101 | a two-word lemma
"""


@pytest.fixture()
def wordnet(tmp_path):
    (tmp_path / "data.adj").write_text(_ADJECTIVES, encoding="utf-8")
    for part in ("noun", "verb", "adv"):
        (tmp_path / f"data.{part}").write_text("", encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def script():
    return load_script("build_wordnet_tables")


def test_synsets_of_two_words_or_more_are_numbered_by_stem(script, wordnet):
    # abaxial/dorsal and adaxial/ventral; "able", "unable" and "well_off" alone relate nothing
    assert script.synonym_sets(wordnet) == {"abaxi": [0], "dorsal": [0], "adaxi": [1], "ventral": [1]}


def test_direct_antonyms_are_read_both_ways_round_one_word_lemmas_only(script, wordnet):
    assert script.antonyms(wordnet) == {
        ("able", "unable"),
        ("unable", "able"),
        ("dorsal", "ventral"),  # the second words of each synset, markers (p), (a) dropped
        ("ventral", "dorsal"),
    }
