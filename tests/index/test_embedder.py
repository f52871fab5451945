"""The embedder: backends, identities that keep indexes apart, loading errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from briefing.errors import ModelError
from briefing.index.embedder import BACKENDS, Embedder, backend_of

HAS_ONNX = importlib.util.find_spec("optimum") is not None and importlib.util.find_spec("onnxruntime") is not None


def test_identity_differs_between_backends_and_round_trips():
    torch_embedder = Embedder()
    int8 = Embedder(backend="onnx-int8")
    assert torch_embedder.identity != int8.identity
    assert torch_embedder.fingerprint == int8.fingerprint
    assert backend_of(torch_embedder.identity) == "torch"
    assert backend_of(int8.identity) == "onnx-int8"
    assert "+onnx-int8@" in int8.identity and "+" not in torch_embedder.identity


def test_an_unknown_backend_is_refused_with_the_choices():
    with pytest.raises(ModelError) as error:
        Embedder(backend="tensorrt")
    assert all(backend in str(error.value) for backend in BACKENDS)
    assert "tensorrt" in str(error.value)


def test_a_folder_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(ModelError, match="not a sentence-transformers model folder"):
        Embedder(tmp_path)


def test_load_index_picks_the_backend_the_index_was_built_with(tmp_path, fake_embedder, monkeypatch):
    """An index built under the int8 identity is opened with the int8 backend (never mixed with torch)."""
    import json

    from briefing.index import build_index
    from briefing.index import load as index_module

    real = Embedder(backend="onnx-int8")

    class Int8Fake(type(fake_embedder)):
        identity = real.identity
        path = real.path

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("The talks on the treaty resumed on Monday.", encoding="utf-8")
    build_index(tmp_path / "corpus", tmp_path / "index", embedder=Int8Fake(), show_bar=False, log=lambda _: None)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["model_name"] == real.identity
    seen = {}

    class Recorder(Embedder):
        def __init__(self, path=None, **kwargs):
            super().__init__(path, **kwargs)
            seen["backend"] = self.backend

    monkeypatch.setattr(index_module, "Embedder", Recorder)
    loaded = index_module.load_index(tmp_path / "index")
    assert seen["backend"] == "onnx-int8" and loaded.embedder.identity == manifest["model_name"]
    loaded.close()


@pytest.mark.skipif(HAS_ONNX, reason="the ONNX extra is installed here")
def test_int8_without_the_onnx_extra_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFING_MODEL_CACHE", str(tmp_path))
    with pytest.raises(ModelError, match=r"sentence-transformers\[onnx\]|int8"):
        Embedder(backend="onnx-int8").encode(["hello"])


def test_real_model_vectors_are_normalised(real_embedder):
    matrix = real_embedder.encode(["The embassy reopened.", "Sanctions were lifted."])
    assert matrix.dtype == np.float32 and matrix.shape == (2, real_embedder.dimension)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    assert real_embedder.encode([]).shape == (0, real_embedder.dimension)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_ONNX, reason='needs pip install "sentence-transformers[onnx]"')
def test_int8_vectors_stay_close_to_fp32(tmp_path, monkeypatch, real_embedder):
    monkeypatch.setenv("BRIEFING_MODEL_CACHE", str(tmp_path))
    texts = ["Turkey bought the S-400 system.", "The Secretary met the Foreign Minister in Ankara."]
    int8 = Embedder(backend="onnx-int8").encode(texts)
    assert np.all(np.sum(int8 * real_embedder.encode(texts), axis=1) > 0.97)


def test_count_tokens_matches_the_tokenizer_after_an_encode(real_embedder):
    """The fast path and the transformers wrapper count the same, whatever state encode() left behind."""
    texts = ["MR PRICE: Thank you, Matt.", "é ü 中文 — S-400", "", "word " * 400]
    expected = [
        len(ids)
        for ids in real_embedder.model.tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
    ]
    real_embedder.encode(["a long passage " * 200])  # leaves truncation configured on the Rust tokenizer
    assert real_embedder.count_tokens(texts) == expected
    assert real_embedder.count_tokens(texts) == expected  # and now through the fast path
    assert expected[-1] == 400
