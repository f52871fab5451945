"""The FAISS layer: exact below EXACT_LIMIT, IVF above it, same ids, incremental updates.

Random clustered vectors keep these fast; EXACT_LIMIT is lowered per test.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from briefing.index import vectors

DIM = 32


def clustered(count: int, seed: int = 0, centres: int = 40) -> np.ndarray:
    """Unit vectors around a few dozen centres, like sentence embeddings of related texts."""
    rng = np.random.default_rng(seed)
    middle = rng.standard_normal((centres, DIM)).astype(np.float32)
    points = middle[rng.integers(0, centres, count)] + 0.35 * rng.standard_normal((count, DIM)).astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def brute_force(matrix: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    scores = matrix @ query
    return [int(ids[i]) for i in np.argsort(-scores, kind="stable")[:k]]


def filled(count: int, seed: int = 0, first_id: int = 1000) -> tuple[vectors.VectorIndex, np.ndarray, np.ndarray]:
    matrix = clustered(count, seed)
    ids = np.arange(first_id, first_id + count, dtype=np.int64)
    index = vectors.new_index(DIM)
    vectors.add(index, ids.tolist(), matrix)
    return index, matrix, ids


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(vectors, "EXACT_LIMIT", 2000)


def test_below_the_limit_the_index_is_exact_and_alone(tmp_path):
    index, matrix, ids = filled(500)
    vectors.save(index, tmp_path / "vectors.faiss")
    assert not vectors.approximate_path(tmp_path / "vectors.faiss").exists()
    loaded = vectors.load(tmp_path / "vectors.faiss")
    assert vectors.kind(loaded) == "flat" and loaded.approximate is None
    query = matrix[17]
    assert [i for i, _ in vectors.search(loaded, query, 10)] == brute_force(matrix, ids, query, 10)


def test_above_the_limit_an_ivf_is_saved_beside_and_searched(tmp_path, small_limit):
    index, matrix, ids = filled(3000)
    vectors.save(index, tmp_path / "vectors.faiss")
    assert (tmp_path / "vectors.ivf.faiss").exists()
    loaded = vectors.load(tmp_path / "vectors.faiss")
    assert loaded.approximate is not None and loaded.approximate.ntotal == 3000
    assert vectors.kind(loaded) == f"ivf{vectors.lists_for(3000)}-sq8"
    queries = clustered(100, seed=5)
    recall = np.mean(
        [
            len({i for i, _ in vectors.search(loaded, q, 10)} & set(brute_force(matrix, ids, q, 10))) / 10
            for q in queries
        ]
    )
    assert recall >= 0.95
    # scores are exact inner products, whichever index answered
    found = vectors.search(loaded, queries[0], 5)
    position = {int(i): n for n, i in enumerate(ids)}
    assert all(abs(score - float(matrix[position[i]] @ queries[0])) < 1e-4 for i, score in found)


def test_filtered_search_is_exact_even_with_an_ivf(tmp_path, small_limit):
    index, matrix, ids = filled(3000)
    vectors.save(index, tmp_path / "vectors.faiss")
    loaded = vectors.load(tmp_path / "vectors.faiss")
    allowed = ids[::97].tolist()
    query = matrix[5]
    keep = np.isin(ids, allowed)
    expected = brute_force(matrix[keep], ids[keep], query, 7)
    assert [i for i, _ in vectors.search(loaded, query, 7, allowed)] == expected
    assert vectors.search(loaded, query, 7, []) == []


def test_incremental_remove_and_add_reach_both_indexes_without_retraining(tmp_path, small_limit):
    index, matrix, ids = filled(3000)
    vectors.save(index, tmp_path / "a.faiss")
    loaded = vectors.load(tmp_path / "a.faiss")
    lists_before = vectors.kind(loaded)
    removed = ids[:50].tolist()
    assert vectors.remove(loaded, removed) == 50
    extra = clustered(40, seed=9)
    new_ids = list(range(90_000, 90_040))
    vectors.add(loaded, new_ids, extra)
    assert loaded.ntotal == loaded.approximate.ntotal == 2990
    vectors.save(loaded, tmp_path / "b.faiss")
    again = vectors.load(tmp_path / "b.faiss")
    assert vectors.kind(again) == lists_before  # same lists, not retrained
    for n, vector in enumerate(extra[:10]):
        assert vectors.search(again, vector, 1)[0][0] == new_ids[n]
    for vector in matrix[:50]:
        assert not set(removed) & {i for i, _ in vectors.search(again, vector, 20)}
    with pytest.raises(RuntimeError):
        again.reconstruct(removed[0])
    assert np.allclose(again.reconstruct(new_ids[3]), extra[3])


def test_the_ivf_is_retrained_when_the_collection_outgrows_its_lists(tmp_path, small_limit):
    index, _, _ = filled(2500)
    index.refresh_approximate()
    first = vectors.kind(index)
    more = clustered(20_000, seed=3)
    vectors.add(index, list(range(50_000, 70_000)), more)
    vectors.save(index, tmp_path / "vectors.faiss")
    assert vectors.kind(index) == f"ivf{vectors.lists_for(22_500)}-sq8" != first


def test_shrinking_below_the_limit_drops_the_ivf(tmp_path, small_limit):
    index, _, ids = filled(2500)
    vectors.save(index, tmp_path / "vectors.faiss")
    vectors.remove(index, ids[:1000].tolist())
    vectors.save(index, tmp_path / "vectors.faiss")
    assert not (tmp_path / "vectors.ivf.faiss").exists()
    assert vectors.kind(vectors.load(tmp_path / "vectors.faiss")) == "flat"


def test_an_ivf_from_another_build_is_ignored(tmp_path, small_limit):
    index, matrix, _ = filled(3000)
    vectors.save(index, tmp_path / "vectors.faiss")
    smaller, _, _ = filled(2500, seed=2)
    vectors.save(smaller, tmp_path / "other.faiss")
    (tmp_path / "other.ivf.faiss").replace(tmp_path / "vectors.ivf.faiss")
    loaded = vectors.load(tmp_path / "vectors.faiss")
    assert loaded.approximate is None
    assert vectors.search(loaded, matrix[3], 1)[0][0] == 1003


def test_build_index_records_the_faiss_type_and_stays_incremental(tmp_path, fake_embedder, monkeypatch):
    from briefing.answer.retrieve import retrieve
    from briefing.index import build_index, load_index

    monkeypatch.setattr(vectors, "EXACT_LIMIT", 150)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    words = ["treaty", "missile", "embassy", "sanctions", "summit", "ceasefire", "grain", "visa", "trade", "climate"]
    rows = []
    for n in range(200):
        text = f"Document {n} is about {words[n % 10]} and {words[(n * 3) % 10]}. The {words[n % 10]} talks went on."
        rows.append(json.dumps({"_id": f"d{n}", "title": f"Note {n}", "text": text}))
    (corpus / "notes.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    build_index(corpus, tmp_path / "index", embedder=fake_embedder, show_bar=False, log=lambda _: None)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["faiss_type"].startswith("ivf") and manifest["passages"] >= 150
    (corpus / "new.txt").write_text("A new note about the grain corridor and the ceasefire.", encoding="utf-8")
    build_index(corpus, tmp_path / "index", embedder=fake_embedder, show_bar=False, log=lambda _: None)
    index = load_index(tmp_path / "index", embedder=fake_embedder)
    assert index.vectors.approximate is not None
    assert index.vectors.ntotal == index.vectors.approximate.ntotal == index.store.counts()[1]
    hits = retrieve(index, "grain corridor ceasefire", k=5, mode="dense")
    assert "new.txt" in {hit.doc_id for hit in hits}
    index.close()
