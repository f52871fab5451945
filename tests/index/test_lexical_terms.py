"""The lexical query leaves out words too common to discriminate, keeps the rarest, keeps filters inside."""

from __future__ import annotations

import json

from conftest import FakeEmbedder

from briefing.answer.retrieve import Filters, retrieve
from briefing.index import build_index, load
from briefing.index.load import load_index


def quiet(**kwargs):
    return dict(show_bar=False, log=lambda _: None, **kwargs)


def build(tmp_path, monkeypatch, prune_from=0):
    monkeypatch.setattr(load, "LEXICAL_PRUNE_FROM", prune_from)  # the tiny index is pruned as a large one
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [
        {
            "_id": f"r{i}",
            "title": "Statement",
            "date": f"20{10 + i % 10}-01-01",
            "text": f"The department said item {i}.",
        }
        for i in range(60)
    ]
    records.append(
        {"_id": "rare", "title": "Note", "date": "2021-05-01", "text": "The department sanctioned Freedonia."}
    )
    (corpus / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    build_index(corpus, tmp_path / "index", embedder=FakeEmbedder(), **quiet())
    return load_index(tmp_path / "index", embedder=FakeEmbedder())


def test_small_indexes_keep_every_word(tmp_path, monkeypatch):
    index = build(tmp_path, monkeypatch, prune_from=load.LEXICAL_PRUNE_FROM)
    assert index.lexical_terms("department Freedonia unicorn") == ["department", "freedonia", "unicorn"]


def test_common_words_are_left_out_but_the_rarest_are_kept(tmp_path, monkeypatch):
    index = build(tmp_path, monkeypatch)
    # "department" is in every passage, "freedonia" in one, "unicorn" in none.
    assert index.lexical_terms("department Freedonia unicorn") == ["freedonia"]
    assert index.lexical_terms("department Freedonia unicorn", max_df_share=None) == [
        "department",
        "freedonia",
        "unicorn",
    ]
    assert index.lexical_terms("what did the department say") == ["department"]  # only common words: rarest kept
    assert index.lexical_terms("unicorn") == []
    assert index.lexical_search("unicorn", 10) == []


def test_a_word_held_by_more_passages_than_the_cap_is_left_out_whatever_its_share(tmp_path, monkeypatch):
    index = build(tmp_path, monkeypatch)
    # "department" is in all 61 passages, "item" in 60, "freedonia" in one.  A share of 1.0 keeps every
    # word; the absolute cap (monkeypatched from 20,000 down to 59 passages) still leaves the first two out.
    assert index.lexical_terms("department item Freedonia", max_df_share=1.0) == ["department", "item", "freedonia"]
    monkeypatch.setattr(load, "LEXICAL_MAX_DF_PASSAGES", 59)
    assert index.lexical_terms("department item Freedonia", max_df_share=1.0) == ["freedonia"]


def test_pruned_query_ranks_the_discriminating_passage_first_and_filters_stay_inside(tmp_path, monkeypatch):
    index = build(tmp_path, monkeypatch)
    passages = index.store.passages(index.store.passage_ids())
    rare = next(pid for pid, p in passages.items() if p.doc_id == "c.jsonl#rare")
    assert index.lexical_search("department Freedonia", 5)[0][0] == rare
    assert index.lexical_search("department Freedonia", 5, since="2021-01-01", until="2021-12-31") == [
        (rare, index.lexical_search("department Freedonia", 5)[0][1])
    ]
    assert index.lexical_search("department Freedonia", 5, until="2020-12-31") == []
    hits = retrieve(index, "department Freedonia", k=3, mode="lexical", filters=Filters(since="2021-05-01"))
    assert [hit.passage_id for hit in hits] == [rare]
