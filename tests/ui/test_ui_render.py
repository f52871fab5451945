"""Fast tests of the UI's HTML, follow-up rule and upload checks (no server, no model)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from briefing import phrases
from briefing.errors import UploadRejected
from briefing.records import Answer, Document, Extract
from briefing.ui.followup import follow_up_context, is_follow_up
from briefing.ui.render import location, render_answer, render_source, render_transcript
from briefing.ui.uploads import MAX_UPLOAD_BYTES, add_to_corpus, safe_file_name

HOSTILE = (
    'Talks ended <script>window.__xss=1</script> with <img src=x onerror="window.__xss=2"> '
    "and [x](javascript:window.__xss=3) plus **bold** and ${window.__xss=4} {{constructor}}."
)


class _Tags(HTMLParser):
    """Every start tag and its attributes, as a browser's parser would see them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _extract(text: str, **meta) -> Extract:
    defaults = dict(
        citation=1,
        text=text,
        doc_id="doc.md",
        path="doc.md",
        char_start=0,
        char_end=len(text),
        score=0.9,
        title="T",
        date="2021-02-03",
        source="Wire",
        url=None,
        speaker=None,
    )
    defaults.update(meta)
    return Extract(**defaults)


def _inert(html: str) -> None:
    tags = _tags(html)
    names = {tag for tag, _ in tags}
    assert not names & {"script", "img", "iframe", "a", "strong", "em"}, names
    for _, attrs in tags:
        assert not any(key.startswith("on") for key in attrs), attrs
        assert "javascript:" not in " ".join(str(v) for v in attrs.values())


def test_answer_escapes_every_document_string():
    extract = _extract(
        HOSTILE,
        title="<b onmouseover=alert(1)>T</b>",
        source="<img src=x onerror=alert(2)>",
        speaker="MR <SCRIPT>",
        url="javascript:alert(3)",
    )
    html = render_answer(Answer("q", False, "", extracts=(extract,)), 0)
    _inert(html)
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "[x](javascript:window.__xss=3)" in html  # shown as text, never a link
    assert "<blockquote>" in html and "[1]</button>" in html


def test_abstention_is_the_fixed_message_only():
    html = render_answer(Answer("q", True, phrases.NO_ANSWER, filters={"since": "2021-01-01"}), 0)
    text = re.sub(r"<[^>]+>", "", html)
    assert text == phrases.NO_ANSWER


def test_timeline_and_filters_headers():
    extracts = (_extract("A said no.", speaker="MR PRICE"), _extract("B said yes.", citation=2, date="2022"))
    html = render_answer(
        Answer(
            "q", False, "", extracts=extracts, timeline=True, filters={"since": "2021-01-01", "until": "2022-12-31"}
        ),
        3,
    )
    assert phrases.TIMELINE_HEADER in html
    assert phrases.filter_phrase("2021-01-01", "2022-12-31", None) in html
    assert '<span class="bf-when-date">2021-02-03</span><span class="bf-when-speaker">MR PRICE</span>' in html
    assert 'data-turn="3" data-extract="1"' in html


def test_no_timeline_header_when_every_date_is_the_same():
    extracts = (_extract("A said no."), _extract("B said yes.", citation=2, doc_id="b.md"))
    html = render_answer(Answer("q", False, "", extracts=extracts, timeline=True), 0)
    assert phrases.TIMELINE_HEADER not in html
    assert html.count("<blockquote>") == 2


def test_one_caption_per_document_with_its_extracts_beneath():
    extracts = (
        _extract("First from one.", speaker="MR PRICE"),
        _extract("Only from two.", citation=2, doc_id="two.md", title="Two", speaker="MS PSAKI"),
        _extract("Second from one.", speaker="QUESTION"),
    )
    html = render_answer(Answer("q", False, "", extracts=extracts), 0)
    assert html.count("<figcaption>") == 2 and html.count('<span class="bf-title">') == 2
    one, two = html.split('<figure class="bf-doc"')[1:]
    assert "First from one." in one and "Second from one." in one and "Only from two." in two
    # each extract keeps its own citation button pointing at its position in the answer
    assert 'data-extract="0"' in one and 'data-extract="2"' in one and 'data-extract="1"' in two
    # speakers differ inside document one: each extract names its speaker; document two's is in the caption
    assert '<span class="bf-extract-speaker">MR PRICE</span>' in one and "QUESTION" in one
    assert '<span class="bf-speaker">MS PSAKI</span>' in two


def test_status_has_no_sources_row_without_known_sources():
    from briefing.ui.render import render_status

    assert "Sources" not in render_status({"documents": 1, "passages": 3}, sources=0)
    assert "<dt>Sources</dt><dd>2</dd>" in render_status({"documents": 3, "passages": 9}, sources=2)


def test_source_view_marks_the_extract_and_says_where():
    text = "First paragraph.\n\nSecond one. The key sentence.\n\nThird <script>x</script> paragraph."
    start = text.index("The key sentence.")
    document = Document(doc_id="d.md", path="d.md", text=text, title="<i>T</i>", url="javascript:alert(1)")
    extract = _extract("The key sentence.", doc_id="d.md", char_start=start, char_end=start + 17)
    html = render_source(document, extract)
    _inert(html)
    assert "<mark>The key sentence.</mark>" in html
    assert "paragraph 2 of 3" in html and f"characters {start}–{start + 17} of {len(text)}" in html
    assert "javascript:alert(1)" in html  # as text: there is no <a> at all (checked by _inert)
    where = location(document, start, start + 17)
    assert (where["paragraph"], where["paragraphs"], where["page"]) == (2, 3, None)


