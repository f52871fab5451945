"""Building and incrementally updating the index from the corpus folder.

``build_index`` compares the corpus with the current manifest: unchanged files
cost one sha256, new and changed documents are chunked and embedded, removed
documents' vectors are deleted by id.  Inside a ``.jsonl`` collection the record
is the unit, so appending a record embeds only that record.  The work happens in
a new generation folder; the manifest is replaced last (see ``manifest.py``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout
from tqdm import tqdm

from . import __version__, vectors
from .chunking import ChunkingParams, chunk_document
from .corpus import CorpusError, SkippedFile, file_sha256, iter_corpus_files, read_file
from .embedder import DEFAULT_BACKEND, Embedder, backend_of
from .manifest import (
    FAISS_NAME, SCHEMA_VERSION, SQLITE_NAME, IndexError_, IndexMismatchError, read_manifest, write_manifest,
)
from .records import Document, IndexManifest, Passage
from .store import Store

ProgressCallback = Callable[[int, int, str], None]

EMBED_BATCH = 256  # passages embedded and written per step


class CorpusEmptyError(IndexError_):
    """The corpus folder is missing or holds no usable document."""


class IndexBusyError(IndexError_):
    """Another build holds the index lock."""


@dataclass
class BuildReport:
    """What a build did; ``summary()`` is the line the CLI prints."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    documents: int = 0
    passages: int = 0
    embedded_passages: int = 0
    seconds: float = 0.0
    full_rebuild_reason: str | None = None

    @property
    def embedded_doc_ids(self) -> list[str]:
        return self.added + self.changed

    def summary(self) -> str:
        return (
            f"documents: {len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped; {self.documents} documents and "
            f"{self.passages} passages in the index ({self.embedded_passages} embedded) in {self.seconds:.1f} s"
        )

    def to_dict(self) -> dict:
        return {
            "added": self.added, "changed": self.changed, "removed": self.removed, "unchanged": self.unchanged,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "documents": self.documents, "passages": self.passages,
            "embedded_passages": self.embedded_passages, "seconds": round(self.seconds, 3),
            "full_rebuild_reason": self.full_rebuild_reason,
        }


def _new_generation_name() -> str:
    return "gen-" + dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def _remove_generations(index_dir: Path, keep: set[str]) -> None:
    for folder in index_dir.glob("gen-*"):
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def embedder_for(old: IndexManifest | None, *, model_path: str | Path | None = None,
                 backend: str | None = None) -> Embedder:
    """The model for a build: the one asked for, else the previous build's model and
    backend (when its folder still exists), else the default all-MiniLM-L6-v2."""
    if model_path is None and old is not None and Path(old.model_path).exists():
        model_path = old.model_path
    if backend is None:
        backend = backend_of(old.model_name) if old is not None else DEFAULT_BACKEND
    return Embedder(model_path, backend=backend)


def _full_rebuild_reason(
    old: IndexManifest | None, embedder: Embedder, params: ChunkingParams, full: bool
) -> str | None:
    if old is None:
        return None
    if full:
        return "--full was given"
    if old.model_name != embedder.identity:
        return f"the model changed ({old.model_name} -> {embedder.identity})"
    if old.chunking != params.to_dict():
        return f"the chunking parameters changed ({old.chunking} -> {params.to_dict()})"
    return None


