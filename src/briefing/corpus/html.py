"""``.html`` and ``.htm`` pages: the main text, title and site name, via trafilatura."""

from __future__ import annotations

from pathlib import Path

from ..errors import CorpusError
from ..records import Document
from .documents import date_from_filename, decode, make_document

HTML_EXTENSIONS = {".html", ".htm"}


def _extract(html: str):
    import trafilatura  # lazy: a heavy import, needed only when an HTML file is read

    extracted = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_recall=True
    )
    if extracted is None or not (extracted.text or "").strip():
        raise CorpusError("no main text found in the HTML")
    return extracted


def html_main_text(html: str) -> str:
    """The main text of an HTML page (as the HTML reader extracts it); CorpusError when there is none."""
    return _extract(html).text


def read_html(path: Path, relative: str) -> list[Document]:
    extracted = _extract(decode(path.read_bytes()))
    date = date_from_filename(path.name)
    return [
        make_document(
            relative,
            extracted.text,
            title=extracted.title,
            date=date,
            source=extracted.sitename or extracted.author,
            url=extracted.url,
        )
    ]
