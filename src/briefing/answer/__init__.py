"""From a question to an :class:`Answer` made only of verbatim, cited extracts.

``question.py`` (what a question asks for), ``retrieve.py`` (dense, lexical,
hybrid, filters), ``sentences.py`` (candidate sentences), ``evidence.py``
(key-term coverage, :func:`gather`), ``decide.py`` (abstention, selection,
timelines), ``render.py`` (markdown); every tunable in ``params.py``.

1. Retrieve passages (hybrid dense + lexical), under the filters given or the
   one date range the question states.
2. Score every sentence of the best passages against the question: cosine of
   the sentence to the question, blended with its passage's retrieval score.
3. Abstain (no extracts, the fixed message) when the best sentence scores
   below ``threshold``, or when no passage of the best sentences covers enough
   of the question's key terms (IDF-weighted) while holding the kind of answer
   asked for (a number for "how many", a date for "when").
4. Pick sentences that add information (near-duplicates dropped, the earliest
   kept); a sentence that opens with a pronoun or connective ("He added",
   "This", "However") is quoted together with the sentence before it (even
   across a paragraph break, news articles often have one-sentence paragraphs,
   but never across a change of speaker), as one contiguous span.
5. For "did it change?" questions, one extract per document, oldest first.
"""

from __future__ import annotations

from ..index.load import Index
from ..records import Answer
from .decide import decide
from .evidence import Evidence, applied_filters, coverage, gather
from .params import DEFAULT_PARAMS, AnswerParams
from .render import render_markdown
from .retrieve import Filters

DEFAULT_THRESHOLD = DEFAULT_PARAMS.threshold
DEFAULT_MIN_COVERAGE = DEFAULT_PARAMS.min_coverage

__all__ = [
    "DEFAULT_MIN_COVERAGE",
    "DEFAULT_PARAMS",
    "DEFAULT_THRESHOLD",
    "AnswerParams",
    "Evidence",
    "Filters",
    "answer",
    "applied_filters",
    "coverage",
    "decide",
    "gather",
    "render_markdown",
]


def answer(
    index: Index,
    question: str,
    *,
    top: int = 5,
    threshold: float | None = None,
    min_coverage: float | None = None,
    filters: Filters | None = None,
    context: str | None = None,
    mode: str = "hybrid",
    params: AnswerParams = DEFAULT_PARAMS,
) -> Answer:
    """Answer ``question`` from the index with verbatim extracts, or abstain.

    ``threshold`` and ``min_coverage`` default to ``params``'.
    Abstains when the best sentence scores below ``threshold``, or when none of
    the best sentences' passages covers ``min_coverage`` of the question's key
    terms (IDF-weighted) while holding the expected answer type.
    ``context`` is the previous question of a conversation: it is added to the
    retrieval query (never to the answer) so a follow-up such as "and what did
    Turkey say?" keeps its subject.  ``filters`` restrict documents by date and
    source; without explicit dates, one date range stated in the question applies.
    ``threshold`` of -1 or less turns abstention off (used to calibrate it).

    >>> answer(load_index("index"), "Did the US position change?").extracts[0].text  # doctest: +SKIP
    """
    evidence = gather(index, question, filters=filters, context=context, mode=mode, params=params)
    return decide(evidence, top=top, threshold=threshold, min_coverage=min_coverage)