class _Embedding:
    """Chunks documents, embeds passages in batches and writes them to the store and vectors."""

    def __init__(self, store: Store, index, embedder: Embedder, params: ChunkingParams, total_hint: int,
                 progress: ProgressCallback | None, show_bar: bool):
        self.store, self.index, self.embedder, self.params = store, index, embedder, params
        self.next_id = store.next_passage_id()
        self.pending: list[tuple[Document, list[Passage]]] = []
        self.pending_passages = 0
        self.embedded = 0
        self.progress = progress
        self.bar = tqdm(total=total_hint, unit="doc", desc="indexing", disable=not show_bar, mininterval=1.0)
        self.documents_done = 0
        self.total_documents = total_hint

    def add(self, document: Document) -> None:
        chunks = chunk_document(document, self.embedder.count_tokens, self.params)
        passages = []
        for ordinal, chunk in enumerate(chunks):
            passages.append(
                Passage(
                    passage_id=self.next_id, doc_id=document.doc_id, ordinal=ordinal,
                    char_start=chunk.char_start, char_end=chunk.char_end,
                    text=document.text[chunk.char_start:chunk.char_end], sentences=chunk.sentences,
                )
            )
            self.next_id += 1
        self.pending.append((document, passages))
        self.pending_passages += len(passages)
        if self.pending_passages >= EMBED_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        all_passages = [p for _, passages in self.pending for p in passages]
        matrix = self.embedder.encode([p.text for p in all_passages])
        vectors.add(self.index, [p.passage_id for p in all_passages], matrix)
        for document, passages in self.pending:
            self.store.add_document(document, passages)
        self.embedded += len(all_passages)
        self.documents_done += len(self.pending)
        self.bar.update(len(self.pending))
        self.bar.set_postfix(passages=self.embedded, refresh=False)
        if self.progress:
            self.progress(self.documents_done, self.total_documents, f"{self.embedded} passages embedded")
        self.pending, self.pending_passages = [], 0

    def close(self) -> None:
        self.flush()
        self.bar.close()
        self.store.set_next_passage_id(self.next_id)


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    *,
    embedder: Embedder | None = None,
    model_path: str | Path | None = None,
    backend: str | None = None,
    full: bool = False,
    params: ChunkingParams | None = None,
    progress: ProgressCallback | None = None,
    show_bar: bool = True,
    log: Callable[[str], None] = print,
) -> BuildReport:
    """Bring the index in ``index_dir`` up to date with ``corpus_dir``; returns what was done.

    ``backend`` is ``torch`` or ``onnx-int8``; by default the previous build's.
    Raises CorpusEmptyError (no usable document), IndexBusyError (another build
    runs) and ModelError (model not loadable).  Bad files are skipped and listed
    in the report's ``skipped``; the previous index stays usable until the new
    one is complete.
    """
    started = time.perf_counter()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if not corpus_dir.is_dir():
        raise CorpusEmptyError(f"corpus folder {corpus_dir} does not exist")
    index_dir.mkdir(parents=True, exist_ok=True)
    params = params or ChunkingParams()
    lock = FileLock(str(index_dir / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout as error:
        raise IndexBusyError(
            f"another `briefing index` is updating {index_dir} (lock {index_dir / '.lock'}); wait for it to finish"
        ) from error
    try:
        try:
            old = read_manifest(index_dir)
        except IndexMismatchError as error:
            log(f"full rebuild: {error}")
            old = None
        if embedder is None:
            embedder = embedder_for(old, model_path=model_path, backend=backend)
        reason = _full_rebuild_reason(old, embedder, params, full)
        if reason:
            log(f"full rebuild: {reason}")
            old = None
        report = BuildReport(full_rebuild_reason=reason)
        _remove_generations(index_dir, keep={old.generation} if old else set())
        generation = _new_generation_name()
        folder = index_dir / generation
        folder.mkdir()
        if old:
            shutil.copyfile(index_dir / old.generation / SQLITE_NAME, folder / SQLITE_NAME)
            index = vectors.load(index_dir / old.generation / FAISS_NAME)
        else:
            index = None
        store = Store(folder / SQLITE_NAME)
        stored = store.document_hashes()
        stored_by_path: dict[str, dict[str, str]] = {}
        for doc_id, (path, sha) in stored.items():
            stored_by_path.setdefault(path, {})[doc_id] = sha

        old_files = old.files if old else {}
        files: dict[str, str] = {}
        to_read: list[Path] = []
        for path in iter_corpus_files(corpus_dir):
            relative = path.relative_to(corpus_dir).as_posix()
            try:
                sha = file_sha256(path)
            except OSError as error:
                report.skipped.append(SkippedFile(relative, f"unreadable ({error.strerror or error})"))
                if relative in old_files:
                    files[relative] = old_files[relative]
                continue
            if old_files.get(relative) == sha:
                files[relative] = sha
                report.unchanged += len(stored_by_path.get(relative, {}))
            else:
                to_read.append(path)
                files[relative] = sha
        if index is None:
            if not to_read:
                store.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise CorpusEmptyError(f"no documents in {corpus_dir} (supported: .md .txt .html .htm .pdf .jsonl)")
            index = vectors.new_index(embedder.dimension)

        removed_ids: list[int] = []
        for path_name, docs in stored_by_path.items():
            if path_name not in files:
                for doc_id in docs:
                    removed_ids.extend(store.delete_document(doc_id))
                    report.removed.append(doc_id)

        documents_to_embed: list[Document] = []
        for path in to_read:
            relative = path.relative_to(corpus_dir).as_posix()
            previous = stored_by_path.get(relative, {})
            try:
                documents, bad_records = read_file(corpus_dir, path)
            except CorpusError as error:
                report.skipped.append(SkippedFile(relative, str(error)))
                if previous:
                    # Keep the last good version and retry the file next time.
                    report.unchanged += len(previous)
                    files[relative] = old_files.get(relative, "")
                else:
                    files.pop(relative, None)
                continue
            report.skipped.extend(bad_records)
            seen: set[str] = set()
            for document in documents:
                if document.doc_id in seen:
                    report.skipped.append(SkippedFile(document.doc_id, "duplicate record id in the collection"))
                    continue
                seen.add(document.doc_id)
                if previous.get(document.doc_id) == document.sha256:
                    report.unchanged += 1
                    continue
                if document.doc_id in stored and document.doc_id not in previous:
                    report.skipped.append(SkippedFile(relative, f"document id {document.doc_id} already used"))
                    continue
                if document.doc_id in previous:
                    removed_ids.extend(store.delete_document(document.doc_id))
                    report.changed.append(document.doc_id)
                else:
                    report.added.append(document.doc_id)
                documents_to_embed.append(document)
            for doc_id in previous:
                if doc_id not in seen:
                    removed_ids.extend(store.delete_document(doc_id))
                    report.removed.append(doc_id)

        vectors.remove(index, removed_ids)
        embedding = _Embedding(store, index, embedder, params, len(documents_to_embed), progress, show_bar)
        for document in documents_to_embed:
            embedding.add(document)
        embedding.close()
        report.embedded_passages = embedding.embedded
        report.documents, report.passages = store.counts()
        if report.documents == 0:
            store.close()
            shutil.rmtree(folder, ignore_errors=True)
            raise CorpusEmptyError(
                f"no usable documents in {corpus_dir}"
                + (f" ({len(report.skipped)} skipped: {report.skipped[0]})" if report.skipped else "")
            )
        store.commit()
        store.close()
        vectors.save(index, folder / FAISS_NAME)
        write_manifest(
            index_dir,
            IndexManifest(
                schema_version=SCHEMA_VERSION,
                package_version=__version__,
                model_name=embedder.identity,
                model_path=str(embedder.path),
                dimension=embedder.dimension if embedding.embedded or not old else old.dimension,
                chunking=params.to_dict(),
                files=dict(sorted(files.items())),
                generation=generation,
                built_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                documents=report.documents,
                passages=report.passages,
                faiss_type=vectors.kind(index),
            ),
        )
        _remove_generations(index_dir, keep={generation})
        report.seconds = time.perf_counter() - started
        return report
    finally:
        lock.release()
