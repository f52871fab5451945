"""E-mail ``.eml`` files (stdlib ``email``): the body, then the text of readable attachments.

The body is the ``text/plain`` part, or the ``text/html`` part through the HTML reader's
main-text extraction.  Attachments named ``.txt``, ``.md``, ``.html``/``.htm``, ``.pdf`` or
``.docx`` add their text after the body, each as its own block; other attachments are left
out.  Metadata: Subject is the title, From the source (the sender's name, else the address),
Date the date (``YYYY-MM-DD``).
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import io
from pathlib import Path

from ..errors import CorpusError
from ..records import Document
from .documents import date_from_filename, make_document

EML_EXTENSIONS = {".eml"}
ATTACHMENT_EXTENSIONS = {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}


def _html_text(html: str) -> str:
    from .html import html_main_text

    try:
        return html_main_text(html)
    except CorpusError:
        return ""


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader  # lazy: needed only when a PDF is read

    reader = PdfReader(io.BytesIO(data))
    return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()


def _attachment_text(part) -> str:
    """The text of one attachment, or "" when its type is not read or it cannot be read."""
    suffix = Path(part.get_filename() or "").suffix.lower()
    if suffix not in ATTACHMENT_EXTENSIONS:
        return ""
    try:
        data = part.get_payload(decode=True) or b""
        if suffix == ".pdf":
            return _pdf_text(data)
        if suffix == ".docx":
            from .docx import docx_text

            return docx_text(data)[0]
        text = data.decode(part.get_content_charset() or "utf-8", errors="replace")
        return _html_text(text) if suffix in {".html", ".htm"} else text
    except Exception:  # noqa: BLE001 - an unreadable attachment is left out, the e-mail still indexes
        return ""


def _body_text(message) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, UnicodeError) as error:
        raise CorpusError(f"unreadable e-mail body ({error})") from error
    return _html_text(content) if body.get_content_type() == "text/html" else content


def _date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        return None


def _sender(value: str | None) -> str | None:
    if not value:
        return None
    name, address = email.utils.parseaddr(str(value))
    return name.strip() or address.strip() or str(value).strip() or None


def read_eml(path: Path, relative: str) -> list[Document]:
    """One Document per e-mail; CorpusError when it holds no readable text."""
    try:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    except Exception as error:  # noqa: BLE001 - the parser is lenient; anything it raises is reported
        raise CorpusError(f"unreadable e-mail ({type(error).__name__}: {error})") from error
    blocks = [_body_text(message)]
    blocks.extend(_attachment_text(part) for part in message.iter_attachments())
    text = "\n\n".join(block.replace("\r\n", "\n").replace("\r", "\n").strip() for block in blocks if block.strip())
    if not text.strip():
        raise CorpusError("no readable text in the e-mail (body or attachments)")
    return [
        make_document(
            relative,
            text,
            title=str(message.get("Subject") or "").strip() or None,
            date=_date(message.get("Date")) or date_from_filename(path.name),
            source=_sender(message.get("From")),
        )
    ]
