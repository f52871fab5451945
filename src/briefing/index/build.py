"""Building and incrementally updating the index from the corpus folder.

``build_index`` compares the corpus with the current manifest: unchanged files
cost one sha256, new and changed documents are chunked and embedded, removed
documents' vectors are deleted by id.  Inside a ``.jsonl`` collection the record
is the unit, so appending a record embeds only that record.  The work happens in
a new generation folder; the manifest is replaced last (see ``manifest.py``).

The work is split in two: :func:`plan_build` reads the corpus and decides what
changed (it writes nothing), :func:`apply_plan` deletes and embeds accordingly.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout
from tqdm import tqdm

from .._version import package_version
from ..corpus import SkippedFile, file_sha256, max_document_bytes, read_file, walk
from ..corpus.chunking import ChunkingParams, chunk_document
from ..errors import CorpusEmptyError, CorpusError, IndexBusyError, IndexMismatchError, UsageError
from ..faults import checkpoint
from ..records import Document, IndexManifest, Passage
from . import periods, vectors
from .embedder import DEFAULT_BACKEND, Embedder, backend_of
from .manifest import FAISS_NAME, MANIFEST_NAME, SCHEMA_VERSION, SQLITE_NAME, read_manifest, write_manifest
from .store import Store
from .stores import is_database

ProgressCallback = Callable[[int, int, str], None]

EMBED_BATCH = 256  # passages embedded and written per step


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

    @classmethod
    def of_plan(cls, plan: BuildPlan, reason: str | None) -> BuildReport:
        """The report of a build about to apply ``plan`` (its counts are filled in as it goes)."""
        return cls(
            added=plan.added,
            changed=plan.changed,
            removed=plan.removed,
            unchanged=plan.unchanged,
            skipped=plan.skipped,
            full_rebuild_reason=reason,
        )

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
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "documents": self.documents,
            "passages": self.passages,
            "embedded_passages": self.embedded_passages,
            "seconds": round(self.seconds, 3),
            "full_rebuild_reason": self.full_rebuild_reason,
        }


def _new_generation_name() -> str:
    return "gen-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _remove_generations(index_dir: Path, keep: set[str]) -> None:
    """Remove every generation folder but ``keep``, and temporary manifests left by a killed build."""
    for folder in index_dir.glob("gen-*"):
        if folder.name in keep:
            continue
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink(missing_ok=True)
    for temporary in index_dir.glob(".manifest-*.tmp"):
        temporary.unlink(missing_ok=True)


def _current_generation(index_dir: Path) -> str | None:
    """The generation the manifest names, even a manifest of another schema or model (readers may use it)."""
    try:
        data = json.loads((index_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = data.get("generation") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name.startswith("gen-") and "/" not in name else None


def embedder_for(
    old: IndexManifest | None, *, model_path: str | Path | None = None, backend: str | None = None
) -> Embedder:
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


def starting_point(
    read: Callable[[], IndexManifest | None],
    embedder: Embedder | None,
    model_path: str | Path | None,
    backend: str | None,
    params: ChunkingParams,
    full: bool,
    log: Callable[[str], None],
) -> tuple[IndexManifest | None, Embedder, str | None]:
    """What a build starts from, in either store: the previous build's manifest (``read()``; None
    when there is none or when this build is a full rebuild), the model, and why it is a full
    rebuild (None for an incremental one).  Each reason for a full rebuild is logged."""
    try:
        old = read()
    except IndexMismatchError as error:
        log(f"full rebuild: {error}")
        old = None
    if embedder is None:
        embedder = embedder_for(old, model_path=model_path, backend=backend)
    reason = _full_rebuild_reason(old, embedder, params, full)
    if reason:
        log(f"full rebuild: {reason}")
        old = None
    return old, embedder, reason


class _Embedding:
    """Chunks documents, embeds passages in batches and writes them to the store and vectors."""

    def __init__(
        self,
        store: Store,
        index,
        embedder: Embedder,
        params: ChunkingParams,
        total_hint: int,
        progress: ProgressCallback | None,
        show_bar: bool,
    ):
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
                    passage_id=self.next_id,
                    doc_id=document.doc_id,
                    ordinal=ordinal,
                    char_start=chunk.char_start,
                    char_end=chunk.char_end,
                    text=document.text[chunk.char_start : chunk.char_end],
                    sentences=chunk.sentences,
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
        matrix, sentence_matrices = self.embedder.encode_with_sentences(
            [p.text for p in all_passages],
            [[(s.char_start - p.char_start, s.char_end - p.char_start) for s in p.sentences] for p in all_passages],
        )
        vectors.add(self.index, [p.passage_id for p in all_passages], matrix)
        self.store.add_sentence_vectors({p.passage_id: m for p, m in zip(all_passages, sentence_matrices)})
        for document, passages in self.pending:
            self.store.add_document(document, passages)
            checkpoint("store")
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


@dataclass
class BuildPlan:
    """What a build has to do, decided before anything is written.

    ``files`` is the sha256 per corpus file the new manifest records;
    ``delete`` the stored documents to remove (removed or changed);
    ``embed`` the documents to chunk and embed (added or changed).
    """

    files: dict[str, str] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)
    embed: list[Document] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    files_read: int = 0


def plan_build(
    corpus_dir: Path, old_files: dict[str, str], stored: dict[str, tuple[str, str]], *, max_bytes: int | None = None
) -> BuildPlan:
    """Compare the corpus with the previous build and decide what changed.

    ``old_files`` is the previous manifest's sha256 per file, ``stored`` the
    stored documents (doc_id -> (path, sha256)), ``max_bytes`` the document size
    limit.  Reads changed files only and writes nothing.  A file that was indexed
    before and is now unreadable keeps its previous documents (and is retried next
    time).  Whatever cannot be read, from a bad date to a FIFO, is in ``skipped``.
    """
    plan = BuildPlan()
    stored_by_path: dict[str, dict[str, str]] = {}
    for doc_id, (path, sha) in stored.items():
        stored_by_path.setdefault(path, {})[doc_id] = sha
    to_read: list[Path] = []
    for path in walk(corpus_dir):
        if isinstance(path, SkippedFile):
            plan.skipped.append(path)
            continue
        relative = path.relative_to(corpus_dir).as_posix()
        try:
            sha = file_sha256(path)
        except OSError as error:
            plan.skipped.append(SkippedFile(relative, f"unreadable ({error.strerror or error})"))
            if relative in old_files:
                plan.files[relative] = old_files[relative]
            continue
        plan.files[relative] = sha
        if old_files.get(relative) == sha:
            plan.unchanged += len(stored_by_path.get(relative, {}))
        else:
            to_read.append(path)
    plan.files_read = len(to_read)

    for path_name, docs in stored_by_path.items():
        if path_name not in plan.files:
            for doc_id in docs:
                plan.delete.append(doc_id)
                plan.removed.append(doc_id)

    for path in to_read:
        relative = path.relative_to(corpus_dir).as_posix()
        previous = stored_by_path.get(relative, {})
        try:
            documents, bad_records = read_file(corpus_dir, path, max_bytes=max_bytes)
        except CorpusError as error:
            plan.skipped.append(SkippedFile(relative, str(error)))
            if previous:
                # Keep the last good version and retry the file next time.
                plan.unchanged += len(previous)
                plan.files[relative] = old_files.get(relative, "")
            else:
                plan.files.pop(relative, None)
            continue
        checkpoint("read")
        plan.skipped.extend(bad_records)
        seen: set[str] = set()
        for document in documents:
            if document.doc_id in seen:
                plan.skipped.append(SkippedFile(document.doc_id, "duplicate record id in the collection"))
                continue
            seen.add(document.doc_id)
            if previous.get(document.doc_id) == document.sha256:
                plan.unchanged += 1
                continue
            if document.doc_id in stored and document.doc_id not in previous:
                plan.skipped.append(SkippedFile(relative, f"document id {document.doc_id} already used"))
                continue
            if document.doc_id in previous:
                plan.delete.append(document.doc_id)
                plan.changed.append(document.doc_id)
            else:
                plan.added.append(document.doc_id)
            plan.embed.append(document)
        for doc_id in previous:
            if doc_id not in seen:
                plan.delete.append(doc_id)
                plan.removed.append(doc_id)
    return plan


def apply_plan(
    plan: BuildPlan,
    store: Store,
    index,
    embedder: Embedder,
    params: ChunkingParams,
    *,
    progress: ProgressCallback | None = None,
    show_bar: bool = True,
) -> int:
    """Delete and embed what ``plan`` says, in ``store`` and the vector ``index``; returns passages embedded."""
    removed_ids: list[int] = []
    for doc_id in plan.delete:
        removed_ids.extend(store.delete_document(doc_id))
    vectors.remove(index, removed_ids)
    checkpoint("delete")
    embedding = _Embedding(store, index, embedder, params, len(plan.embed), progress, show_bar)
    for document in plan.embed:
        embedding.add(document)
    embedding.close()
    return embedding.embedded


def build_index(
    corpus_dir: Path,
    index_dir: Path | str,
    *,
    embedder: Embedder | None = None,
    model_path: str | Path | None = None,
    backend: str | None = None,
    full: bool = False,
    params: ChunkingParams | None = None,
    max_document_mb: float | None = None,
    progress: ProgressCallback | None = None,
    show_bar: bool = True,
    log: Callable[[str], None] = print,
    workers: int = 1,
) -> BuildReport:
    """Bring the index in ``index_dir`` up to date with ``corpus_dir``; returns what was done.

    ``backend`` is ``torch`` or ``onnx-int8``; by default the previous build's.
    Raises CorpusEmptyError (no usable document), IndexBusyError (another build
    runs) and ModelError (model not loadable).  Bad files are skipped and listed
    in the report's ``skipped``; the previous index stays usable until the new
    one is complete: even a full rebuild writes its generation beside the current
    one, which ``briefing ask`` and the UI go on reading until the manifest switches.
    ``max_document_mb`` is the document size limit (default ``$BRIEFING_MAX_DOCUMENT_MB``
    or 20); larger documents are skipped.  Killed at any point, the next build
    removes what was left half-done.  ``index_dir`` may be a ``postgresql://`` URL (the PostgreSQL
    store, :mod:`briefing.index.stores.postgres`), where ``workers`` > 1 spreads the embedding over
    that many processes.
    """
    if workers > 1 and not is_database(index_dir):
        raise UsageError("--workers spreads indexing over processes of a postgresql:// index; drop it for a folder")
    if is_database(index_dir):  # the PostgreSQL store: the same plan and embedding, one transaction
        from .stores import postgres

        common = dict(
            embedder=embedder,
            model_path=model_path,
            backend=backend,
            full=full,
            params=params,
            max_document_mb=max_document_mb,
            log=log,
        )
        if workers > 1:
            return postgres.build_with_workers(corpus_dir, index_dir, workers=workers, **common)
        return postgres.build_index(corpus_dir, index_dir, progress=progress, show_bar=show_bar, **common)
    started = time.perf_counter()
    max_bytes = max_document_bytes(max_document_mb)
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
        return _build_locked(
            corpus_dir,
            index_dir,
            embedder=embedder,
            model_path=model_path,
            backend=backend,
            full=full,
            params=params,
            max_bytes=max_bytes,
            progress=progress,
            show_bar=show_bar,
            log=log,
            started=started,
        )
    finally:
        lock.release()


def _build_locked(
    corpus_dir: Path,
    index_dir: Path,
    *,
    embedder,
    model_path,
    backend,
    full,
    params,
    max_bytes: int,
    progress,
    show_bar,
    log,
    started: float,
) -> BuildReport:
    old, embedder, reason = starting_point(
        lambda: read_manifest(index_dir), embedder, model_path, backend, params, full, log
    )
    # What killed builds left goes; the generation readers use stays until the switch, also
    # through a full rebuild, which builds its new generation beside it.
    current = _current_generation(index_dir)
    _remove_generations(index_dir, keep={current} if current else set())
    generation = _new_generation_name()
    folder = index_dir / generation
    folder.mkdir()
    checkpoint("start")
    if old:
        shutil.copyfile(index_dir / old.generation / SQLITE_NAME, folder / SQLITE_NAME)
        index = vectors.load(index_dir / old.generation / FAISS_NAME)
        checkpoint("copy")
    else:
        index = None
    store = Store(folder / SQLITE_NAME)
    plan = plan_build(corpus_dir, old.files if old else {}, store.document_hashes(), max_bytes=max_bytes)
    report = BuildReport.of_plan(plan, reason)
    if index is None:
        if not plan.files_read:
            store.close()
            shutil.rmtree(folder, ignore_errors=True)
            raise CorpusEmptyError(f"no documents in {corpus_dir} (supported: .md .txt .html .htm .pdf .jsonl)")
        index = vectors.new_index(embedder.dimension)
    report.embedded_passages = apply_plan(plan, store, index, embedder, params, progress=progress, show_bar=show_bar)
    report.documents, report.passages = store.counts()
    if report.documents == 0:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise CorpusEmptyError(
            f"no usable documents in {corpus_dir}"
            + (f" ({len(report.skipped)} skipped: {report.skipped[0]})" if report.skipped else "")
        )
    store.commit()
    periods.write(store, folder / periods.FILTERS_NAME)
    store.close()
    checkpoint("commit")
    vectors.save(index, folder / FAISS_NAME)
    checkpoint("vectors")
    write_manifest(
        index_dir,
        IndexManifest(
            schema_version=SCHEMA_VERSION,
            package_version=package_version(),
            model_name=embedder.identity,
            model_path=str(embedder.path),
            dimension=embedder.dimension if report.embedded_passages or not old else old.dimension,
            chunking=params.to_dict(),
            files=dict(sorted(plan.files.items())),
            generation=generation,
            built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            documents=report.documents,
            passages=report.passages,
            faiss_type=vectors.kind(index),
        ),
    )
    checkpoint("manifest")
    _remove_generations(index_dir, keep={generation})  # the old generation goes only after the switch
    checkpoint("cleanup")
    report.seconds = time.perf_counter() - started
    return report
