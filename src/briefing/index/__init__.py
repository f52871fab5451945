"""The index: build (plan + apply), load, and the parts it is made of.

``build.py`` brings an index folder up to date with the corpus, ``load.py`` opens
it for querying; ``store.py`` (SQLite: documents, passages, FTS5), ``vectors.py``
(FAISS), ``manifest.py`` (the folder's manifest) and ``embedder.py`` (the model).

The names are imported on first use: ``briefing ask`` loads an index but never
builds one, and the build side pulls in the corpus readers and the sentence
splitter (blingfire), which cost a noticeable part of a cold start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["BuildReport", "Index", "build_index", "load_index"]

if TYPE_CHECKING:
    from .build import BuildReport, build_index
    from .load import Index, load_index


def __getattr__(name: str):
    if name in ("BuildReport", "build_index"):
        from . import build  # lazy: see the module docstring

        return getattr(build, name)
    if name in ("Index", "load_index"):
        from . import load

        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
