"""Which store an ``--index`` value names, decided here and nowhere else.

A ``postgresql://`` (or ``postgres://``) URL is the PostgreSQL store (``postgres.py``, needs the
``postgres`` extra: psycopg 3); anything else is a folder of the embedded store (SQLite + FTS5 and
FAISS: ``index/store.py``, ``index/vectors.py``, ``index/load.py``).  ``load_index`` and
``build_index`` ask :func:`is_database` first, so every command, ``app.py`` and the UI take both.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DATABASE_SCHEMES = ("postgresql://", "postgres://")
INDEX_ENV = "BRIEFING_INDEX"


def is_database(location: object) -> bool:
    """Does ``location`` name a PostgreSQL database rather than an index folder?"""
    return isinstance(location, str) and location.lower().startswith(DATABASE_SCHEMES)


def index_location(value: str) -> Path | str:
    """An ``--index`` value: the URL as given for a database, else a folder path (argparse type).

    A URL must not go through ``Path``, which folds ``postgresql://`` into ``postgresql:/``."""
    return value if is_database(value) else Path(value)


def default_index() -> Path | str:
    """``$BRIEFING_INDEX`` when set (a folder or a ``postgresql://`` URL), else ``index``."""
    return index_location(os.environ.get(INDEX_ENV) or "index")


def redact(url: str) -> str:
    """``url`` without its password (for messages, logs and cache folder names)."""
    parts = urlsplit(url)
    if parts.password is not None:
        user = f"{parts.username}@" if parts.username else ""
        parts = parts._replace(netloc=user + parts.netloc.rsplit("@", 1)[-1])
    if "password" in parts.query.lower():  # ?password=... is libpq's other way to give it
        kept = [pair for pair in parts.query.split("&") if not pair.lower().startswith("password=")]
        parts = parts._replace(query="&".join(kept))
    return urlunsplit(parts)


def describe(location: object) -> str:
    """How messages name an index: the folder, or the URL without its password."""
    return redact(location) if is_database(location) else str(location)


def current_manifest(location: object):
    """The manifest of the index at ``location`` (folder or URL), None when there is none;
    BriefingError when it cannot be read."""
    if is_database(location):
        from .postgres import Database, read_manifest

        database = Database(location)
        try:
            return read_manifest(database)
        finally:
            database.close()
    from ..manifest import read_manifest

    return read_manifest(Path(location))
