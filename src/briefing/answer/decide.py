"""The decision: abstain, or choose the extracts (a timeline for "did it change?" questions).

Abstain (no extracts, the fixed message) when the abstention model finds the
question unlikely to be answered by the sources (``Evidence.answerability``
below the threshold), when the question names something the corpus never
mentions (``Evidence.names_missing``), or when a question asking for a count, a sum
of money, a length of time, a date, or what a named actor said would be answered by extracts
none of which holds it (:mod:`.fact_check`: an on-topic sentence without the fact asked for),
or when it changes one word of an extract (:mod:`.word_swaps`: "perpendicular" for "parallel").
Otherwise show the candidates scoring close enough to the best one (no padding),
near-duplicates dropped (the earliest kept), for "What did X say…" X's own words first, with a
calibrated evidence label (strong / partial); for "did it change?" questions, one statement per
document, officials first, oldest first.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import phrases
from ..corpus.speakers import is_question_label
from ..records import Answer, Document, Extract, spans_overlap
from .evidence import Evidence
from .fact_check import asked_actor, asks_for_words, mentions_actor, missing_fact, speaks
from .params import AnswerParams
from .render import render_markdown
from .sentences import Candidate, final_model

_WORD = re.compile(r"\w+")


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _is_duplicate(a: str, b: str, jaccard: float) -> bool:
    first, second = _tokens(a), _tokens(b)
    if not first or not second:
        return a.strip() == b.strip()
    return len(first & second) / len(first | second) >= jaccard


def _date_key(date: str | None) -> str:
    return date or "9999"


def _select(
    candidates: list[Candidate], documents: dict[str, Document], top: int, per_document: bool, jaccard: float
) -> list[Candidate]:
    chosen: list[Candidate] = []
    for candidate in candidates:
        text = documents[candidate.doc_id].text[candidate.char_start : candidate.char_end]
        if per_document and any(c.doc_id == candidate.doc_id for c in chosen):
            continue
        duplicate_of = next(
            (
                i
                for i, c in enumerate(chosen)
                if _is_duplicate(text, documents[c.doc_id].text[c.char_start : c.char_end], jaccard)
                or (
                    c.doc_id == candidate.doc_id
                    and spans_overlap(c.char_start, c.char_end, candidate.char_start, candidate.char_end)
                )
            ),
            None,
        )
        if duplicate_of is not None:
            kept = chosen[duplicate_of]
            if kept.doc_id != candidate.doc_id and _date_key(candidate.date) < _date_key(kept.date):
                chosen[duplicate_of] = replace(candidate, score=kept.score)
            continue
        chosen.append(candidate)
        if len(chosen) >= top:
            break
    return chosen


def _strength(evidence: Evidence, score: float) -> str:
    """ "strong" when ``score`` (the first extract's; a timeline's best candidate's) reaches the
    scorer's calibrated cut (``strong_probability``), else "partial"."""
    model = final_model(evidence.params)
    strong = model.extra.get("strong_probability", 1.0) if model is not None else 1.0
    return "strong" if score >= strong else "partial"


def _floor(candidates: list[Candidate], ratio: float) -> float:
    """``ratio`` of the best sentence-scorer probability: the match stage reorders the best three,
    it does not move the floors, which stay where their ratios were tuned."""
    return max(c.first_probability for c in candidates) * ratio


def _worth_reading(candidates: list[Candidate], params: AnswerParams) -> list[Candidate]:
    """Candidates close enough to the best one to be worth reading (no padding): the first, and
    those at or above the floor of ``extract_ratio``."""
    if not candidates:
        return []
    floor = _floor(candidates, params.extract_ratio)
    return [c for i, c in enumerate(candidates) if i == 0 or c.first_probability >= floor]


def _timeline(evidence: Evidence, top: int, params: AnswerParams) -> list[Candidate]:
    """One statement per document, officials first, from passages on the question's subject."""
    candidates = evidence.candidates
    floor = _floor(candidates, params.timeline_ratio)
    pool = [c for c in candidates if c.first_probability >= floor]
    officials = [c for c in pool if not is_question_label(c.speaker)]
    pool = officials or pool
    best_coverage = max((evidence.coverage.get(c.passage.passage_id, 0.0) for c in pool), default=0.0)
    on_subject = [
        c
        for c in pool
        if evidence.coverage.get(c.passage.passage_id, 0.0) >= params.timeline_coverage_share * best_coverage
    ]
    chosen = _select(
        on_subject, evidence.documents, max(top, params.timeline_documents), True, params.duplicate_jaccard
    )
    if len(chosen) < top:
        # With few documents, their other statements too.
        rest = [c for c in pool if c not in chosen]
        chosen = _select(chosen + rest, evidence.documents, top, False, params.duplicate_jaccard)
    # Oldest first; within one date, the most relevant statement first.
    chosen.sort(key=lambda c: (_date_key(c.date), -c.score))
    return chosen


def _actor_first(question: str, chosen: list[Candidate], documents: dict[str, Document]) -> list[Candidate]:
    """For "What did X say…", X's own words first: extracts whose speaker names X (without a speaker,
    whose document's source does), or in which X says something ("Stoltenberg said"); the rest keep
    their order after them."""
    actor = asked_actor(question) if asks_for_words(question) else ()
    if not actor:
        return chosen

    def said_by_actor(candidate: Candidate) -> bool:
        document = documents[candidate.doc_id]
        voice = candidate.speaker or document.source or ""
        text = document.text[candidate.char_start : candidate.char_end]
        return mentions_actor(actor, [voice]) or speaks(actor, [text])

    return sorted(chosen, key=lambda candidate: not said_by_actor(candidate))


def _captions(chosen: list[Candidate], documents: dict[str, Document]) -> list[str]:
    """What each extract's caption says besides its date: speaker, document title and source."""
    return [" ".join(filter(None, (c.speaker, documents[c.doc_id].title, documents[c.doc_id].source))) for c in chosen]


def _source(document: Document) -> str:
    """A document's words for the fact check: its title, date and text."""
    return " ".join(filter(None, (document.title, document.date, document.text)))


def decide(
    evidence: Evidence,
    *,
    top: int = 5,
    threshold: float | None = None,
    params: AnswerParams | None = None,
) -> Answer:
    """Turn gathered evidence into extracts, or an abstention.

    Abstains when the question's answerability (``Evidence.answerability``) is
    below ``threshold`` (default ``Evidence.threshold``: the global cut, calibrated
    per index; -1 or less never abstains).
    Shows only extracts scoring at least ``params.extract_ratio`` of the best one.
    """
    params = params or evidence.params
    threshold = evidence.threshold if threshold is None else threshold
    applied, candidates, documents = evidence.filters, evidence.candidates, evidence.documents
    filters_dict = applied.to_dict() if applied else {}
    silence = evidence.filter_note or phrases.NO_ANSWER  # the filter named when it is why nothing was found
    abstention = Answer(question=evidence.question, abstained=True, answer=silence, filters=filters_dict)
    if not candidates or (threshold > -1.0 and (evidence.answerability < threshold or evidence.names_missing)):
        return abstention
    if evidence.timeline:
        chosen = _timeline(evidence, top, params)
    else:
        chosen = _select(_worth_reading(candidates, params), documents, top, False, params.duplicate_jaccard)
        chosen = _actor_first(evidence.question, chosen, documents)
    texts = [documents[c.doc_id].text[c.char_start : c.char_end] for c in chosen]
    fact_checked = params.fact_check and threshold > -1.0 and not evidence.timeline
    if fact_checked:
        sources = [_source(documents[doc_id]) for doc_id in dict.fromkeys(c.doc_id for c in chosen)]
        if missing_fact(evidence.question, texts, _captions(chosen, documents), sources):
            return abstention
    numbers: dict[str, int] = {}
    extracts = []
    for candidate, text in zip(chosen, texts):
        document = documents[candidate.doc_id]
        number = numbers.setdefault(candidate.doc_id, len(numbers) + 1)
        extracts.append(
            Extract(
                citation=number,
                text=text,
                doc_id=candidate.doc_id,
                path=document.path,
                char_start=candidate.char_start,
                char_end=candidate.char_end,
                score=candidate.score,
                title=document.title,
                date=document.date,
                source=document.source,
                url=document.url,
                speaker=candidate.speaker,
                page=document.page_at(candidate.char_start),
                passage_id=candidate.passage.passage_id,
            )
        )
    strength = _strength(evidence, evidence.best_score if evidence.timeline else chosen[0].score)
    return Answer(
        question=evidence.question,
        abstained=False,
        answer=render_markdown(extracts, timeline=evidence.timeline, filters=applied, strength=strength),
        extracts=tuple(extracts),
        timeline=evidence.timeline,
        filters=filters_dict,
        strength=strength,
    )
