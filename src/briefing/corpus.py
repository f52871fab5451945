"""Reading the corpus folder into :class:`Document` records.

Supported inputs: ``.md``/``.txt`` (optional YAML front matter), ``.html``/``.htm``
(main text via trafilatura), ``.pdf`` (text via pypdf, page offsets kept) and
``.jsonl`` collections (one document per line).  A file that cannot be read
raises :class:`CorpusError` with the reason; :func:`load_corpus` turns those into
warnings and goes on with the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from .records import Document

TEXT_EXTENSIONS = {".md", ".txt"}
HTML_EXTENSIONS = {".html", ".htm"}
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | HTML_EXTENSIONS | {".pdf", ".jsonl"}

_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_FILENAME_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class CorpusError(Exception):
    """A corpus file (or one record of it) cannot be indexed; the message says why."""


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
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` from front matter; raises CorpusError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not _DATE_RE.match(text):
        raise CorpusError(f"{where}: date {text!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
    parts = [int(p) for p in text.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError as error:
        raise CorpusError(f"{where}: date {text!r} is not a calendar date") from error
    return text


def date_from_filename(name: str) -> str | None:
    """The ``YYYY-MM-DD`` prefix of a file name, when it is a real date."""
    match = _FILENAME_DATE_RE.match(name)
    if not match:
        return None
    try:
        return normalise_date(match.group(1), name)
    except CorpusError:
        return None


def iter_corpus_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` (sorted), skipping hidden files and folders."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file():
            yield path


def _decode(raw: bytes) -> str:
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


def _make_document(
    relative: str, text: str, *, doc_id: str | None = None, title=None, date=None, source=None, url=None,
    pages: tuple[int, ...] = (),
) -> Document:
    if not text.strip():
        raise CorpusError("empty document (no text)")
    meta = {
        "title": _optional_str(title),
        "date": date,
        "source": _optional_str(source),
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


def _read_text(path: Path, relative: str) -> list[Document]:
    text = _decode(path.read_bytes())
    meta: dict = {}
    match = _FRONT_MATTER_RE.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as error:
            raise CorpusError(f"malformed front matter: {str(error).splitlines()[0]}") from error
        if loaded is not None and not isinstance(loaded, dict):
            raise CorpusError("malformed front matter: expected 'key: value' lines")
        meta = loaded or {}
        text = text[match.end():]
    date = normalise_date(meta.get("date"), "front matter") or date_from_filename(path.name)
    return [
        _make_document(
            relative, text, title=meta.get("title"), date=date, source=meta.get("source"), url=meta.get("url")
        )
    ]


def _read_html(path: Path, relative: str) -> list[Document]:
    import trafilatura

    html = _decode(path.read_bytes())
    extracted = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_recall=True
    )
    if extracted is None or not (extracted.text or "").strip():
        raise CorpusError("no main text found in the HTML")
    date = date_from_filename(path.name)
    return [
        _make_document(
            relative,
            extracted.text,
            title=extracted.title,
            date=date,
            source=extracted.sitename or extracted.author,
            url=extracted.url,
        )
    ]


def _read_pdf(path: Path, relative: str) -> list[Document]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        page_texts = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise CorpusError(f"unreadable PDF ({error})") from error
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for page_text in page_texts:
        page_text = page_text.replace("\r\n", "\n").replace("\r", "\n")
        starts.append(offset)
        parts.append(page_text)
        offset += len(page_text) + 2
    text = "\n\n".join(parts)
    return [
        _make_document(relative, text, title=title, date=date_from_filename(path.name), pages=tuple(starts))
    ]


def read_jsonl_records(path: Path, relative: str) -> Iterator[Document | SkippedFile]:
    """Documents of a ``.jsonl`` collection, one per line; bad lines come back as SkippedFile."""
    text = _decode(path.read_bytes())
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{relative}:{line_number}"
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise CorpusError("expected a JSON object")
            record_id = record.get("_id", record.get("id"))
            if record_id is None or str(record_id).strip() == "":
                raise CorpusError("record has no '_id' or 'id'")
            body = record.get("text")
            if not isinstance(body, str):
                raise CorpusError("record has no 'text' string")
            body = body.replace("\r\n", "\n").replace("\r", "\n")
            yield _make_document(
                relative,
                body,
                doc_id=f"{relative}#{record_id}",
                title=record.get("title"),
                date=normalise_date(record.get("date"), "record"),
                source=record.get("source") or record.get("author"),
                url=record.get("url"),
            )
        except json.JSONDecodeError as error:
            yield SkippedFile(where, f"malformed JSON ({error.msg})")
        except CorpusError as error:
            yield SkippedFile(where, str(error))


def read_file(root: Path, path: Path) -> tuple[list[Document], list[SkippedFile]]:
    """Documents of one corpus file, plus the records skipped inside it.

    Raises :class:`CorpusError` when the whole file cannot be used.
    """
    relative = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise CorpusError(
            f"unknown extension {suffix or '(none)'!r}; supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))}"
        )
    try:
        if suffix in TEXT_EXTENSIONS:
            return _read_text(path, relative), []
        if suffix in HTML_EXTENSIONS:
            return _read_html(path, relative), []
        if suffix == ".pdf":
            return _read_pdf(path, relative), []
        documents: list[Document] = []
        skipped: list[SkippedFile] = []
        for item in read_jsonl_records(path, relative):
            (documents if isinstance(item, Document) else skipped).append(item)
        if not documents:
            raise CorpusError("no usable record in the collection" + (f" ({skipped[0].reason})" if skipped else ""))
        return documents, skipped
    except OSError as error:
        raise CorpusError(f"unreadable ({error.strerror or error})") from error


def load_corpus(root: Path) -> tuple[list[Document], list[SkippedFile]]:
    """All documents under ``root`` and the files or records skipped, with reasons.

    >>> documents, skipped = load_corpus(Path("corpus"))  # doctest: +SKIP
    """
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for path in iter_corpus_files(root):
        try:
            found, bad = read_file(root, path)
        except CorpusError as error:
            skipped.append(SkippedFile(path.relative_to(root).as_posix(), str(error)))
            continue
        documents.extend(found)
        skipped.extend(bad)
    return documents, skipped
