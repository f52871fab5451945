"""Content-hash cached indexes for evaluation: built once, reused while nothing changed.

A cache entry is ``<root>/<hash>/`` holding ``corpus/`` (what was indexed, when the
evaluation writes it) and ``index/``.  The hash covers the input bytes, the model
identity, the chunking parameters and the index schema, so any change gives a new
entry and a stale index is never reused.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..corpus.chunking import ChunkingParams
from ..index.build import build_index
from ..index.load import load_index
from ..index.manifest import SCHEMA_VERSION, read_manifest


def cache_root(kind: str) -> Path:
    """``~/.cache/briefing/<kind>``."""
    return Path.home() / ".cache" / "briefing" / kind


def content_hash(files: Iterable[tuple[str, Path]], *extra: str) -> str:
    """sha256 (16 hex digits) over (name, bytes) of ``files`` plus ``extra`` settings."""
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(b"\0file\0" + name.encode() + b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    for item in extra:
        digest.update(b"\0" + item.encode())
    return digest.hexdigest()[:16]


def index_settings(embedder) -> tuple[str, ...]:
    """What else shapes an index besides its documents: model, chunking, schema."""
    return (
        f"model={embedder.identity}",
        "chunking=" + json.dumps(ChunkingParams().to_dict(), sort_keys=True),
        f"schema={SCHEMA_VERSION}",
    )


def folder_files(folder: Path) -> list[tuple[str, Path]]:
    """Every file under ``folder`` (sorted, relative names), hidden ones left out."""
    folder = Path(folder)
    return [
        (path.relative_to(folder).as_posix(), path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    ]


def cached_index(
    home: Path,
    corpus_dir: Path,
    *,
    embedder,
    log: Callable[[str], None] = print,
    show_bar: bool = False,
):
    """Load the index in ``home/index``, building it from ``corpus_dir`` first when there is none."""
    index_dir = Path(home) / "index"
    manifest = read_manifest(index_dir) if index_dir.exists() else None
    if manifest is None:
        started = time.perf_counter()
        log(f"indexing {corpus_dir} into {index_dir} (once; later runs reuse it)")
        report = build_index(corpus_dir, index_dir, embedder=embedder, show_bar=show_bar, log=log)
        log(f"{report.summary()} ({time.perf_counter() - started:.0f} s)")
    else:
        log(f"reusing the index in {index_dir} ({manifest.documents} documents, {manifest.passages} passages)")
    return load_index(index_dir, embedder=embedder)
