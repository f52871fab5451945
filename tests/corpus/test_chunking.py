"""Sentence-aware chunking: offsets reproduce the text, passages fit the model, speakers."""

from __future__ import annotations

import re

from conftest import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.corpus import load_corpus
from briefing.corpus.chunking import ChunkingParams, chunk_document, paragraphs, split_sentences
from briefing.records import Document


def words(texts):
    return [len(re.findall(r"\w+|[^\w\s]", t)) for t in texts]


def doc(text: str) -> Document:
    return Document(doc_id="d", path="d.md", text=text)


def check_invariants(document: Document, chunks, params: ChunkingParams, count=words):
    for chunk in chunks:
        assert 0 <= chunk.char_start < chunk.char_end <= len(document.text)
        assert chunk.sentences[0].char_start == chunk.char_start
        assert chunk.sentences[-1].char_end == chunk.char_end
        for sentence in chunk.sentences:
            piece = document.text[sentence.char_start : sentence.char_end]
            assert piece == piece.strip() and piece
        assert sum(count([document.text[s.char_start : s.char_end] for s in chunk.sentences])) <= params.max_tokens


def test_shipped_corpus_passages_are_verbatim_and_fit_the_model(real_embedder):
    documents, _ = load_corpus(CORPUS)
    params = ChunkingParams()
    for document in documents:
        chunks = chunk_document(document, real_embedder.count_tokens, params)
        assert chunks
        check_invariants(document, chunks, params, real_embedder.count_tokens)
        for chunk in chunks:
            text = document.text[chunk.char_start : chunk.char_end]
            # What the model would see: never more than its 256 word pieces.
            assert real_embedder.count_tokens([text])[0] + 2 <= real_embedder.max_seq_length
        covered = {s.char_start for c in chunks for s in c.sentences}
        # Sentences are split paragraph by paragraph ("Office of the Spokesperson" above a release is
        # its own sentence); every one starts some chunk sentence (a cut long sentence adds starts).
        expected = {
            start
            for p_start, p_end in paragraphs(document.text)
            for start, _ in split_sentences(document.text, p_start, p_end)
        }
        assert expected <= covered, document.doc_id


def test_sentences_keep_abbreviations_together():
    text = "Mr. Price met the U.S. delegation on Jan. 5. They discussed the S-400."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Mr. Price met the U.S. delegation on Jan. 5.",
        "They discussed the S-400.",
    ]


def test_paragraph_boundaries_are_respected():
    first = " ".join(f"Alpha sentence number {i}." for i in range(6))
    second = " ".join(f"Beta sentence number {i}." for i in range(6))
    document = doc(first + "\n\n" + second)
    params = ChunkingParams(max_tokens=40, overlap_sentences=1)
    chunks = chunk_document(document, words, params)
    assert [document.text[c.char_start : c.char_end] for c in chunks] == [first, second]


def test_long_paragraph_is_split_with_whole_sentence_overlap():
    text = " ".join(f"Sentence {i} talks about topic {i}." for i in range(30))
    document = doc(text)
    params = ChunkingParams(max_tokens=40, overlap_sentences=1)
    chunks = chunk_document(document, words, params)
    assert len(chunks) > 3
    for before, after in zip(chunks, chunks[1:]):
        assert after.sentences[0] == before.sentences[-1]
    check_invariants(document, chunks, params)


def test_overlong_sentence_is_cut_at_word_boundaries():
    text = "word " * 500 + "end."
    document = doc(text)
    params = ChunkingParams(max_tokens=50, overlap_sentences=0)
    chunks = chunk_document(document, words, params)
    check_invariants(document, chunks, params)
    assert chunks[-1].char_end == len(text)


def _speakers(text: str) -> dict[str, str | None]:
    """Each sentence of ``text`` (chunked without overlap) and the speaker it carries."""
    chunks = chunk_document(doc(text), words, ChunkingParams(max_tokens=30, overlap_sentences=0))
    return {text[s.char_start : s.char_end]: s.speaker for c in chunks for s in c.sentences}


def test_transcript_speakers_are_attached():
    text = (
        "Department Press Briefing\n\nMR PRICE: Good afternoon. We have one announcement.\n\n"
        "QUESTION: Has the policy on the S-400 changed?\n\nMR PRICE: Our policy has not changed. "
        "We continue to urge Turkey not to keep it.\n\nSECRETARY BLINKEN: Thank you."
    )
    speakers = _speakers(text)
    assert speakers["Department Press Briefing"] is None
    assert speakers["MR PRICE: Good afternoon."] == "MR PRICE"
    assert speakers["QUESTION: Has the policy on the S-400 changed?"] == "QUESTION"
    assert speakers["We continue to urge Turkey not to keep it."] == "MR PRICE"
    assert speakers["SECRETARY BLINKEN: Thank you."] == "SECRETARY BLINKEN"


