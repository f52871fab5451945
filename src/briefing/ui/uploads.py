"""Adding uploaded files to the corpus folder, safely.

A file is accepted only with a supported extension (``corpus.SUPPORTED_EXTENSIONS``),
at most ``MAX_UPLOAD_BYTES``, and a plain file name: directories are stripped, and
names that are hidden, contain ``..``, or use characters outside letters, digits,
space, ``. _ - ( )`` are refused.  The file is then parsed, before it lands, by the
reader the build uses (:func:`briefing.corpus.read_file`): a file the build would skip
(a bad date, not UTF-8, a corrupt PDF, over the size limit ...) is refused with that
reason.  It is written to a hidden staging folder inside the corpus folder (ignored by
builds) and renamed into place, so nothing is ever written outside the corpus folder and
a half-written or unreadable file is never indexed.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import unicodedata
from pathlib import Path

from ..corpus import SUPPORTED_EXTENSIONS, read_file
from ..errors import CorpusError, UploadRejected

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 120
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()\-]*$")
_STAGING_PREFIX = ".upload-"
_STALE_STAGING_S = 600  # staging left by a killed server is removed by the next upload


def safe_file_name(name: str) -> str:
    """The file name to store ``name`` under, or UploadRejected saying why it is refused.

    >>> safe_file_name("C:\\\\Users\\\\me\\\\2021-05-01 briefing.md")
    '2021-05-01 briefing.md'
    """
    raw = unicodedata.normalize("NFC", str(name or ""))
    if ".." in raw.replace("\\", "/").split("/"):
        raise UploadRejected("the name points outside the folder ('..')")
    base = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base:
        raise UploadRejected("the file has no name")
    if base.startswith("."):
        raise UploadRejected("hidden file names (starting with '.') are not accepted")
    if ".." in base:
        raise UploadRejected("'..' is not allowed in a file name")
    if len(base) > MAX_NAME_CHARS:
        raise UploadRejected(f"the name is longer than {MAX_NAME_CHARS} characters")
    if not _SAFE_NAME.match(base):
        raise UploadRejected("use only letters, digits, spaces and . _ - ( ) in file names")
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise UploadRejected(
            f"unsupported type {suffix or '(no extension)'}; accepted: {', '.join(sorted(SUPPORTED_EXTENSIONS))}"
        )
    return base


def add_to_corpus(source: Path, corpus_dir: Path, *, name: str | None = None) -> tuple[Path, bool]:
    """Copy the uploaded file ``source`` into ``corpus_dir`` under a safe name.

    Returns (stored path, True when it replaced a file of the same name).
    Raises UploadRejected (bad name, type or size, or a file the build could not index).
    """
    base = safe_file_name(name if name is not None else Path(source).name)
    size = Path(source).stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise UploadRejected(f"{size / 1e6:.1f} MB is over the {MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit")
    if size == 0:
        raise UploadRejected("the file is empty")
    root = Path(corpus_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    target = (root / base).resolve()
    if target.parent != root:
        raise UploadRejected("the name points outside the corpus folder")
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise UploadRejected("a folder or link of that name is already in the corpus")
    replaced = target.exists()
    _remove_stale_staging(root)
    staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=root))
    try:
        staged = staging / base
        with open(staged, "wb") as out, open(source, "rb") as data:
            shutil.copyfileobj(data, out)
        try:
            read_file(staging, staged)  # the build's own reader, so what it would skip never lands
        except CorpusError as error:
            raise UploadRejected(f"it cannot be indexed: {error}") from error
        os.replace(staged, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, replaced


def _remove_stale_staging(root: Path) -> None:
    for leftover in root.glob(_STAGING_PREFIX + "*"):
        try:
            if time.time() - leftover.lstat().st_mtime > _STALE_STAGING_S:
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
        except OSError:
            continue
