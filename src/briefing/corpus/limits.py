"""The maximum document size: a file or record above it is reported and skipped, never read whole."""

from __future__ import annotations

import os

from ..errors import UsageError

DEFAULT_MAX_DOCUMENT_MB = 20
MAX_DOCUMENT_ENV = "BRIEFING_MAX_DOCUMENT_MB"
_MB = 1024 * 1024


def max_document_bytes(megabytes: float | None = None) -> int:
    """The limit in bytes: ``megabytes``, else ``$BRIEFING_MAX_DOCUMENT_MB``, else 20 MB.

    Raises UsageError for a limit that is not a positive number.

    >>> max_document_bytes(1.5)
    1572864
    """
    if megabytes is None:
        configured = os.environ.get(MAX_DOCUMENT_ENV, "").strip()
        try:
            megabytes = float(configured) if configured else DEFAULT_MAX_DOCUMENT_MB
        except ValueError as error:
            raise UsageError(f"{MAX_DOCUMENT_ENV}={configured!r} is not a number of MB") from error
    if not megabytes > 0:
        raise UsageError("the maximum document size must be above 0 MB")
    return int(megabytes * _MB)


def megabytes(size: float) -> str:
    """``size`` bytes for a message: ``'20 MB'``, ``'21.3 MB'``."""
    return f"{size / _MB:.1f}".removesuffix(".0") + " MB"


def over_limit(size: int, limit: int, what: str) -> str:
    """The reason given for a document over the limit, naming the two ways to change it."""
    return (
        f"{what} {megabytes(size)}, over the {megabytes(limit)} document size limit "
        f"(raise it with --max-document-mb or {MAX_DOCUMENT_ENV})"
    )