def test_speaker_labels_in_any_alphabet():
    # Ş and Ğ are outside Latin-1: his answer was once read as the Secretary's
    text = (
        "SECRETARY BLINKEN: We are working on it.\n\n"
        "FOREIGN MINISTER ÇAVUŞOĞLU: Turkey's security concerns should be also met.\n\n"
        "FOREIGN MINISTER RINKĒVIČS: Latvia agrees.\n\nNote: this is not a speaker."
    )
    speakers = _speakers(text)
    said = "FOREIGN MINISTER ÇAVUŞOĞLU: Turkey's security concerns should be also met."
    assert speakers[said] == "FOREIGN MINISTER ÇAVUŞOĞLU"
    assert speakers["FOREIGN MINISTER RINKĒVIČS: Latvia agrees."] == "FOREIGN MINISTER RINKĒVIČS"
    assert speakers["Note: this is not a speaker."] == "FOREIGN MINISTER RINKĒVIČS"  # not upper-case: no label


def test_mixed_case_names_are_speakers_in_a_transcript_that_repeats_them():
    text = (
        "Irene Braam, Executive Director of the Bertelsmann Foundation: Welcome to the launch.\n\n"
        "Alexandra de Hoop Scheffer: Thank you. What is the US position on China?\n\n"
        "Deputy Secretary of State Sherman: The United States’ position is clear: we compete.\n\n"
        "The United States’ position is clear: Our relationship with China will be collaborative.\n\n"
        "Alexandra de Hoop Scheffer: And on NATO?\n\n"
        "Deputy Secretary of State Sherman: NATO is the strongest alliance in history."
    )
    speakers = _speakers(text)
    assert speakers["Irene Braam, Executive Director of the Bertelsmann Foundation: Welcome to the launch."] == (
        "Irene Braam, Executive Director of the Bertelsmann Foundation"
    )
    assert speakers["Alexandra de Hoop Scheffer: Thank you."] == "Alexandra de Hoop Scheffer"
    assert speakers["Deputy Secretary of State Sherman: NATO is the strongest alliance in history."] == (
        "Deputy Secretary of State Sherman"
    )
    # a sentence that opens with a clause and a colon is no turn: it stays the speaker's before it
    said = "The United States’ position is clear: Our relationship with China will be collaborative."
    assert speakers[said] == "Deputy Secretary of State Sherman"


def test_one_mixed_case_label_is_no_transcript():
    speakers = _speakers("Second question is: when?\n\nThe answer came later: never.")
    assert set(speakers.values()) == {None}


def test_the_demo_transcript_with_three_speakers_names_each_turn():
    import json

    with open(CORPUS / "state-dept-demo.jsonl", encoding="utf-8") as lines:
        record = next(r for r in map(json.loads, lines) if r["_id"] == "sdpr-00193")
    text = record["text"]
    speakers = _speakers(text)
    assert speakers["Democracy has to deliver."] == "Deputy Secretary of State"  # her last turn
    assert "Alexandra de Hoop Scheffer" in speakers.values()
    assert "Irene Braam, Executive Director of the Bertelsmann Foundation" in speakers.values()


def test_paragraphs_trim_whitespace():
    text = "  One.\n\n\n  Two.  \n \nThree."
    assert [text[s:e] for s, e in paragraphs(text)] == ["One.", "Two.", "Three."]


_alphabet = st.sampled_from(list("abcdefgh XYZ.,!?\n\n\t'\"é—“”-0123456789") + ["Mr. ", "U.S. ", "\n\n", "  "])


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(_alphabet, min_size=1, max_size=400).map("".join),
    max_tokens=st.integers(16, 80),
    overlap=st.integers(0, 2),
)
def test_generated_documents_keep_offsets(text, max_tokens, overlap):
    if not text.strip():
        return
    document = doc(text)
    params = ChunkingParams(max_tokens=max_tokens, overlap_sentences=overlap)
    chunks = chunk_document(document, words, params)
    assert chunks
    check_invariants(document, chunks, params)
    # Every non-space character of the document lies in some passage.
    covered = [False] * len(text)
    for c in chunks:
        for i in range(c.char_start, c.char_end):
            covered[i] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())