def test_source_view_pdf_page_and_http_link():
    text = "Page one text.\n\nPage two has the claim."
    document = Document(doc_id="r.pdf", path="r.pdf", text=text, pages=(0, 16), url="https://example.org/r?a=1&b=2")
    start = text.index("the claim")
    html = render_source(document, _extract("the claim", doc_id="r.pdf", char_start=start, char_end=start + 9))
    assert "page 2 of 2" in html
    assert '<a href="https://example.org/r?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">' in html


def test_source_view_after_the_document_changed():
    document = Document(doc_id="d.md", path="d.md", text="New text. The claim moved here.")
    moved = render_source(document, _extract("The claim moved here.", char_start=0, char_end=21))
    assert "<mark>The claim moved here.</mark>" in moved
    gone = render_source(document, _extract("Vanished sentence.", char_start=0, char_end=18))
    assert "<mark>" not in gone


def test_transcript_escapes_questions():
    html = render_transcript(
        [
            {
                "question": "<img src=x onerror=alert(1)>?",
                "context": "<b>prev</b>",
                "answer": Answer("q", True, phrases.NO_ANSWER),
            }
        ]
    )
    _inert(html)


@pytest.mark.parametrize(
    "question",
    [
        "and what did Turkey say?",
        "And Greece?",
        "What about Russia?",
        "how about the EU?",
        "But why?",
        "Why did they refuse?",
        "When was that?",
        "Did he say it again?",
    ],
)
def test_follow_ups(question):
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "Did the US position change?",
        "What did the State Department urge Turkey to do?",
        "Andorra's position on the S-400 deal?",
        "What did the spokesman say about the sanctions on Ankara?",
        "",
    ],
)
def test_not_follow_ups(question):
    assert not is_follow_up(question)


def test_follow_up_context_keeps_the_subject_and_stays_bounded():
    assert follow_up_context("and Turkey?", []) is None
    first = follow_up_context("and what did Turkey say?", [("Did the US position change?", None)])
    assert first == "Did the US position change?"
    second = follow_up_context("why?", [("Did the US position change?", None), ("and what did Turkey say?", first)])
    assert second == "Did the US position change?\nand what did Turkey say?"
    third = follow_up_context(
        "and then?", [("Did the US position change?", None), ("and what did Turkey say?", first), ("why?", second)]
    )
    assert third == "Did the US position change?\nwhy?"
    assert follow_up_context("Did the US position change?", [("What did Turkey propose?", None)]) is None


@pytest.mark.parametrize(
    "name,reason",
    [
        ("../evil.md", "'..'"),
        ("a/../../evil.md", "'..'"),
        (".hidden.md", "hidden"),
        ("x..md", "'..'"),
        ("run.exe", "unsupported type"),
        ("noext", "unsupported type"),
        ("bad;name.md", "letters, digits"),
        ("new\nline.md", "letters, digits"),
        ("", "no name"),
        ("dir/", "no name"),
        ("a" * 200 + ".md", "longer"),
    ],
)
def test_unsafe_names_are_rejected_with_a_reason(name, reason):
    with pytest.raises(UploadRejected, match=re.escape(reason)):
        safe_file_name(name)


def test_safe_names_strip_directories():
    assert safe_file_name("/tmp/gradio/abc/2021-05-01 Brief (v2).md") == "2021-05-01 Brief (v2).md"
    assert safe_file_name("C:\\Users\\me\\notes.TXT") == "notes.TXT"


def test_add_to_corpus_writes_only_inside_the_corpus(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    upload = outside / "note.md"
    upload.write_text("Some text.")
    target, replaced = add_to_corpus(upload, corpus)
    assert target == (corpus / "note.md").resolve() and not replaced
    assert add_to_corpus(upload, corpus)[1] is True
    with pytest.raises(UploadRejected):
        add_to_corpus(upload, corpus, name="../../outside/x.md")
    big = outside / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1)
    with pytest.raises(UploadRejected, match="MB limit"):
        add_to_corpus(big, corpus)
    assert sorted(p.name for p in corpus.iterdir()) == ["note.md"]  # no temporary file left behind
    assert sorted(p.name for p in outside.iterdir()) == ["big.txt", "note.md"]


def test_index_holder_swaps_and_a_second_rebuild_is_refused(tmp_path):
    from briefing.ui.service import BUSY, IndexHolder, add_and_rebuild

    first, second = object(), object()
    holder = IndexHolder(first, tmp_path / "corpus", tmp_path / "index")
    assert holder.swap(second) is first and holder.index is second
    upload = tmp_path / "note.md"
    upload.write_text("A note.", encoding="utf-8")
    with holder.rebuild_lock:
        outcome = add_and_rebuild(holder, [upload])
    assert outcome.busy and not outcome.ok and not outcome.rebuilt and outcome.lines == [BUSY]
    assert not (tmp_path / "corpus").exists()  # nothing was copied while another rebuild ran


def test_filters_from_the_controls():
    import gradio as gr

    from briefing.ui.app import ALL_SOURCES, make_filters

    assert make_filters("", " ", ALL_SOURCES) is None
    filters = make_filters("2021", "2022-05", "Wire")
    assert (filters.since, filters.until, filters.source) == ("2021-01-01", "2022-05-31", "Wire")
    with pytest.raises(gr.Error):
        make_filters("2021-02-30", "", None)
    with pytest.raises(gr.Error):
        make_filters("2022-01-01", "2021-01-01", None)
