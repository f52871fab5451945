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


FOLLOW_UPS = [None, "Did the position change?", None]


def test_markdown_brief_quotes_verbatim_with_numbered_sources():
    text = brief.brief_markdown(ANSWERS, exported="2026-11-26 07:00", follow_ups=FOLLOW_UPS)
    plain = _unescape_md(text)
    for reply in ANSWERS:
        assert reply.question in plain
        for extract in reply.extracts:
            assert "\n".join(f"> {line}".rstrip() for line in extract.text.split("\n")) in plain
    assert phrases.TIMELINE_HEADER in text and phrases.NO_ANSWER in text
    assert phrases.filter_phrase("2021-01-01", None, None) in text
    # each answer numbers its sources as the chat does: c.jsonl#r2 is [2] in the first answer, [1] in the second
    assert "[1] Talks (report) · 2021-06-10 · Office of the Spokesperson · <https://example.org/a> · file a.md" in plain
    assert "**[2] Briefing · 2022-03-21 · Office of the Spokesperson**" in plain
    assert "**[1] Briefing · 2022-03-21 · Office of the Spokesperson**" in plain
    assert "[2] untitled · 2021-06-10 · source unknown · file r.pdf" in plain
    assert plain.count("### Sources") == 2  # one list per answer that quotes something
    assert "Quoted: MR PRICE, characters 10–37" in plain
    assert f"characters 10–{10 + len(HOSTILE)}, page 3" in plain
    # the hostile extract stays text: no live link, emphasis, heading or list
    assert "[x](javascript" not in text and "*no*" not in text and "\n# not" not in text
    assert "> \\# not a heading" in text and "> 1\\. not a list" in text


def test_follow_ups_carry_the_question_they_follow():
    plain = _unescape_md(brief.brief_markdown(ANSWERS, exported="X", follow_ups=FOLLOW_UPS))
    assert "## Question: What did the report say? (follow-up to: Did the position change?)" in plain
    assert "## Question: Did the position change?\n" in plain  # a stand-alone question has no note


def test_the_brief_numbers_each_answer_as_the_chat_does():
    for reply in ANSWERS:
        sources = brief.number_sources(reply)
        assert {doc_id: s.number for doc_id, s in sources.items()} == {e.doc_id: e.citation for e in reply.extracts}


def test_docx_brief_opens_with_python_docx_and_holds_quotes_and_sources(tmp_path):
    import datetime as dt

    docx = pytest.importorskip("docx")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    path = brief.write_brief(ANSWERS, tmp_path / "brief.docx", follow_ups=FOLLOW_UPS)
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes == ["The policy has not changed.", "Sanctions followed.", "Sanctions followed.", HOSTILE]
    assert "Question: Did the position change?" in paragraphs and phrases.NO_ANSWER in paragraphs
    assert "Question: What did the report say? (follow-up to: Did the position change?)" in paragraphs
    sources = paragraphs[paragraphs.index(brief.SOURCES) + 1 :]
    assert (
        sources[0] == "[1] Talks (report) · 2021-06-10 · Office of the Spokesperson · https://example.org/a · file a.md"
    )
    assert "Quoted: MR PRICE, characters 10–37" in sources
    # real core properties: the title names the brief, created and modified are now (not the template's 2013)
    properties = document.core_properties
    assert properties.title == f"{brief.BRIEF_TITLE}: Did the position change?"
    created = properties.created.replace(tzinfo=dt.UTC)
    assert before - dt.timedelta(seconds=1) <= created <= dt.datetime.now(dt.UTC)
    assert properties.modified.replace(tzinfo=dt.UTC) == created
    # the source URL is a clickable link to an external target; a non-http URL is never one
    links = [link for p in document.paragraphs for link in p.hyperlinks]
    assert [link.address for link in links] == ["https://example.org/a"] * 3  # r.pdf has no URL
    assert all(link.text == "https://example.org/a" for link in links)


def test_only_http_urls_become_links(tmp_path):
    docx = pytest.importorskip("docx")
    hostile = Answer("Q?", False, "", extracts=(_extract("Quote.", url="javascript:alert(1)"),))
    document = docx.Document(str(brief.write_brief([hostile], tmp_path / "b.docx")))
    assert not [link for p in document.paragraphs for link in p.hyperlinks]
    assert any("javascript:alert(1)" in p.text for p in document.paragraphs)
    assert "<javascript" not in brief.brief_markdown([hostile], exported="X")


def test_brief_words_are_extracts_metadata_and_fixed_phrases_only():
    text = _unescape_md(brief.brief_markdown(ANSWERS, exported="X", follow_ups=FOLLOW_UPS))
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
    text = text.replace(brief.FOLLOW_UP.format(question=""), "")
    for fixed in (phrases.UNTITLED, phrases.SOURCE_UNKNOWN, "characters", "page", "file"):
        text = text.replace(fixed, "")
    assert re.sub(r"[\s\d\[\]()#<>:·,.–—*\-]", "", text) == ""  # < > wrap a link


def test_unknown_format_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="md or docx"):
        brief.write_brief(ANSWERS, tmp_path / "brief.pdf")


def test_the_chat_exports_a_follow_up_with_the_question_it_follows():
    from briefing.ui.app import _brief_files
    from briefing.ui.followup import follow_up_context

    first = Answer("Did the position change?", False, "", extracts=ANSWERS[0].extracts)
    why = Answer("Why?", False, "", extracts=ANSWERS[1].extracts)
    context = follow_up_context("Why?", [(first.question, None)])
    turns = [
        {"question": first.question, "context": None, "answer": first},
        {"question": "Why?", "context": context, "answer": why},
    ]
    markdown, word = _brief_files(turns)
    text = _unescape_md(markdown.read_text(encoding="utf-8"))
    assert "## Question: Why? (follow-up to: Did the position change?)" in text
    assert "## Question: Did the position change?\n" in text
    assert word.suffix == ".docx" and word.stat().st_size > 0
