"""The index folder's manifest: written last and atomically, checked on load.

Layout of an index folder::

    index/
      manifest.json        what the current index was built from (written last)
      gen-<stamp>/         one complete generation: passages.sqlite (with sentence vectors) + vectors.faiss
      .lock                held while a build runs

A build writes a new generation folder, then replaces ``manifest.json`` through
a temporary file and ``os.replace``.  Until that rename, readers keep using the
previous generation, so a build killed at any moment leaves a usable index.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..errors import IndexMismatchError
from ..records import IndexManifest

SCHEMA_VERSION = 3  # 2: documents carry date_start/date_end; 3: sentence vectors stored per passage
MANIFEST_NAME = "manifest.json"
SQLITE_NAME = "passages.sqlite"
FAISS_NAME = "vectors.faiss"


def read_manifest(index_dir: Path) -> IndexManifest | None:
    """The current manifest, or None when the folder holds no complete index."""
    path = index_dir / MANIFEST_NAME
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise IndexMismatchError(f"{path} is unreadable ({error}); rebuild with `briefing index --full`") from error
    if data.get("schema_version") != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"the index in {index_dir} has schema version {data.get('schema_version')}, this briefing "
            f"reads version {SCHEMA_VERSION}; rebuild it with `briefing index --full --index {index_dir}`"
        )
    return IndexManifest.from_dict(data)


def write_manifest(index_dir: Path, manifest: IndexManifest) -> None:
    """Atomically replace the manifest (temporary file, fsync, rename)."""
    handle, temporary = tempfile.mkstemp(dir=index_dir, prefix=".manifest-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(manifest.to_dict(), out, indent=2, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, index_dir / MANIFEST_NAME)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    directory = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
