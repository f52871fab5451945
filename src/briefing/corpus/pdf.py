"""``.pdf`` files: the text of every page via pypdf, with page start offsets for citations."""

from __future__ import annotations

from pathlib import Path

from ..errors import CorpusError
from ..records import Document
from .documents import date_from_filename, make_document


def read_pdf(path: Path, relative: str) -> list[Document]:
    from pypdf import PdfReader  # lazy: needed only when a PDF is read

    try:
        reader = PdfReader(str(path))
        page_texts = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on a damaged file
        raise CorpusError(f"unreadable PDF ({type(error).__name__}: {error})") from error
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for page_text in page_texts:
        page_text = page_text.replace("\r\n", "\n").replace("\r", "\n")
        starts.append(offset)
        parts.append(page_text)
        offset += len(page_text) + 2
    text = "\n\n".join(parts)
    return [make_document(relative, text, title=title, date=date_from_filename(path.name), pages=tuple(starts))]
