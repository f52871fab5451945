"""briefing: answers made only of verbatim, cited extracts from diplomatic sources.

The pipeline, one verb per stage::

    documents, skipped = load_corpus(Path("corpus"))
    report = build_index(Path("corpus"), Path("index"))
    index = load_index(Path("index"))
    reply = answer(index, "Did the US position change?")
"""

__version__ = "0.1.0"

from .answering import answer  # noqa: E402
from .corpus import load_corpus  # noqa: E402
from .index import load_index  # noqa: E402
from .indexer import build_index  # noqa: E402

__all__ = ["__version__", "answer", "build_index", "load_corpus", "load_index"]
