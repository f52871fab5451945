"""Reading the corpus folder into :class:`Document` records.

Supported inputs: ``.md``/``.txt`` (optional YAML front matter), ``.html``/``.htm``
(main text via trafilatura), ``.pdf`` (text via pypdf, page offsets kept), ``.docx``
(paragraphs via python-docx), ``.eml`` e-mails (body and readable attachments) and
``.jsonl`` collections (one document per line).  A file that cannot be read
raises :class:`CorpusError` with the reason; :func:`load_corpus` turns those into
warnings and goes on with the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import CorpusError
from ..records import Document
from .collection import read_jsonl_records
from .documents import SkippedFile, date_from_filename, document_sha256, file_sha256, normalise_date
from .docx import DOCX_EXTENSIONS, read_docx
from .eml import EML_EXTENSIONS, read_eml
from .html import HTML_EXTENSIONS, read_html
from .limits import MAX_DOCUMENT_ENV, max_document_bytes, over_limit
from .pdf import read_pdf
from .text import TEXT_EXTENSIONS, read_text
from .walk import os_reason, shown_path, walk_corpus

SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | HTML_EXTENSIONS | DOCX_EXTENSIONS | EML_EXTENSIONS | {".pdf", ".jsonl"}

__all__ = [
    "MAX_DOCUMENT_ENV",
    "SUPPORTED_EXTENSIONS",
    "CorpusError",
    "SkippedFile",
    "date_from_filename",
    "document_sha256",
    "file_sha256",
    "iter_corpus_files",
    "load_corpus",
    "max_document_bytes",
    "normalise_date",
    "read_file",
    "read_jsonl_records",
    "shown_path",
    "walk_corpus",
]


def walk(root: Path) -> Iterator[Path | SkippedFile]:
    """Every regular file under ``root``, and everything else found there as a SkippedFile with the reason.

    Hidden files and folders are left out; see :func:`briefing.corpus.walk.walk_corpus`.
    """
    return walk_corpus(Path(root), frozenset(SUPPORTED_EXTENSIONS))


def iter_corpus_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` (sorted per folder), skipping hidden files and folders."""
    for item in walk(root):
        if isinstance(item, Path):
            yield item


def read_file(root: Path, path: Path, *, max_bytes: int | None = None) -> tuple[list[Document], list[SkippedFile]]:
    """Documents of one corpus file, plus the records skipped inside it.

    ``max_bytes`` is the document size limit (default :func:`max_document_bytes`): a file other
    than a ``.jsonl`` collection above it is refused before it is read, and so is any document
    whose text is longer (in a collection, that record only).  Raises :class:`CorpusError`
    when the whole file cannot be used, whatever the cause; the message says why.
    """
    relative = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise CorpusError(
            f"unknown extension {suffix or '(none)'!r}; supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))}"
        )
    limit = max_document_bytes() if max_bytes is None else max_bytes
    try:
        if suffix != ".jsonl" and (size := path.stat().st_size) > limit:
            raise CorpusError(over_limit(size, limit, "the file is"))
        documents, skipped = _read_by_type(path, relative, suffix, limit)
    except CorpusError:
        raise
    except OSError as error:
        raise CorpusError(os_reason(error)) from error
    except Exception as error:  # noqa: BLE001 - no file may stop a build; the reason is reported
        raise CorpusError(f"could not be read ({type(error).__name__}: {error})") from error
    kept = []
    for document in documents:
        if len(document.text) <= limit:
            kept.append(document)
        elif suffix == ".jsonl":
            skipped.append(SkippedFile(document.doc_id, over_limit(len(document.text), limit, "its text is")))
        else:
            raise CorpusError(over_limit(len(document.text), limit, "its text is"))
    if suffix == ".jsonl" and not kept:
        raise CorpusError("no usable record in the collection" + (f" ({skipped[0].reason})" if skipped else ""))
    return kept, skipped


def _read_by_type(path: Path, relative: str, suffix: str, limit: int) -> tuple[list[Document], list[SkippedFile]]:
    if suffix in TEXT_EXTENSIONS:
        return read_text(path, relative), []
    if suffix in HTML_EXTENSIONS:
        return read_html(path, relative), []
    if suffix == ".pdf":
        return read_pdf(path, relative), []
    if suffix in DOCX_EXTENSIONS:
        return read_docx(path, relative), []
    if suffix in EML_EXTENSIONS:
        return read_eml(path, relative), []
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for item in read_jsonl_records(path, relative, max_bytes=limit):
        (documents if isinstance(item, Document) else skipped).append(item)
    return documents, skipped


def load_corpus(root: Path) -> tuple[list[Document], list[SkippedFile]]:
    """All documents under ``root`` and the files or records skipped, with reasons.

    >>> documents, skipped = load_corpus(Path("corpus"))  # doctest: +SKIP
    """
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for path in walk(root):
        if isinstance(path, SkippedFile):
            skipped.append(path)
            continue
        try:
            found, bad = read_file(root, path)
        except CorpusError as error:
            skipped.append(SkippedFile(path.relative_to(root).as_posix(), str(error)))
            continue
        documents.extend(found)
        skipped.extend(bad)
    return documents, skipped
