"""Which passages a date or source filter allows, from arrays written beside the index.

A question that names a period ("in June 2021") runs under a date filter.  Asked of SQLite, the
filter joins every allowed passage to its document (80-100 ms for the 127k passages of one month
among 1M), and the lexical query ran that join a second time inside FTS5.  The build therefore
writes, per generation, each passage's document period and source as arrays indexed by passage id
(``passage-filters.npz``, 25 bytes a passage); a filter is then a few vectorised comparisons
(:func:`allowed`).  The comparisons are the SQL ones (``Store._filter_sql``): ISO dates compared as
strings, an undated document never matching a date filter, the source matched by SQLite's own
``lower(source) LIKE '%...%'`` over the few distinct sources.  An index built before this file
existed has none, and its filters go to SQLite as before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .store import Store, filter_bounds

FILTERS_NAME = "passage-filters.npz"


@dataclass(frozen=True)
class PassageTable:
    """Per passage id: present, period start and end (ISO bytes, empty when undated), source code
    (an index into ``sources``, -1 for none)."""

    present: np.ndarray
    start: np.ndarray
    end: np.ndarray
    source: np.ndarray
    sources: list[str]


def table_of(rows: list[tuple[int, str | None, str | None, str | None]]) -> PassageTable:
    """The table of ``(passage_id, date_start, date_end, source)`` rows (``passage_periods()``)."""
    sources = sorted({row[3] for row in rows if row[3] is not None})
    code = {source: number for number, source in enumerate(sources)}
    size = max((row[0] for row in rows), default=-1) + 1
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    present = np.zeros(size, dtype=bool)
    present[ids] = True
    starts = np.array([(row[1] or "").encode() for row in rows], dtype=bytes)
    ends = np.array([(row[2] or "").encode() for row in rows], dtype=bytes)
    start = np.zeros(size, dtype=starts.dtype)
    end = np.zeros(size, dtype=ends.dtype)
    start[ids] = starts
    end[ids] = ends
    source = np.full(size, -1, dtype=np.int32)
    source[ids] = [code.get(row[3], -1) for row in rows]
    return PassageTable(present, start, end, source, sources)


def write(store: Store, path: Path) -> None:
    """Write ``store``'s passage table to ``path`` (atomically: a temporary file, then a rename)."""
    table = table_of(store.passage_periods())
    temporary = path.with_name(path.name + ".tmp.npz")
    np.savez(
        temporary,
        present=table.present,
        start=table.start,
        end=table.end,
        source=table.source,
        sources=np.array(table.sources, dtype=str),
    )
    os.replace(temporary, path)


def read(path: Path) -> PassageTable | None:
    """The table at ``path``, or None when there is none (an index built before it existed)."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        return PassageTable(data["present"], data["start"], data["end"], data["source"], data["sources"].tolist())


def allowed(
    table: PassageTable, store: Store, *, since: str | None = None, until: str | None = None, source: str | None = None
) -> np.ndarray:
    """Boolean mask over passage ids: the passages whose document matches the filter."""
    mask = table.present.copy()
    low, high = filter_bounds(since, until)
    if low is not None:
        mask &= (table.end != b"") & (table.end >= low.encode())
    if high is not None:
        mask &= (table.start != b"") & (table.start <= high.encode())
    if source:
        matching = set(store.sources_like(source))
        codes = [number for number, name in enumerate(table.sources) if name in matching]
        mask &= np.isin(table.source, codes)
    return mask
