"""The index: build (plan + apply), load, and the parts it is made of.

``build.py`` brings an index folder up to date with the corpus, ``load.py`` opens
it for querying; ``store.py`` (SQLite: documents, passages, FTS5), ``vectors.py``
(FAISS), ``manifest.py`` (the folder's manifest) and ``embedder.py`` (the model).
"""

from .build import BuildReport, build_index
from .load import Index, load_index

__all__ = ["BuildReport", "Index", "build_index", "load_index"]
