"""briefing: answers made only of verbatim, cited extracts from diplomatic sources.

The pipeline, one verb per stage, one package per stage::

    documents, skipped = load_corpus(Path("corpus"))        # corpus/: readers, chunking, speakers
    report = build_index(Path("corpus"), Path("index"))     # index/: build (plan + apply), store, vectors
    index = load_index(Path("index"))                        # index/load.py
    reply = answer(index, "Did the US position change?")     # answer/: retrieve, sentences, evidence, decide
    result = evaluate(index, load_gold(Path("eval/gold/seed.jsonl")))  # evaluation/

``errors.py`` holds the one error model, ``dates.py`` the one date helper,
``records.py`` the frozen record types; ``ui/`` is the chat and ``cli.py`` the
``briefing`` command.

Note: the facade's ``answer`` is the function; import the answering modules by
their full names (``from briefing.answer import decide``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# Eager on purpose: importing the submodule briefing.answer would otherwise leave the
# package attribute ``answer`` bound to the module instead of the function.
from .answer import answer

__all__ = ["__version__", "answer", "build_index", "evaluate", "load_corpus", "load_gold", "load_index"]

if TYPE_CHECKING:
    from .corpus import load_corpus
    from .evaluation import evaluate, load_gold
    from .index import build_index, load_index

# The verbs are imported on first use, so `briefing ask` pays neither for the
# evaluation nor for the build side (corpus readers, sentence splitter), and the
# version is read from the package metadata only when asked for (a cold start counts).
_VERBS = {
    "load_corpus": "corpus",
    "evaluate": "evaluation",
    "load_gold": "evaluation",
    "build_index": "index",
    "load_index": "index",
}


def __getattr__(name: str):
    if name == "__version__":
        from ._version import package_version

        return package_version()
    if name in _VERBS:
        import importlib

        return getattr(importlib.import_module(f".{_VERBS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
