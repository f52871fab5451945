"""Walking the corpus folder: every regular file, and a reason for everything else found.

Nothing found under the corpus goes unreported except hidden files and folders: names that
are not UTF-8 (shown with ``\\xNN`` escapes), broken links, link loops, FIFOs, sockets and
devices, folders named like documents, folders that cannot be listed and paths too long for
the operating system each come back as a :class:`SkippedFile` with the reason.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from .documents import SkippedFile

_SPECIAL_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def shown_path(relative: str) -> str:
    """A path as it can be printed: bytes that are not UTF-8 appear as ``\\xNN`` escapes.

    >>> shown_path("bad\\udcffname.md")
    'bad\\\\xffname.md'
    """
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def os_reason(error: OSError, *, link: bool = False) -> str:
    """Why a path cannot be read, in words, from the OSError that said so."""
    if error.errno == errno.ENOENT and link:
        return "broken symbolic link (its target does not exist)"
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENAMETOOLONG:
        return "path too long for the operating system; move the file up or shorten the folder names"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "no permission to read it"
    return f"unreadable ({error.strerror or error})"


def walk_corpus(root: Path, document_suffixes: frozenset[str] = frozenset()) -> Iterator[Path | SkippedFile]:
    """Every regular file under ``root`` (sorted per folder) and, as SkippedFile, what cannot be one.

    Symbolic links are followed (a collection may be a link); a folder reached a second time
    (a link loop) is reported and not read again.  A folder whose name ends with one of
    ``document_suffixes`` is reported, and the files inside it are still read.
    """
    seen_folders: set[tuple[int, int]] = set()

    def visit(folder: str, relative: str) -> Iterator[Path | SkippedFile]:
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen_folders:
                yield SkippedFile(shown_path(relative), "folder already read through another link (a link loop)")
                return
            seen_folders.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            yield SkippedFile(shown_path(relative or "."), os_reason(error))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = f"{relative}/{entry.name}" if relative else entry.name
            shown = shown_path(child)
            if shown != child:
                yield SkippedFile(shown, "the file name is not UTF-8 (shown with escapes); rename it")
                continue
            is_link = False
            try:
                is_link = entry.is_symlink()
                info = os.stat(entry.path)
            except OSError as error:
                yield SkippedFile(shown, os_reason(error, link=is_link))
                continue
            if stat.S_ISDIR(info.st_mode):
                if Path(entry.name).suffix.lower() in document_suffixes:
                    yield SkippedFile(shown, "a folder, not a document (the files inside it are read)")
                yield from visit(entry.path, child)
            elif stat.S_ISREG(info.st_mode):
                yield Path(entry.path)
            else:
                kind = _SPECIAL_KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
                yield SkippedFile(shown, f"{kind}, not a regular file")

    yield from visit(str(root), "")
