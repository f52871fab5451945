"""Adding uploaded files to the corpus folder, safely.

A file is accepted only with a supported extension (``corpus.SUPPORTED_EXTENSIONS``),
at most ``MAX_UPLOAD_BYTES``, and a plain file name: directories are stripped, and
names that are hidden, contain ``..``, or use characters outside letters, digits,
space, ``. _ - ( )`` are refused.  The file is written through a hidden temporary
file inside the corpus folder and renamed into place, so nothing is ever written
outside the corpus folder and a half-written file is never indexed.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from ..corpus import SUPPORTED_EXTENSIONS
from ..errors import UploadRejected

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 120
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()\-]*$")


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
    Raises UploadRejected (bad name, type or size).
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
    handle, temporary = tempfile.mkstemp(prefix=".upload-", dir=root)
    try:
        with os.fdopen(handle, "wb") as out, open(source, "rb") as data:
            shutil.copyfileobj(data, out)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target, replaced
