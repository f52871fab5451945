"""From a question to an :class:`Answer` made only of verbatim, cited extracts.

``question.py`` (what a question asks for), ``retrieve.py`` (dense, lexical,
hybrid, filters), ``sentences.py`` (candidate spans), ``features.py`` (what the
scorer looks at), ``scorer.py`` (the two learned models in ``models/``),
``evidence.py`` (:func:`gather`, answerability), ``decide.py`` (abstention,
selection, timelines), ``render.py`` (markdown and plain text); every tunable
in ``params.py``.

1. Retrieve passages (hybrid dense + lexical), under the filters given or the
   one date range the question states.
2. Every sentence of the best passages is a candidate; a sentence that opens
   with a pronoun or connective ("He added", "This", "However") is quoted
   together with the sentence before it (never across a change of speaker).
3. A learned scorer (logistic regression over cosine, BM25, key-term coverage
   of the sentence, its neighbours and passage, the answer type asked for,
   speaker role ...) gives each candidate the probability that it holds the answer.
4. Abstain (no extracts, the fixed message) when the abstention model, fed with
   the best candidates' evidence and the question's words the corpus never
   uses, finds the question unlikely to be answered.
5. Show the candidates close enough to the best one (no padding), near-duplicates
   dropped, under one caption per document, with a calibrated strong/partial label;
   for "did it change?" questions, one statement per document, officials first,
   oldest first.
"""

from __future__ import annotations

from dataclasses import replace

from ..index.load import Index
from ..records import Answer
from .decide import decide
from .evidence import Evidence, applied_filters, coverage, gather
from .long_question import reduce_question
from .params import DEFAULT_PARAMS, AnswerParams
from .render import render_markdown
from .retrieve import Filters
from .timeline import follow_up_question

DEFAULT_THRESHOLD = DEFAULT_PARAMS.threshold

__all__ = [
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
    filters: Filters | None = None,
    context: str | None = None,
    mode: str = "hybrid",
    params: AnswerParams = DEFAULT_PARAMS,
) -> Answer:
    """Answer ``question`` from the index with verbatim extracts, or abstain.

    ``threshold`` defaults to ``params``'; the bot abstains when the question's
    answerability (1 - the abstention model's probability) is below it.
    ``context`` is the previous question of a conversation: it is added to the
    retrieval query (never to the answer) so a follow-up such as "and what did
    Turkey say?" keeps its subject; a change follow-up that names no subject of its own ("Did it
    change?", "And now?") is answered as a timeline on the previous questions' subject
    (:func:`.timeline.follow_up_question`).  ``filters`` restrict documents by date and
    source; without explicit dates, one date range stated in the question applies.
    ``threshold`` of -1 or less turns abstention off (used to calibrate it).
    A question over ``long_question.LONG_QUESTION_WORDS`` words is first reduced to the
    sentences that ask (:func:`.long_question.reduce_question`); the answer keeps the question
    as asked.

    >>> answer(load_index("index"), "Did the US position change?").extracts[0].text  # doctest: +SKIP
    """
    asked = reduce_question(question)
    merged = follow_up_question(asked, context)
    if merged is not None:
        # "Did it change?" names no subject: answer it on the previous questions' subject.
        evidence = gather(index, merged, filters=filters, mode=mode, params=params, timeline=True)
        return replace(decide(evidence, top=top, threshold=threshold), question=question.strip())
    evidence = gather(index, asked, filters=filters, context=context, mode=mode, params=params)
    reply = decide(evidence, top=top, threshold=threshold)
    return reply if asked == question else replace(reply, question=question.strip())
