"""Date and source filters from the passage table written beside the index (index/periods.py):
the same passages as SQLite's filter, the same lexical hits, and the SQL path when the table is missing."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import FakeEmbedder

from briefing.answer.retrieve import Filters, retrieve
from briefing.index import build_index, load, load_index, periods

SOURCES = ["Office of the Spokesperson", "Bureau of Arms Control", "OFFICE OF THE SPOKESPERSON", None, "50%_Bureau"]
DATES = ["2021-03-04", "2021-05", "2022", None, "2021-12-31", "2022-01-01", "2020-02-29"]


def quiet(**kwargs):
    return dict(show_bar=False, log=lambda _: None, **kwargs)


def write_corpus(folder, records):
    folder.mkdir(exist_ok=True)
    (folder / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def records(count=70):
    out = []
    for i in range(count):
        record = {"_id": f"r{i}", "title": "Statement", "text": f"The department said item {i} on sanctions."}
        if DATES[i % len(DATES)]:
            record["date"] = DATES[i % len(DATES)]
        if SOURCES[i % len(SOURCES)]:
            record["source"] = SOURCES[i % len(SOURCES)]
        out.append(record)
    return out


@pytest.fixture
def index(tmp_path):
    write_corpus(tmp_path / "corpus", records())
    build_index(tmp_path / "corpus", tmp_path / "index", embedder=FakeEmbedder(), **quiet())
    return load_index(tmp_path / "index", embedder=FakeEmbedder())


FILTERS = [
    {"since": "2021-05-01"},
    {"until": "2021-12-31"},
    {"since": "2021-05", "until": "2021-05"},
    {"since": "2021", "until": "2021"},
    {"since": "2022-01-01", "until": "2022-01-01"},
    {"since": "2019-01-01", "until": "2019-12-31"},
    {"source": "spokesperson"},
    {"source": "BUREAU"},
    {"source": "50%_b"},
    {"source": "_"},
    {"source": "nobody"},
    {"since": "2021-06", "source": "office"},
]


@pytest.mark.parametrize("where", FILTERS, ids=[json.dumps(f) for f in FILTERS])
def test_the_table_allows_exactly_the_passages_sqlite_allows(index, where):
    assert (index.dir / index.manifest.generation / periods.FILTERS_NAME).exists()
    from_table = index.allowed_passages(**where)
    assert sorted(from_table.tolist()) == sorted(index.store.passage_ids_where(**where))


@pytest.mark.parametrize("where", FILTERS, ids=[json.dumps(f) for f in FILTERS])
@pytest.mark.parametrize("limit", [1, 3, 100])
def test_lexical_hits_under_a_filter_are_those_of_the_filtered_query(index, monkeypatch, where, limit):
    monkeypatch.setattr(load, "LEXICAL_POSTFILTER_ROWS", 4)  # small enough that some cases fall back to SQLite
    match = " OR ".join(f'"{term}"' for term in index.lexical_terms("department sanctions item 7"))
    expected = index.store.lexical_search(match, limit, **where)
    got = index.lexical_search("department sanctions item 7", limit, **where)
    assert [pid for pid, _ in got] == [pid for pid, _ in expected]
    assert np.allclose([s for _, s in got], [s for _, s in expected])


def test_the_unfiltered_query_serves_a_wide_filter(index, monkeypatch):
    calls = []
    original = index.store.lexical_search

    def spy(match, limit, **where):
        calls.append(where)
        return original(match, limit, **where)

    monkeypatch.setattr(index.store, "lexical_search", spy)
    index.lexical_search("department sanctions", 2, since="2021-01-01")
    assert calls == [{}]  # one unfiltered query, filtered in memory


def test_an_index_without_the_table_filters_in_sqlite(tmp_path, index):
    expected = {json.dumps(f): sorted(index.allowed_passages(**f).tolist()) for f in FILTERS}
    (index.dir / index.manifest.generation / periods.FILTERS_NAME).unlink()
    older = load_index(index.dir, embedder=FakeEmbedder())
    assert older.filter_mask(since="2021") is None
    for where in FILTERS:
        assert sorted(older.allowed_passages(**where).tolist()) == expected[json.dumps(where)]
    hits = retrieve(older, "sanctions", k=5, filters=Filters(since="2022-01-01", until="2022-12-31"))
    assert hits and all(older.store.document(h.doc_id).date.startswith("2022") for h in hits)


def test_each_build_writes_the_table_of_its_own_generation(tmp_path, index):
    write_corpus(tmp_path / "corpus", [*records(), {"_id": "new", "date": "2023-07-04", "text": "A new statement."}])
    build_index(tmp_path / "corpus", tmp_path / "index", embedder=FakeEmbedder(), **quiet())
    rebuilt = load_index(tmp_path / "index", embedder=FakeEmbedder())
    assert rebuilt.manifest.generation != index.manifest.generation
    allowed = rebuilt.allowed_passages(since="2023-07-04", until="2023-07-04").tolist()
    assert allowed == rebuilt.store.passage_ids_where(since="2023-07-04", until="2023-07-04")
    assert [rebuilt.store.passages(allowed)[pid].doc_id for pid in allowed] == ["c.jsonl#new"]


def test_a_stated_date_does_not_filter_a_corpus_without_dates(tmp_path):
    """ "What did the committee say in 1962…" on undated documents: nothing could pass the filter."""
    from conftest import fake_index

    from briefing.answer import gather

    index = fake_index(
        tmp_path, {"history.md": "The committee said in 1962 that real-time computation needed new theory."}
    )
    assert not index.dated
    evidence = gather(index, "What did the committee say in 1962 about real-time computation?")
    assert evidence.filters is None and evidence.candidates
