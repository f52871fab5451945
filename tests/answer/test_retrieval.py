"""Retrieval: lexical folding in the index, hybrid fusion, date and source filters, speakers."""

from __future__ import annotations

import json

import pytest
from conftest import FakeEmbedder

from briefing.answer import answer
from briefing.answer.retrieve import Filters, retrieve
from briefing.index import build_index, load_index

DOCS = {
    "2021-03-01-missiles.md": "Turkey bought the S-400 air defense system from Russia.",
    "2021-06-01-minister.md": "Foreign Minister Çavuşoğlu met the Secretary in Brussels.",
    "2022-02-01-caatsa.md": "Sanctions under CAATSA were imposed on the procurement agency.",
    "2022-05-01-weather.md": "The weather in Washington was mild and sunny this spring.",
}


@pytest.fixture
def small_index(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in DOCS.items():
        (corpus / name).write_text(text)
    transcript = {
        "_id": "t1",
        "title": "Department Press Briefing",
        "date": "2022-03-21",
        "author": "Ned Price, Department Spokesperson",
        "text": "MR PRICE: Good afternoon.\n\nQUESTION: Will Turkey give up the S400 system?\n\n"
        "MR PRICE: We have urged Turkey not to retain the S-400 system.",
    }
    (corpus / "briefings.jsonl").write_text(json.dumps(transcript) + "\n")
    build_index(corpus, tmp_path / "index", embedder=FakeEmbedder(), show_bar=False, log=lambda _: None)
    return load_index(tmp_path / "index", embedder=FakeEmbedder())


@pytest.mark.parametrize("query", ["S400", "s-400", "S-400 system"])
def test_codes_match_lexically_with_or_without_hyphen(small_index, query):
    hits = retrieve(small_index, query, k=3, mode="lexical")
    assert {h.doc_id for h in hits} >= {"2021-03-01-missiles.md", "briefings.jsonl#t1"}


def test_accents_fold(small_index):
    hits = retrieve(small_index, "Cavusoglu", k=1, mode="lexical")
    assert hits[0].doc_id == "2021-06-01-minister.md"


def test_hybrid_scores_are_fused_and_ranked(small_index):
    hits = retrieve(small_index, "CAATSA sanctions", k=5, mode="hybrid")
    assert hits[0].doc_id == "2022-02-01-caatsa.md"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_date_and_source_filters(small_index):
    hits = retrieve(small_index, "S-400", k=10, filters=Filters(since="2022-01-01"))
    assert {h.doc_id for h in hits} <= {"2022-02-01-caatsa.md", "2022-05-01-weather.md", "briefings.jsonl#t1"}
    hits = retrieve(small_index, "S-400", k=10, filters=Filters(until="2021-12-31"))
    assert {h.doc_id for h in hits} <= {"2021-03-01-missiles.md", "2021-06-01-minister.md"}
    hits = retrieve(small_index, "S-400", k=10, filters=Filters(source="spokesperson"))
    assert {h.doc_id for h in hits} == {"briefings.jsonl#t1"}
    assert retrieve(small_index, "S-400", k=10, filters=Filters(source="nobody")) == []


def test_extracts_from_transcripts_carry_speakers(small_index):
    reply = answer(small_index, "urged Turkey not to retain the S-400 system", threshold=-1.0, top=5)
    speakers = {e.text: e.speaker for e in reply.extracts if e.doc_id == "briefings.jsonl#t1"}
    assert speakers.get("MR PRICE: We have urged Turkey not to retain the S-400 system.") == "MR PRICE"
    json_extracts = reply.to_json_dict()["extracts"]
    assert [e["speaker"] for e in json_extracts] == [e.speaker for e in reply.extracts]
    assert "MR PRICE" in {e["speaker"] for e in json_extracts}


def test_stated_date_is_applied_and_named_in_the_header(small_index):
    reply = answer(small_index, "What was said about the S-400 in 2021?", threshold=-1.0)
    assert reply.filters == {"since": "2021-01-01", "until": "2021-12-31"}
    assert reply.answer.startswith("Sources limited to 2021-01-01 to 2021-12-31.")
    assert all(e.date.startswith("2021") for e in reply.extracts)
