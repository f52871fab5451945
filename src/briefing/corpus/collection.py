"""``.jsonl`` collections: one document per line; a bad line is skipped, not the file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..errors import CorpusError
from ..records import Document
from .documents import SkippedFile, make_document, normalise_date
from .limits import MAX_DOCUMENT_ENV, max_document_bytes, megabytes

_READ_SIZE = 1 << 20


def _lines(path: Path, max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) of a collection, read a line at a time; None for a line over ``max_bytes``."""
    with open(path, "rb") as handle:
        if b"\x00" in handle.read(8192):
            raise CorpusError("binary file (contains NUL bytes)")
        handle.seek(0)
        number = 0
        while line := handle.readline(max_bytes + 1):
            number += 1
            if len(line) > max_bytes and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # skip the rest of the over-long line
                    line = handle.readline(_READ_SIZE)
                yield number, None
                continue
            yield number, line


def read_jsonl_records(path: Path, relative: str, *, max_bytes: int | None = None) -> Iterator[Document | SkippedFile]:
    """Documents of a ``.jsonl`` collection, one per line; bad lines come back as SkippedFile.

    The file is read a line at a time, so its size is not limited; a line longer than
    ``max_bytes`` (default :func:`max_document_bytes`) is skipped without being kept in memory.
    """
    limit = max_document_bytes() if max_bytes is None else max_bytes
    for line_number, raw in _lines(path, limit):
        where = f"{relative}:{line_number}"
        try:
            if raw is None:
                raise CorpusError(
                    f"the line is longer than the {megabytes(limit)} document size limit "
                    f"(raise it with --max-document-mb or {MAX_DOCUMENT_ENV})"
                )
            try:
                line = raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise CorpusError(f"not UTF-8 ({error.reason} at byte {error.start} of the line)") from error
            if not line.strip():
                continue
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
            yield make_document(
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
        except Exception as error:  # noqa: BLE001 - one bad record never stops the collection
            yield SkippedFile(where, f"unreadable record ({type(error).__name__}: {error})")
