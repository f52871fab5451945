"""The decision: abstain, or choose the extracts (a timeline for "did it change?" questions).

Abstain (no extracts, the fixed message) when the best sentence scores below
the threshold, or when no passage of the best sentences covers enough of the
question's key terms while holding the kind of answer asked for.  Otherwise
pick sentences that add information (near-duplicates dropped, the earliest
kept); for "did it change?" questions, one extract per document, oldest first.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import phrases
from ..records import Answer, Document, Extract, spans_overlap
from .evidence import Evidence
from .params import AnswerParams
from .render import render_markdown
from .sentences import Candidate

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


def decide(
    evidence: Evidence,
    *,
    top: int = 5,
    threshold: float | None = None,
    min_coverage: float | None = None,
    params: AnswerParams | None = None,
) -> Answer:
    """Turn gathered evidence into extracts, or an abstention.

    ``params`` default to the evidence's; ``threshold`` and ``min_coverage``
    override theirs (a threshold of -1 or less turns abstention off).
    """
    params = params or evidence.params
    threshold = params.threshold if threshold is None else threshold
    min_coverage = params.min_coverage if min_coverage is None else min_coverage
    applied, candidates, documents = evidence.filters, evidence.candidates, evidence.documents
    filters_dict = applied.to_dict() if applied else {}
    abstain = not candidates or (
        threshold > -1.0 and (evidence.best_score < threshold or evidence.support() < min_coverage)
    )
    if abstain:
        return Answer(question=evidence.question, abstained=True, answer=phrases.NO_ANSWER, filters=filters_dict)
    best = candidates[0]
    if evidence.timeline:
        # The threshold decides whether to answer at all; a timeline then takes
        # statements scoring within timeline_margin of the best one.
        floor = best.score - params.timeline_margin
        pool = [c for c in candidates if c.score >= floor]
        # One statement per document (so per date) from passages on the question's subject ...
        on_subject = [
            c
            for c in pool
            if evidence.coverage.get(c.passage.passage_id, 0.0) >= params.timeline_coverage_share * evidence.support()
        ]
        chosen = _select(on_subject, documents, max(top, 6), per_document=True, jaccard=params.duplicate_jaccard)
        if len(chosen) < top:
            # ... then, with few documents, their other best sentences.
            chosen = _select(
                chosen + [c for c in pool if c not in chosen],
                documents,
                top,
                per_document=False,
                jaccard=params.duplicate_jaccard,
            )
        # Oldest first; within one date, the most relevant statement first.
        chosen.sort(key=lambda c: (_date_key(c.date), -c.score))
    else:
        chosen = _select(candidates, documents, top, per_document=False, jaccard=params.duplicate_jaccard)
    numbers: dict[str, int] = {}
    extracts = []
    for candidate in chosen:
        document = documents[candidate.doc_id]
        number = numbers.setdefault(candidate.doc_id, len(numbers) + 1)
        extracts.append(
            Extract(
                citation=number,
                text=document.text[candidate.char_start : candidate.char_end],
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
    return Answer(
        question=evidence.question,
        abstained=False,
        answer=render_markdown(extracts, timeline=evidence.timeline, filters=applied),
        extracts=tuple(extracts),
        timeline=evidence.timeline,
        filters=filters_dict,
    )
