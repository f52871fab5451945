"""Removing a document from the corpus folder: its file, or its record of a ``.jsonl`` collection.

A file document (``doc_id`` = its path) is deleted.  A collection record
(``doc_id`` = ``path#record id``) is removed by rewriting the collection without
that line: the new collection is written to a hidden temporary file beside it
(ignored by builds), flushed to disk and renamed over the old one, so a build
or a crash sees either the old collection or the new one, never half of it.
The next build then deletes the document's passages and vectors by id (an
incremental update).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..errors import CorpusError


def _inside(corpus_dir: Path, relative: str) -> Path:
    """``corpus_dir / relative``, refusing anything that resolves outside the corpus folder."""
    root = Path(corpus_dir).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise CorpusError(f"{relative} is not inside the corpus folder")
    return path


def _record_id(line: bytes) -> str | None:
    try:
        record = json.loads(line.removeprefix(b"\xef\xbb\xbf"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict):
        return None
    value = record.get("_id", record.get("id"))
    return None if value is None else str(value)


def remove_from_corpus(corpus_dir: Path, doc_id: str) -> str:
    """Remove the document ``doc_id`` from ``corpus_dir``; returns what was done, in words.

    Raises CorpusError when the document is not in the corpus folder (any more).

    >>> remove_from_corpus(Path("corpus"), "state-dept-demo.jsonl#sdpr-00125")  # doctest: +SKIP
    'removed record sdpr-00125 from state-dept-demo.jsonl'
    """
    relative, hashmark, record = doc_id.partition("#")
    path = _inside(corpus_dir, relative)
    if not hashmark:
        if not path.is_file():
            raise CorpusError(f"{relative} is no longer in the corpus folder")
        path.unlink()
        return f"deleted {relative}"
    if not path.is_file():
        raise CorpusError(f"the collection {relative} is no longer in the corpus folder")
    with open(path, "rb") as handle:
        lines = handle.readlines()
    kept = [line for line in lines if _record_id(line) != record]
    if len(kept) == len(lines):
        raise CorpusError(f"record {record} is no longer in {relative}")
    if kept and not kept[-1].endswith(b"\n"):
        kept[-1] += b"\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.writelines(kept)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return f"removed record {record} from {relative}"
