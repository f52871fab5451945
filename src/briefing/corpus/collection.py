"""``.jsonl`` collections: one document per line; a bad line is skipped, not the file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..errors import CorpusError
from ..records import Document
from .documents import SkippedFile, decode, make_document, normalise_date


def read_jsonl_records(path: Path, relative: str) -> Iterator[Document | SkippedFile]:
    """Documents of a ``.jsonl`` collection, one per line; bad lines come back as SkippedFile."""
    text = decode(path.read_bytes())
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
