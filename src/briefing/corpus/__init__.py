"""Reading the corpus folder into :class:`Document` records.

Supported inputs: ``.md``/``.txt`` (optional YAML front matter), ``.html``/``.htm``
(main text via trafilatura), ``.pdf`` (text via pypdf, page offsets kept) and
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
from .html import HTML_EXTENSIONS, read_html
from .pdf import read_pdf
from .text import TEXT_EXTENSIONS, read_text

SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | HTML_EXTENSIONS | {".pdf", ".jsonl"}

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "CorpusError",
    "SkippedFile",
    "date_from_filename",
    "document_sha256",
    "file_sha256",
    "iter_corpus_files",
    "load_corpus",
    "normalise_date",
    "read_file",
    "read_jsonl_records",
]


def iter_corpus_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` (sorted), skipping hidden files and folders."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file():
            yield path


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
            return read_text(path, relative), []
        if suffix in HTML_EXTENSIONS:
            return read_html(path, relative), []
        if suffix == ".pdf":
            return read_pdf(path, relative), []
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
