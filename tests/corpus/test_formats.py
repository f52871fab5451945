"""Word (.docx) and e-mail (.eml) readers: text, metadata, attachments, damaged files."""

from __future__ import annotations

import datetime as dt
import io
from email.message import EmailMessage

import pytest
from test_corpus import _tiny_pdf

from briefing.corpus import SUPPORTED_EXTENSIONS, CorpusError, load_corpus, read_file

docx = pytest.importorskip("docx")


def _docx_bytes(paragraphs: list[str], *, title: str | None = None, created: dt.datetime | None = None) -> bytes:
    word = docx.Document()
    for text in paragraphs:
        word.add_paragraph(text)
    if title:
        word.core_properties.title = title
    if created:
        word.core_properties.created = created
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_and_core_properties(tmp_path):
    data = _docx_bytes(
        ["Talks on the S-400 resumed.", "", "The ministers met in Ankara."],
        title="Readout of the talks",
        created=dt.datetime(2022, 3, 21, 9, 30),
    )
    (tmp_path / "readout.docx").write_bytes(data)
    (document,), skipped = read_file(tmp_path, tmp_path / "readout.docx")
    assert skipped == []
    assert document.text == "Talks on the S-400 resumed.\n\nThe ministers met in Ankara."
    assert (document.title, document.date, document.doc_id) == ("Readout of the talks", "2022-03-21", "readout.docx")


def test_damaged_or_empty_docx_is_skipped_with_a_reason(tmp_path):
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "empty.docx").write_bytes(_docx_bytes([]))
    (tmp_path / "ok.md").write_text("Kept.", encoding="utf-8")
    documents, skipped = load_corpus(tmp_path)
    assert [d.doc_id for d in documents] == ["ok.md"]
    reasons = {s.path: s.reason for s in skipped}
    assert "Word document" in reasons["broken.docx"] and "empty" in reasons["empty.docx"]


def _email(body: str, *, html: bool = False) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Office of the Spokesperson <press@state.example>"
    message["To"] = "desk@example.org"
    message["Subject"] = "Secretary's call with the Turkish Foreign Minister"
    message["Date"] = "Mon, 28 Feb 2022 14:05:00 -0500"
    message.set_content(body, subtype="html" if html else "plain")
    return message


def test_eml_body_metadata_and_readable_attachments(tmp_path):
    message = _email("The Secretary discussed the Montreux Convention.\n")
    message.add_attachment(b"Attached note: grain corridor talks.", maintype="text", subtype="plain", filename="n.txt")
    message.add_attachment(
        _docx_bytes(["The readout names Finland and Sweden."]),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="readout.docx",
    )
    message.add_attachment(_tiny_pdf(["Annex page on F-16s."]), maintype="application", subtype="pdf", filename="a.pdf")
    message.add_attachment(b"\x89PNG\r\n", maintype="image", subtype="png", filename="seal.png")  # not read
    (tmp_path / "call.eml").write_bytes(message.as_bytes())
    (document,), _ = read_file(tmp_path, tmp_path / "call.eml")
    assert document.title == "Secretary's call with the Turkish Foreign Minister"
    assert (document.source, document.date) == ("Office of the Spokesperson", "2022-02-28")
    assert document.text.startswith("The Secretary discussed the Montreux Convention.")
    for piece in (
        "Attached note: grain corridor talks.",
        "The readout names Finland and Sweden.",
        "Annex page on F-16s.",
    ):
        assert piece in document.text
    assert "PNG" not in document.text


def test_eml_html_body_goes_through_the_html_extraction(tmp_path):
    page = (
        "<html><body><nav>Menu Home</nav><article><p>The Department condemned the strike on the port "
        "of Odesa in the strongest terms, one day after the grain deal was signed in Istanbul.</p>"
        "</article><script>window.x=1</script></body></html>"
    )
    (tmp_path / "2022-07-23 statement.eml").write_bytes(_email(page, html=True).as_bytes())
    (document,), _ = read_file(tmp_path, tmp_path / "2022-07-23 statement.eml")
    assert "condemned the strike on the port of Odesa" in document.text
    assert "window.x" not in document.text and "<p>" not in document.text


def test_eml_without_text_is_skipped(tmp_path):
    message = EmailMessage()
    message["Subject"] = "Only a picture"
    message.add_attachment(b"\x89PNG", maintype="image", subtype="png", filename="p.png")
    (tmp_path / "pic.eml").write_bytes(message.as_bytes())
    with pytest.raises(CorpusError, match="no readable text"):
        read_file(tmp_path, tmp_path / "pic.eml")


def test_new_formats_are_accepted_for_upload():
    from briefing.ui.uploads import safe_file_name

    assert {".docx", ".eml"} <= SUPPORTED_EXTENSIONS
    assert safe_file_name("readout.docx") == "readout.docx" and safe_file_name("call.eml") == "call.eml"
