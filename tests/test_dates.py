"""Partial dates stand for their whole period, in the store, the vector search and the FTS5 query."""

from __future__ import annotations

import pytest

from briefing.dates import normalise_date, period_bounds
from briefing.errors import BadDateError
from briefing.index.store import Store
from briefing.records import Document, Passage, Sentence


@pytest.mark.parametrize(
    ("date", "bounds"),
    [
        ("2021", ("2021-01-01", "2021-12-31")),
        ("2021-05", ("2021-05-01", "2021-05-31")),
        ("2024-02", ("2024-02-01", "2024-02-29")),
        ("2023-02", ("2023-02-01", "2023-02-28")),
        ("2021-05-20", ("2021-05-20", "2021-05-20")),
    ],
)
def test_period_bounds_end_on_the_last_day(date, bounds):
    assert period_bounds(date) == bounds


def test_a_malformed_date_is_bad_input():
    with pytest.raises(BadDateError, match="not a calendar date"):
        normalise_date("2021-02-30", "front matter")
    with pytest.raises(BadDateError, match="YYYY-MM-DD"):
        normalise_date("May 2021", "front matter")


def _document(doc_id: str, text: str, date: str | None) -> Document:
    return Document(doc_id=doc_id, path=doc_id, text=text, title=None, date=date, source=None, url=None, sha256="x")


def _add(store: Store, passage_id: int, document: Document) -> None:
    text = document.text
    passage = Passage(passage_id, document.doc_id, 0, 0, len(text), text, (Sentence(0, len(text), None),))
    store.add_document(document, [passage])


def test_a_month_dated_document_matches_a_range_starting_inside_that_month(tmp_path):
    store = Store(tmp_path / "passages.sqlite")
    _add(store, 0, _document("may.md", "Sanctions were discussed in May.", "2021-05"))
    _add(store, 1, _document("april.md", "Sanctions were discussed in April.", "2021-04-30"))
    _add(store, 2, _document("undated.md", "Sanctions were discussed at some point.", None))
    assert store.passage_ids_where(since="2021-05-20") == [0]
    assert sorted(store.passage_ids_where(until="2021-05-01")) == [0, 1]
    assert store.passage_ids_where(since="2021-05-20", until="2021-05-31") == [0]
    assert [pid for pid, _ in store.lexical_search("sanctions", 10, since="2021-05-20")] == [0]


def test_filtered_lexical_search_finds_a_match_beyond_any_unfiltered_cut(tmp_path):
    """The only allowed match ranks below 2,000 better unfiltered ones: the filter is inside the query."""
    store = Store(tmp_path / "passages.sqlite")
    for number in range(2000):
        _add(store, number, _document(f"undated-{number}.md", f"Sanctions sanctions {number}.", None))
    long_text = "The ministers met. " * 40 + "They also spoke of sanctions."
    _add(store, 5000, _document("dated.md", long_text, "2021-05"))
    unfiltered = store.lexical_search("sanctions", 2001)
    assert unfiltered[-1][0] == 5000  # the dated passage ranks last of all
    assert store.lexical_search("sanctions", 5, since="2021-05-20") == [unfiltered[-1]]
    assert store.lexical_search("sanctions", 5, until="2020-12-31") == []
