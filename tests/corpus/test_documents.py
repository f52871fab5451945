"""Managing the sources: listing indexed documents, removing one (file or collection record),
and builds that name every skipped file every time (fake embedder, no model)."""

from __future__ import annotations

import json

import pytest

from briefing.corpus.manage import remove_from_corpus
from briefing.errors import CorpusError
from briefing.index import build_index, load_index
from briefing.ui.documents import remove_and_rebuild, render_documents
from briefing.ui.service import IndexHolder, add_and_rebuild

RECORDS = [
    {"_id": "r1", "title": "Call with <b>Ankara</b>", "date": "2022-02-28", "source": "Spokesperson", "text": "One."},
    {"_id": "r2", "title": "Grain", "date": "2022-07-22", "source": "Spokesperson", "text": "Two. Three."},
]


def _corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.md").write_text("---\ntitle: Note\ndate: 2021-05-01\n---\nA note on talks.\n", encoding="utf-8")
    lines = [json.dumps(r) for r in RECORDS]
    (corpus / "c.jsonl").write_text("\ufeff" + lines[0] + "\n" + lines[1], encoding="utf-8")  # BOM, no final newline
    (corpus / "bad.md").write_text("---\ndate: 2021-13-45\n---\nBad date.\n", encoding="utf-8")
    return corpus


def _holder(tmp_path, corpus, embedder):
    build_index(corpus, tmp_path / "index", embedder=embedder, show_bar=False, log=lambda _: None)
    return IndexHolder(load_index(tmp_path / "index", embedder=embedder), corpus, tmp_path / "index")


def test_remove_a_file_or_a_collection_record(tmp_path):
    corpus = _corpus(tmp_path)
    assert remove_from_corpus(corpus, "c.jsonl#r1") == "removed record r1 from c.jsonl"
    assert [json.loads(line)["_id"] for line in (corpus / "c.jsonl").read_text().splitlines()] == ["r2"]
    assert remove_from_corpus(corpus, "note.md") == "deleted note.md"
    assert not (corpus / "note.md").exists()
    assert sorted(p.name for p in corpus.iterdir()) == ["bad.md", "c.jsonl"]  # no temporary file left
    for missing in ("note.md", "c.jsonl#r1", "none.jsonl#r2"):
        with pytest.raises(CorpusError):
            remove_from_corpus(corpus, missing)
    with pytest.raises(CorpusError, match="not inside"):
        remove_from_corpus(corpus, "../outside.md")


def test_document_list_and_the_panel_html(tmp_path, fake_embedder):
    holder = _holder(tmp_path, _corpus(tmp_path), fake_embedder)
    listed = holder.index.store.document_list()
    assert [(d.doc_id, d.date, d.passages) for d in listed] == [
        ("note.md", "2021-05-01", 1),
        ("c.jsonl#r1", "2022-02-28", 1),
        ("c.jsonl#r2", "2022-07-22", 1),
    ]
    html = render_documents(listed)
    assert "3 documents" in html and "&lt;b&gt;Ankara&lt;/b&gt;" in html and "<b>" not in html
    found = render_documents(listed, "grain 2022")
    assert "1 of 3 documents" in found and 'data-doc="c.jsonl#r2"' in found and "c.jsonl#r1" not in found
    assert "No indexed document matches" in render_documents(listed, "Kazakhstan")


def test_remove_and_rebuild_is_incremental(tmp_path, fake_embedder):
    holder = _holder(tmp_path, _corpus(tmp_path), fake_embedder)
    fake_embedder.encoded.clear()
    outcome = remove_and_rebuild(holder, "c.jsonl#r1")
    assert outcome.ok and outcome.rebuilt, outcome.lines
    assert outcome.lines[0] == "Removed record r1 from c.jsonl."
    assert any("1 removed" in line and "(0 embedded)" in line for line in outcome.lines), outcome.lines
    assert fake_embedder.encoded == []  # nothing re-embedded
    assert [d.doc_id for d in holder.index.store.document_list()] == ["note.md", "c.jsonl#r2"]
    again = remove_and_rebuild(holder, "c.jsonl#r1")
    assert not again.ok and "no longer" in again.lines[0]


def test_every_build_names_every_skipped_file(tmp_path, fake_embedder):
    corpus = _corpus(tmp_path)
    for _ in range(2):
        report = build_index(corpus, tmp_path / "index", embedder=fake_embedder, show_bar=False, log=lambda _: None)
        assert [s.path for s in report.skipped] == ["bad.md"]
    holder = IndexHolder(load_index(tmp_path / "index", embedder=fake_embedder), corpus, tmp_path / "index")
    upload = tmp_path / "new.md"
    upload.write_text("A new note.", encoding="utf-8")
    outcome = add_and_rebuild(holder, [upload])
    assert any(line.startswith("Skipped bad.md: ") for line in outcome.lines), outcome.lines
