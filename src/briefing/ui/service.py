"""The chat's index service: start-up (update, load once) and rebuilds after uploads.

A rebuild runs one at a time (``IndexHolder.rebuild_lock``), builds a new index
generation while the chat keeps answering from the current :class:`Index`,
then swaps the new one in atomically.  Nothing here imports Gradio.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BriefingError, IndexBusyError
from ..index.build import BuildReport, build_index, embedder_for
from ..index.embedder import Embedder
from ..index.load import Index, load_index
from ..index.stores import current_manifest, describe, is_database
from . import memory
from .uploads import add_to_corpus

BUSY = "A rebuild is already running; the chat keeps answering from the current index. Try again when it has finished."

ProgressCallback = Callable[[int, int, str], None]


class IndexHolder:
    """The Index the chat answers from; a rebuild swaps in the new one under a lock.

    Readers take ``holder.index`` once per question and keep using that object,
    so a swap never changes the index under a question being answered.  The old
    index is left to the garbage collector rather than closed, because a
    question may still be reading it.
    """

    def __init__(self, index: Index, corpus_dir: Path, index_dir: Path):
        self._index = index
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = index_dir if is_database(index_dir) else Path(index_dir)
        self._swap_lock = threading.Lock()
        self.rebuild_lock = threading.Lock()

    @property
    def index(self) -> Index:
        with self._swap_lock:
            return self._index

    @property
    def embedder(self):
        return self.index.embedder

    def swap(self, new: Index) -> Index:
        """Make ``new`` the current index; returns the previous one."""
        with self._swap_lock:
            old, self._index = self._index, new
        return old

    def rebuild_locked(
        self, progress: ProgressCallback | None = None, log: Callable[[str], None] | None = None
    ) -> BuildReport:
        """Update the index from the corpus and swap it in; the caller holds ``rebuild_lock``."""
        report = build_index(
            self.corpus_dir,
            self.index_dir,
            embedder=self.embedder,
            progress=progress,
            show_bar=False,
            log=log or (lambda _: None),
        )
        self.swap(load_index(self.index_dir, embedder=self.embedder))
        memory.note_activity()  # give the build's freed memory back soon
        return report


@dataclass
class RebuildOutcome:
    """What adding files and rebuilding did: message lines, and whether the index changed."""

    lines: list[str] = field(default_factory=list)
    ok: bool = True
    rebuilt: bool = False
    busy: bool = False


def rebuild_into(outcome: RebuildOutcome, holder: IndexHolder, *, busy: str, done: str, progress=None) -> bool:
    """Rebuild under the held lock, reporting into ``outcome``: ``done`` and the summary, or why it
    failed (another process building: ``busy`` says what happens next). True when it rebuilt."""
    try:
        report = holder.rebuild_locked(progress=progress, log=outcome.lines.append)
    except IndexBusyError:
        outcome.lines.append(f"Another process is updating the index; {busy}.")
        outcome.ok = False
        return False
    except (BriefingError, OSError) as error:
        outcome.lines.append(f"Rebuild failed: {error}. The chat still answers from the previous index.")
        outcome.ok = False
        return False
    outcome.lines.append(f"{done}: {report.summary()}.")
    outcome.lines.extend(f"Skipped {skipped}." for skipped in report.skipped)
    outcome.rebuilt = True
    return True


def add_and_rebuild(
    holder: IndexHolder,
    paths: list[Path],
    *,
    started: Callable[[], None] | None = None,
    progress: ProgressCallback | None = None,
) -> RebuildOutcome:
    """Copy ``paths`` into the corpus (rejecting unsafe ones), then rebuild and swap the index.

    Refuses at once (``busy``) while another rebuild runs; a failed rebuild
    leaves the chat answering from the previous index.
    """
    outcome = RebuildOutcome()
    if not holder.rebuild_lock.acquire(blocking=False):
        return RebuildOutcome([BUSY], ok=False, busy=True)
    try:
        stored = 0
        for path in paths:
            try:
                target, replaced = add_to_corpus(path, holder.corpus_dir)
            except BriefingError as error:  # UploadRejected
                outcome.lines.append(f"Rejected {path.name}: {error}.")
                continue
            stored += 1
            outcome.lines.append(f"{'Replaced' if replaced else 'Added'} {target.name}.")
        if paths and not stored:
            outcome.ok = False
            return outcome
        if started:
            started()
        if rebuild_into(
            outcome, holder, busy="try again when it has finished", done="Index rebuilt", progress=progress
        ):
            outcome.ok = not any(line.startswith("Rejected") for line in outcome.lines)
        return outcome
    finally:
        holder.rebuild_lock.release()


def startup_embedder(index_dir: Path) -> Embedder:
    """The model the index was built with when it still exists, else the default model."""
    try:
        manifest = current_manifest(index_dir)
    except BriefingError:
        manifest = None
    return embedder_for(manifest)


def prepare(
    corpus_dir: Path, index_dir: Path, *, embedder: Embedder | None = None, show_bar: bool = True
) -> IndexHolder:
    """Bring the index up to date with the corpus, load it once, and wrap it in a holder."""
    corpus_dir, index_dir = Path(corpus_dir), (index_dir if is_database(index_dir) else Path(index_dir))
    embedder = embedder or startup_embedder(index_dir)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log(f"briefing: updating the index in {describe(index_dir)} from {corpus_dir} …")
    report = build_index(corpus_dir, index_dir, embedder=embedder, show_bar=show_bar, log=log)
    for skipped in report.skipped:
        log(f"warning: skipped {skipped}")
    log(report.summary())
    index = load_index(index_dir, embedder=embedder)
    index.encode_query("warm up")
    return IndexHolder(index, corpus_dir, index_dir)
