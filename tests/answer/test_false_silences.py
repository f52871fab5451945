"""Answerable questions the bot used to silence (issue 23's examples), on real indexes."""

from __future__ import annotations

from briefing.answer import answer
from briefing.answer.decide import _is_duplicate
from briefing.index import build_index, load_index

NOTES = {
    "round-1.md": "The zebra quartermaster code word for round 1 is periwinkle-1.\n",
    "round-2.md": "The zebra quartermaster code word for round 2 is periwinkle-2.\n",
}


def test_sentences_that_differ_in_a_number_are_not_near_duplicates():
    one, two = NOTES.values()
    assert not _is_duplicate(one, two, 0.8)
    assert _is_duplicate(one, one.replace(".", "!"), 0.8)


def test_two_notes_that_differ_only_in_a_number_each_answer_their_question(tmp_path, real_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in NOTES.items():
        (corpus / name).write_text(text)
    build_index(corpus, tmp_path / "index", embedder=real_embedder, show_bar=False, log=lambda _: None)
    index = load_index(tmp_path / "index", embedder=real_embedder)
    for number in (1, 2):
        reply = answer(index, f"What is the zebra quartermaster code word for round {number}?")
        assert not reply.abstained, number
        assert any(f"periwinkle-{number}" in extract.text for extract in reply.extracts), number


def test_who_is_blinken_expected_to_speak_with(seed_index):
    reply = answer(seed_index, "Who is Blinken expected to speak with?")
    assert not reply.abstained
    assert any("Cavusoglu" in extract.text for extract in reply.extracts)
