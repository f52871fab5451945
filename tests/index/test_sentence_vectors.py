"""Sentence vectors stored at index time: shape, order, normalisation, incremental updates, late chunking."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
from conftest import FakeEmbedder

from briefing.index import build_index, load_index
from briefing.index.embedder import _pool_spans
from briefing.index.manifest import SQLITE_NAME, read_manifest


def quiet(**kwargs):
    return dict(show_bar=False, log=lambda _: None, **kwargs)


def make_corpus(root):
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("Alpha talks about tariffs. Alpha again.\n\nA second paragraph on missiles.\n")
    records = [{"_id": f"r{i}", "title": f"R{i}", "text": f"Record {i} on topic {i}. It is short."} for i in range(3)]
    (corpus / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return corpus


def all_passages(index):
    return list(index.store.passages(index.store.passage_ids()).values())


def test_every_passage_has_one_normalised_vector_per_sentence_in_order(tmp_path):
    corpus = make_corpus(tmp_path)
    build_index(corpus, tmp_path / "index", embedder=FakeEmbedder(), **quiet())
    index = load_index(tmp_path / "index", embedder=FakeEmbedder())
    passages = all_passages(index)
    found = index.sentence_vectors(passages)
    fake = FakeEmbedder()
    assert set(found) == {p.passage_id for p in passages}
    for passage in passages:
        matrix = found[passage.passage_id]
        assert matrix.dtype == np.float32 and matrix.shape == (len(passage.sentences), fake.dimension)
        assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
        texts = [
            passage.text[s.char_start - passage.char_start : s.char_end - passage.char_start] for s in passage.sentences
        ]
        assert np.allclose(matrix, fake.encode(texts), atol=2e-3)  # float16 on disk


def test_sentence_vectors_follow_incremental_changes(tmp_path):
    corpus = make_corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    (corpus / "a.md").write_text("Alpha changed its mind. Entirely.\n")
    records = [{"_id": "r0", "title": "R0", "text": "Record 0 on topic 0. It is short."}]
    (corpus / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    manifest = read_manifest(index_dir)
    with sqlite3.connect(index_dir / manifest.generation / SQLITE_NAME) as connection:
        stored = {row[0] for row in connection.execute("SELECT passage_id FROM sentence_vectors")}
        passages = {row[0] for row in connection.execute("SELECT passage_id FROM passages")}
    assert stored == passages  # nothing left behind by the removed and changed documents
    index = load_index(index_dir, embedder=FakeEmbedder())
    changed = [p for p in all_passages(index) if p.doc_id == "a.md"]
    vectors = index.sentence_vectors(changed)[changed[0].passage_id]
    assert np.allclose(vectors, FakeEmbedder().encode(["Alpha changed its mind.", "Entirely."]), atol=2e-3)


def test_pooling_averages_the_tokens_inside_each_sentence():
    tokens = np.arange(12, dtype=np.float32).reshape(6, 2)  # [CLS], 4 word pieces, [SEP]
    offsets = np.array([[0, 0], [0, 5], [6, 9], [11, 15], [16, 18], [0, 0]])
    pooled, empty = _pool_spans(tokens, offsets, [(0, 10), (11, 18), (20, 30)])
    assert np.allclose(pooled[0], tokens[1:3].mean(axis=0))
    assert np.allclose(pooled[1], tokens[3:5].mean(axis=0))
    assert empty == [2]


def test_late_chunking_with_the_real_model_matches_its_passage_vector(real_embedder):
    text = "MR PRICE: We have been clear. The policy has not changed. Turkey knows it."
    spans = [(0, 29), (30, 57), (58, len(text))]
    late_passages, late = real_embedder.encode_with_sentences([text], [spans])
    alone_passages, alone = real_embedder.encode_with_sentences([text], [spans], late=False)
    assert np.allclose(late_passages, real_embedder.encode([text]), atol=1e-5)
    assert np.allclose(alone_passages, late_passages, atol=1e-5)
    assert late[0].shape == alone[0].shape == (3, real_embedder.dimension)
    assert np.allclose(np.linalg.norm(late[0], axis=1), 1.0, atol=1e-5)
    assert np.allclose(alone[0], real_embedder.encode([text[a:b] for a, b in spans]), atol=1e-5)
