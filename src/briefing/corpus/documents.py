"""What every reader shares: decoding bytes, making a :class:`Document`, content hashes, dates."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..dates import normalise_date as _normalise_date
from ..errors import BadDateError, CorpusError
from ..records import Document

_FILENAME_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class SkippedFile:
    """A file or collection record left out of the index, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def document_sha256(text: str, **meta: object) -> str:
    """Content hash of a document: its text plus metadata, so an edited title re-indexes."""
    payload = json.dumps({"text": text, **meta}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def normalise_date(value: object, where: str) -> str | None:
    """A corpus date (see :func:`briefing.dates.normalise_date`); raises CorpusError when malformed."""
    try:
        return _normalise_date(value, where)
    except BadDateError as error:
        raise CorpusError(str(error)) from error


def date_from_filename(name: str) -> str | None:
    """The ``YYYY-MM-DD`` prefix of a file name, when it is a real date."""
    match = _FILENAME_DATE_RE.match(name)
    if not match:
        return None
    try:
        return normalise_date(match.group(1), name)
    except CorpusError:
        return None


def decode(raw: bytes) -> str:
    """UTF-8 text with normalised line ends; CorpusError for binary or non-UTF-8 bytes."""
    if b"\x00" in raw[:8192]:
        raise CorpusError("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusError(f"not UTF-8 ({error.reason} at byte {error.start})") from error
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _optional_str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def site_of(url: str | None) -> str | None:
    """The site a URL is on, "www." dropped ("https://www.reuters.com/x" -> "reuters.com"): the
    source of a document that names none.  None for no URL or one without a host."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return host.removeprefix("www.")


def make_document(
    relative: str,
    text: str,
    *,
    doc_id: str | None = None,
    title=None,
    date=None,
    source=None,
    url=None,
    pages: tuple[int, ...] = (),
) -> Document:
    """A :class:`Document` with its content hash; CorpusError for an empty text.  Without a
    ``source``, the source is the site of ``url`` (:func:`site_of`)."""
    if not text.strip():
        raise CorpusError("empty document (no text)")
    meta = {
        "title": _optional_str(title),
        "date": date,
        "source": _optional_str(source) or site_of(_optional_str(url)),
        "url": _optional_str(url),
    }
    return Document(
        doc_id=doc_id or relative,
        path=relative,
        text=text,
        sha256=document_sha256(text, **meta, pages=list(pages)),
        pages=pages,
        **meta,
    )
