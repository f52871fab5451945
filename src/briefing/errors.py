"""The one error model: every expected failure is a :class:`BriefingError`.

Each error carries a one-line message and the exit code the ``briefing`` command
uses for it; the CLI catches :class:`BriefingError` only and prints the message.
Anything else is a bug and shows its traceback.
"""

from __future__ import annotations


class BriefingError(Exception):
    """Base of every expected failure; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class UsageError(BriefingError):
    """Bad arguments or options on the command line (exit 2)."""

    exit_code = 2


class BadInputError(BriefingError):
    """Input that cannot be used: an empty question, a malformed date or file (exit 2)."""

    exit_code = 2


class BadDateError(BadInputError):
    """A date that is not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or not a calendar date."""


class CorpusError(BadInputError):
    """A corpus file (or one record of it) cannot be indexed; the message says why."""


class CorpusEmptyError(BadInputError):
    """The corpus folder is missing or holds no usable document."""


class UploadRejected(BadInputError):
    """An uploaded file that is not added to the corpus; the message says why."""


class GoldSetError(BadInputError):
    """A malformed gold set; the message names the bad line."""


class IndexMissingError(BriefingError):
    """No complete index in the folder (exit 1)."""


class IndexMismatchError(BriefingError):
    """The index was built with another schema or model than the one asked for (exit 1)."""


class IndexBusyError(BriefingError):
    """Another build holds the index lock (exit 1)."""


class ModelError(BriefingError):
    """The embedding model cannot be found or loaded (exit 1)."""


class DatabaseError(BriefingError):
    """The PostgreSQL index's server cannot be reached, refused the user, went away, or lacks
    pgvector; the message names the server (never the password) and says what to do (exit 1)."""
