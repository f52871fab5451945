"""Briefs (Markdown and .docx) built only from Answer/Extract records and fixed phrases."""

from __future__ import annotations

import re

import pytest

from briefing import brief, phrases
from briefing.errors import UsageError
from briefing.records import Answer, Extract

HOSTILE = "He said *no* [x](javascript:alert(1)) <b>loudly</b>\n# not a heading\n1. not a list"


def _extract(text, citation=1, doc_id="a.md", **meta) -> Extract:
    values = dict(
        citation=citation,
        text=text,
        doc_id=doc_id,
        path=doc_id.split("#")[0],
        char_start=10,
        char_end=10 + len(text),
        score=0.5,
        title="Talks (report)",
        date="2021-06-10",
        source="Office of the Spokesperson",
        url="https://example.org/a",
        speaker=None,
        page=None,
    )
    values.update(meta)
    return Extract(**values)


ANSWERS = [
    Answer(
        "Did the position change?",
        False,
        "",
        extracts=(
            _extract("The policy has not changed.", speaker="MR PRICE"),
            _extract("Sanctions followed.", citation=2, doc_id="c.jsonl#r2", date="2022-03-21", title="Briefing"),
        ),
        timeline=True,
    ),
    Answer(
        "What did the report say?",
        False,
        "",
        extracts=(
            _extract("Sanctions followed.", citation=1, doc_id="c.jsonl#r2", date="2022-03-21", title="Briefing"),
            _extract(HOSTILE, citation=2, doc_id="r.pdf", page=3, url=None, source=None, title=None),
        ),
        filters={"since": "2021-01-01"},
    ),
    Answer("Who won the cup?", True, phrases.NO_ANSWER),
]


def _unescape_md(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def test_markdown_brief_quotes_verbatim_with_numbered_sources():
    text = brief.brief_markdown(ANSWERS, exported="2026-11-26 07:00")
    plain = _unescape_md(text)
    for reply in ANSWERS:
        assert reply.question in plain
        for extract in reply.extracts:
            assert "\n".join(f"> {line}".rstrip() for line in extract.text.split("\n")) in plain
    assert phrases.TIMELINE_HEADER in text and phrases.NO_ANSWER in text
    assert phrases.filter_phrase("2021-01-01", None, None) in text
    # one number per document for the whole brief: c.jsonl#r2 is [2] in both answers
    assert "[1] Talks (report) · 2021-06-10 · Office of the Spokesperson · https://example.org/a · file a.md" in plain
    assert "[2] Briefing · 2022-03-21" in plain and plain.count("[2] Briefing · 2022-03-21 ·") == 3
    assert "[3] untitled · 2021-06-10 · source unknown · file r.pdf" in plain
    assert "Quoted: MR PRICE, characters 10–37" in plain
    assert f"characters 10–{10 + len(HOSTILE)}, page 3" in plain
    # the hostile extract stays text: no live link, emphasis, heading or list
    assert "[x](javascript" not in text and "*no*" not in text and "\n# not" not in text
    assert "> \\# not a heading" in text and "> 1\\. not a list" in text


def test_docx_brief_opens_with_python_docx_and_holds_quotes_and_sources(tmp_path):
    docx = pytest.importorskip("docx")
    path = brief.write_brief(ANSWERS, tmp_path / "brief.docx")
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes == ["The policy has not changed.", "Sanctions followed.", "Sanctions followed.", HOSTILE]
    assert "Question: Did the position change?" in paragraphs and phrases.NO_ANSWER in paragraphs
    sources = paragraphs[paragraphs.index(brief.SOURCES) + 1 :]
    assert (
        sources[0] == "[1] Talks (report) · 2021-06-10 · Office of the Spokesperson · https://example.org/a · file a.md"
    )
    assert "Quoted: MR PRICE, characters 10–37" in sources
    assert document.core_properties.title == brief.BRIEF_TITLE


def test_brief_words_are_extracts_metadata_and_fixed_phrases_only():
    text = _unescape_md(brief.brief_markdown(ANSWERS, exported="X"))
    text = re.sub(r"(?m)^> ?", "", text)  # block-quote markers, so multi-line extracts are contiguous again
    text = re.sub(r"</?mark>", "", text)  # a timeline's highlight of new words is formatting, not words
    for reply in ANSWERS:
        text = text.replace(reply.question, "")
        for extract in reply.extracts:
            for piece in (extract.text, extract.title, extract.date, extract.source, extract.url, extract.doc_id):
                if piece:
                    text = text.replace(piece, "")
            if extract.speaker:
                text = text.replace(extract.speaker, "")
    for fixed in (phrases.TIMELINE_HEADER, phrases.NO_ANSWER, phrases.filter_phrase("2021-01-01", None, None)):
        text = text.replace(fixed, "")
    for fixed in (brief.EXPORTED.format(when="X"), brief.BRIEF_TITLE, brief.QUESTION, brief.SOURCES, brief.QUOTED):
        text = text.replace(fixed, "")
    for fixed in (phrases.UNTITLED, phrases.SOURCE_UNKNOWN, "characters", "page", "file"):
        text = text.replace(fixed, "")
    assert re.sub(r"[\s\d\[\]#>:·,.–—*\-]", "", text) == ""


def test_unknown_format_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="md or docx"):
        brief.write_brief(ANSWERS, tmp_path / "brief.pdf")
