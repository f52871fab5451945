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

from ._version import package_version
from .answer import answer
from .corpus import load_corpus
from .evaluation import evaluate, load_gold
from .index import build_index, load_index

__version__ = package_version()

__all__ = ["__version__", "answer", "build_index", "evaluate", "load_corpus", "load_gold", "load_index"]
