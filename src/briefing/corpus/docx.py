"""Word ``.docx`` files: the text of every paragraph (python-docx); title and created date from the
document's core properties."""

from __future__ import annotations

import io
from pathlib import Path

from ..errors import CorpusError
from ..records import Document
from .documents import date_from_filename, make_document

DOCX_EXTENSIONS = {".docx"}


def docx_text(data: bytes) -> tuple[str, str | None, str | None]:
    """(text, title, created date ``YYYY-MM-DD``) of a .docx file's bytes.

    The text is the paragraphs' text, one paragraph per block separated by a blank line
    (empty paragraphs left out).  Raises CorpusError when the bytes are not a Word document.
    """
    from docx import Document as WordDocument  # lazy: needed only when a .docx is read

    try:
        word = WordDocument(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001 - python-docx raises many kinds on a damaged file
        raise CorpusError(f"unreadable Word document ({type(error).__name__}: {error})") from error
    paragraphs = [paragraph.text.strip() for paragraph in word.paragraphs]
    text = "\n\n".join(p.replace("\r\n", "\n").replace("\r", "\n") for p in paragraphs if p)
    properties = word.core_properties
    created = properties.created.date().isoformat() if properties.created else None
    return text, (properties.title or "").strip() or None, created


def read_docx(path: Path, relative: str) -> list[Document]:
    """One Document per .docx file; CorpusError for a damaged or empty one."""
    text, title, created = docx_text(path.read_bytes())
    return [make_document(relative, text, title=title, date=created or date_from_filename(path.name))]
